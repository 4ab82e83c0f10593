#include "wire/frame.h"
#include "wire/summary.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace floodchat {
namespace {

std::string Bytes(const Buffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

Message SampleMessage(std::string_view text) {
  Message m;
  for (size_t i = 0; i < kMessageIdBytes; ++i) m.id.bytes[i] = static_cast<uint8_t>(i + 1);
  m.hops = 3;
  m.hop_limit = 64;
  m.sent_ms = 0x0000018a2b3c4d5eULL;
  m.nick = "bob";
  m.text = text;
  return m;
}

// Decodes every whole frame from a byte stream that arrives in pieces, the
// way a peer's input buffer does: append, take whole frames, keep the rest.
struct Reader {
  Buffer in;
  std::vector<std::pair<uint8_t, std::string>> frames;
  bool error = false;

  void Feed(const std::string& piece, size_t max_length = MaxFrameLength(1000)) {
    in.Append(piece.data(), piece.size());
    for (;;) {
      Frame f;
      const char* why = nullptr;
      DecodeStatus st = DecodeFrame(in.data(), in.size(), max_length, &f, &why);
      if (st == DecodeStatus::kNeedMore) return;
      if (st == DecodeStatus::kError) {
        error = true;
        return;
      }
      frames.emplace_back(f.type, std::string(reinterpret_cast<const char*>(f.payload), f.payload_size));
      in.Consume(f.wire_size);
    }
  }
};

TEST(FrameTest, GoldenHello) {
  Buffer b;
  AppendHello(0x0102030405060708ULL, "al", 0xd903, &b);
  const std::string want("\x00\x00\x00\x13"  // length 19: type + 18 payload bytes
                         "\x01"              // hello
                         "FLCH\x02"          // magic, version 2
                         "\x01\x02\x03\x04\x05\x06\x07\x08"
                         "\x02" "al"
                         "\xd9\x03",         // listen port 55555
                         23);
  EXPECT_EQ(Bytes(b), want);
}

TEST(FrameTest, GoldenMessage) {
  Buffer b;
  AppendMessage(SampleMessage("hi"), &b);
  std::string want("\x00\x00\x00\x21\x02", 5);  // 33 = 1 + 16 + 2 + 8 + 1 + 3 + 2
  for (int i = 1; i <= 16; ++i) want.push_back(static_cast<char>(i));
  want += std::string("\x03\x40", 2);                              // hops 3, limit 64
  want += std::string("\x00\x00\x01\x8a\x2b\x3c\x4d\x5e", 8);  // sent_ms
  want += std::string("\x03" "bob" "hi", 6);
  EXPECT_EQ(Bytes(b), want);
}

TEST(FrameTest, HelloRoundTrip) {
  Buffer b;
  AppendHello(0xfeedfacecafebeefULL, "carol", 40000, &b);
  Frame f;
  const char* why = nullptr;
  ASSERT_EQ(DecodeFrame(b.data(), b.size(), MaxFrameLength(10), &f, &why), DecodeStatus::kFrame);
  EXPECT_EQ(f.type, kTypeHello);
  EXPECT_EQ(f.wire_size, b.size());
  Hello h;
  ASSERT_TRUE(ParseHello(f, &h, &why)) << why;
  EXPECT_EQ(h.node_id, 0xfeedfacecafebeefULL);
  EXPECT_EQ(h.nick, "carol");
  EXPECT_EQ(h.listen_port, 40000);
}

TEST(FrameTest, GoldenAddresses) {
  PeerAddress list[2];
  list[0].family = 4;
  list[0].ip[0] = 127;
  list[0].ip[3] = 1;
  list[0].port = 0x1234;
  list[1].family = 6;
  list[1].ip[15] = 1;  // ::1
  list[1].port = 80;
  Buffer b;
  AppendAddresses(kTypeAddresses, kAddressesAsk, list, 2, &b);
  std::string want("\x00\x00\x00\x1d"  // length 29: type, flags, count, 7 + 19
                   "\x03\x01\x02"
                   "\x04\x7f\x00\x00\x01\x12\x34"
                   "\x06",
                   15);
  want += std::string(15, '\0') + std::string("\x01\x00\x50", 3);
  EXPECT_EQ(Bytes(b), want);
}

TEST(FrameTest, AddressesRoundTripUpToTheLimit) {
  PeerAddress list[kMaxAddressesPerFrame];
  for (size_t i = 0; i < kMaxAddressesPerFrame; ++i) {
    list[i].family = i % 3 == 0 ? 6 : 4;
    for (size_t k = 0; k < list[i].ip_size(); ++k) list[i].ip[k] = static_cast<uint8_t>(i * 16 + k);
    list[i].port = static_cast<uint16_t>(1000 + i);
  }
  for (size_t n = 0; n <= kMaxAddressesPerFrame; ++n) {
    Buffer b;
    AppendAddresses(kTypeFull, 0, list, n, &b);
    Frame f;
    const char* why = nullptr;
    ASSERT_EQ(DecodeFrame(b.data(), b.size(), MaxFrameLength(0), &f, &why), DecodeStatus::kFrame);
    EXPECT_EQ(f.type, kTypeFull);
    AddressList got;
    ASSERT_TRUE(ParseAddresses(f, &got, &why)) << why;
    EXPECT_EQ(got.flags, 0);
    ASSERT_EQ(got.count, n);
    for (size_t i = 0; i < n; ++i) EXPECT_TRUE(got.addresses[i] == list[i]) << i;
  }
}

TEST(FrameTest, HelloWithoutListenPortMeansNone) {
  // A hello with no extension bytes (as the first release sent) is valid.
  Hello h;
  const char* why = nullptr;
  std::string p = "FLCH";
  p += std::string("\x02", 1) + std::string(8, '\x09') + "\x02" "ab";
  Frame f;
  f.type = kTypeHello;
  f.payload = reinterpret_cast<const uint8_t*>(p.data());
  f.payload_size = p.size();
  ASSERT_TRUE(ParseHello(f, &h, &why)) << why;
  EXPECT_EQ(h.listen_port, 0);
  p += "\x01";  // one extension byte is not a port either
  f.payload_size = p.size();
  ASSERT_TRUE(ParseHello(f, &h, &why)) << why;
  EXPECT_EQ(h.listen_port, 0);
}

TEST(FrameTest, MessageRoundTripAnyBytes) {
  std::string text("a\0b\xff\xfe\x1b[2J\n", 10);
  Buffer b;
  AppendMessage(SampleMessage(text), &b);
  Frame f;
  const char* why = nullptr;
  ASSERT_EQ(DecodeFrame(b.data(), b.size(), MaxFrameLength(100), &f, &why), DecodeStatus::kFrame);
  Message m;
  ASSERT_TRUE(ParseMessage(f, &m, &why)) << why;
  EXPECT_EQ(m.text, text);
  EXPECT_EQ(m.nick, "bob");
  EXPECT_EQ(m.hops, 3);
  EXPECT_EQ(m.hop_limit, 64);
  EXPECT_TRUE(m.id == SampleMessage("").id);
}

TEST(FrameTest, EmptyTextRoundTrips) {
  Buffer b;
  AppendMessage(SampleMessage(""), &b);
  Frame f;
  const char* why = nullptr;
  ASSERT_EQ(DecodeFrame(b.data(), b.size(), MaxFrameLength(0), &f, &why), DecodeStatus::kFrame);
  Message m;
  ASSERT_TRUE(ParseMessage(f, &m, &why));
  EXPECT_TRUE(m.text.empty());
}

std::string SampleStream() {
  Buffer b;
  AppendHello(42, "alice", 55555, &b);
  AppendMessage(SampleMessage("first"), &b);
  PeerAddress a;
  a.family = 4;
  a.ip[0] = 10;
  a.port = 7;
  AppendAddresses(kTypeAddresses, 0, &a, 1, &b);
  // A frame type from a later version: a reader must be able to step over it.
  const char unknown[] = {0, 0, 0, 4, 0x7f, 'x', 'y', 'z'};
  b.Append(unknown, sizeof unknown);
  AppendMessage(SampleMessage(std::string("\0second\0", 8)), &b);
  AppendMessage(SampleMessage(""), &b);
  AppendAddresses(kTypeFull, 0, &a, 0, &b);
  return Bytes(b);
}

TEST(FrameTest, EverySplitPointYieldsTheSameFrames) {
  const std::string stream = SampleStream();
  Reader whole;
  whole.Feed(stream);
  ASSERT_FALSE(whole.error);
  ASSERT_EQ(whole.frames.size(), 7u);
  EXPECT_EQ(whole.frames[2].first, kTypeAddresses);
  EXPECT_EQ(whole.frames[3].first, 0x7f);
  EXPECT_EQ(whole.frames[6].first, kTypeFull);
  EXPECT_EQ(whole.in.size(), 0u);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    Reader r;
    r.Feed(stream.substr(0, cut));
    r.Feed(stream.substr(cut));
    ASSERT_FALSE(r.error) << "cut at " << cut;
    EXPECT_EQ(r.frames, whole.frames) << "cut at " << cut;
    EXPECT_EQ(r.in.size(), 0u);
  }
  for (size_t a = 0; a <= stream.size(); a += 7) {
    for (size_t b = a; b <= stream.size(); ++b) {
      Reader r;
      r.Feed(stream.substr(0, a));
      r.Feed(stream.substr(a, b - a));
      r.Feed(stream.substr(b));
      ASSERT_EQ(r.frames, whole.frames) << "cuts at " << a << " and " << b;
    }
  }
}

TEST(FrameTest, OneByteAtATime) {
  const std::string stream = SampleStream();
  Reader whole, r;
  whole.Feed(stream);
  for (char c : stream) r.Feed(std::string(1, c));
  EXPECT_EQ(r.frames, whole.frames);
}

TEST(FrameTest, EveryTruncationNeedsMore) {
  Buffer b;
  AppendMessage(SampleMessage("truncate me"), &b);
  for (size_t n = 0; n < b.size(); ++n) {
    Frame f;
    const char* why = nullptr;
    EXPECT_EQ(DecodeFrame(b.data(), n, MaxFrameLength(100), &f, &why), DecodeStatus::kNeedMore)
        << "prefix of " << n;
  }
}

TEST(FrameTest, OversizedLengthIsRefusedFromTheHeaderAlone) {
  const size_t max = MaxFrameLength(100);
  uint8_t header[4];
  PutU32(header, static_cast<uint32_t>(max + 1));
  Frame f;
  const char* why = nullptr;
  EXPECT_EQ(DecodeFrame(header, 4, max, &f, &why), DecodeStatus::kError);
  EXPECT_NE(why, nullptr);
  PutU32(header, 0xffffffffu);  // "4 GiB"
  EXPECT_EQ(DecodeFrame(header, 4, max, &f, &why), DecodeStatus::kError);
  PutU32(header, static_cast<uint32_t>(max));  // exactly at the limit: wait for it
  EXPECT_EQ(DecodeFrame(header, 4, max, &f, &why), DecodeStatus::kNeedMore);
}

TEST(FrameTest, ZeroLengthIsAnError) {
  const uint8_t zero[4] = {0, 0, 0, 0};
  Frame f;
  const char* why = nullptr;
  EXPECT_EQ(DecodeFrame(zero, 4, 100, &f, &why), DecodeStatus::kError);
}

TEST(FrameTest, MaxFrameLengthCoversTheLargestMessage) {
  Buffer b;
  std::string text(5000, 'x');
  Message m = SampleMessage(text);
  std::string nick(kMaxNickBytes, 'n');
  m.nick = nick;
  AppendMessage(m, &b);
  Frame f;
  const char* why = nullptr;
  // The largest message inside a repair frame (wire/summary.h) is the
  // largest frame.
  Buffer r;
  AppendRepair(b.data(), b.size(), &r);
  EXPECT_EQ(DecodeFrame(r.data(), r.size(), MaxFrameLength(5000), &f, &why), DecodeStatus::kFrame);
  EXPECT_EQ(DecodeFrame(r.data(), r.size(), MaxFrameLength(4999), &f, &why), DecodeStatus::kError);
}

Frame FrameOf(uint8_t type, const std::string& payload) {
  static std::string keep;
  keep = payload;
  Frame f;
  f.type = type;
  f.payload = reinterpret_cast<const uint8_t*>(keep.data());
  f.payload_size = keep.size();
  f.wire_size = kFrameHeaderBytes + keep.size();
  return f;
}

std::string HelloPayload(std::string magic, uint8_t version, uint8_t nick_len, std::string nick) {
  std::string p = magic;
  p.push_back(static_cast<char>(version));
  p += std::string(8, '\x09');
  p.push_back(static_cast<char>(nick_len));
  return p + nick;
}

TEST(FrameTest, BadHellosAreRejected) {
  const uint8_t V = kProtocolVersion;
  Hello h;
  const char* why = nullptr;
  EXPECT_TRUE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCH", V, 2, "ab")), &h, &why));
  // Extension bytes after the nick are allowed (later versions).
  EXPECT_TRUE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCH", V, 2, "abEXT")), &h, &why));
  EXPECT_EQ(h.nick, "ab");
  EXPECT_FALSE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCX", V, 2, "ab")), &h, &why));
  EXPECT_FALSE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCH", 1, 2, "ab")), &h, &why));  // the first version
  EXPECT_FALSE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCH", 3, 2, "ab")), &h, &why));
  EXPECT_FALSE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCH", V, 0, "")), &h, &why));
  EXPECT_FALSE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCH", V, 33, std::string(33, 'a'))), &h, &why));
  EXPECT_FALSE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCH", V, 5, "ab")), &h, &why));
  EXPECT_FALSE(ParseHello(FrameOf(kTypeHello, HelloPayload("FLCH", V, 2, "ab" + std::string(1025, 'e'))), &h, &why));
  std::string full = HelloPayload("FLCH", V, 2, "ab");
  for (size_t n = 0; n < full.size(); ++n)
    EXPECT_FALSE(ParseHello(FrameOf(kTypeHello, full.substr(0, n)), &h, &why)) << n;
}

std::string MessagePayload(uint8_t hops, uint8_t limit, uint8_t nick_len, std::string rest) {
  std::string p(16, '\x05');
  p.push_back(static_cast<char>(hops));
  p.push_back(static_cast<char>(limit));
  p += std::string("\x00\x00\x01\x8a\x00\x00\x00\x07", 8);  // sent_ms
  p.push_back(static_cast<char>(nick_len));
  return p + rest;
}

TEST(FrameTest, BadMessagesAreRejected) {
  Message m;
  const char* why = nullptr;
  EXPECT_TRUE(ParseMessage(FrameOf(kTypeMessage, MessagePayload(1, 1, 1, "nTEXT")), &m, &why));
  EXPECT_EQ(m.text, "TEXT");
  EXPECT_EQ(m.sent_ms, 0x0000018a00000007ULL);
  EXPECT_FALSE(ParseMessage(FrameOf(kTypeMessage, MessagePayload(0, 5, 1, "n")), &m, &why));
  EXPECT_FALSE(ParseMessage(FrameOf(kTypeMessage, MessagePayload(6, 5, 1, "n")), &m, &why));
  EXPECT_FALSE(ParseMessage(FrameOf(kTypeMessage, MessagePayload(1, 5, 0, "n")), &m, &why));
  EXPECT_FALSE(ParseMessage(FrameOf(kTypeMessage, MessagePayload(1, 5, 33, std::string(40, 'n'))), &m, &why));
  EXPECT_FALSE(ParseMessage(FrameOf(kTypeMessage, MessagePayload(1, 5, 4, "abc")), &m, &why));
  std::string full = MessagePayload(1, 1, 1, "n");
  for (size_t n = 0; n < full.size(); ++n)
    EXPECT_FALSE(ParseMessage(FrameOf(kTypeMessage, full.substr(0, n)), &m, &why)) << n;
}

std::string AddressEntry(uint8_t family, size_t ip_bytes) {
  std::string e(1, static_cast<char>(family));
  e += std::string(ip_bytes, '\x0a');
  return e + std::string("\x00\x50", 2);
}

TEST(FrameTest, BadAddressListsAreRejected) {
  AddressList list;
  const char* why = nullptr;
  std::string two = std::string("\x00\x02", 2) + AddressEntry(4, 4) + AddressEntry(6, 16);
  ASSERT_TRUE(ParseAddresses(FrameOf(kTypeAddresses, two), &list, &why)) << why;
  EXPECT_EQ(list.count, 2u);
  for (size_t n = 0; n < two.size(); ++n)
    EXPECT_FALSE(ParseAddresses(FrameOf(kTypeAddresses, two.substr(0, n)), &list, &why)) << n;
  EXPECT_FALSE(ParseAddresses(FrameOf(kTypeAddresses, two + "x"), &list, &why));
  std::string bad_family = std::string("\x00\x01", 2) + AddressEntry(5, 4);
  EXPECT_FALSE(ParseAddresses(FrameOf(kTypeAddresses, bad_family), &list, &why));
  std::string many = std::string("\x00\x11", 2);  // 17 > kMaxAddressesPerFrame
  for (int i = 0; i < 17; ++i) many += AddressEntry(4, 4);
  EXPECT_FALSE(ParseAddresses(FrameOf(kTypeAddresses, many), &list, &why));
  EXPECT_STREQ(why, "too many addresses in a list");
}

TEST(FrameTest, OpeningIsAHelloOrOnADialledConnectionAFullFrame) {
  Buffer b;
  AppendHello(7, "x", 1, &b);
  PeerAddress a;
  a.family = 4;
  a.ip[0] = 10;
  a.port = 9;
  AppendAddresses(kTypeFull, 0, &a, 1, &b);
  AppendMessage(SampleMessage("m"), &b);
  Frame frames[3];
  const char* why = nullptr;
  size_t at = 0;
  for (Frame& f : frames) {
    ASSERT_EQ(DecodeFrame(b.data() + at, b.size() - at, MaxFrameLength(10), &f, &why),
              DecodeStatus::kFrame);
    at += f.wire_size;
  }
  Hello h;
  AddressList full;
  for (bool dialled : {false, true}) {
    EXPECT_EQ(ParseOpening(frames[0], dialled, false, &h, &full, &why), Opening::kHello);
    EXPECT_EQ(h.node_id, 7u);
    EXPECT_EQ(ParseOpening(frames[2], dialled, false, &h, &full, &why), Opening::kError);
    EXPECT_STREQ(why, "first frame is not a hello");
  }
  EXPECT_EQ(ParseOpening(frames[1], true, false, &h, &full, &why), Opening::kFull);
  EXPECT_EQ(full.count, 1u);
  // Nobody refuses a connection it accepted itself.
  EXPECT_EQ(ParseOpening(frames[1], false, false, &h, &full, &why), Opening::kError);
}

TEST(FrameTest, RandomGarbageNeverReadsPastTheEnd) {
  // Run under ASan this also proves no out-of-bounds read; here it proves
  // that the decoder always ends in a frame, an error, or a request for more.
  std::mt19937 rng(12345);
  for (int round = 0; round < 2000; ++round) {
    std::string junk(rng() % 200, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    Reader r;
    r.Feed(junk, 150);
    for (const auto& fr : r.frames) {
      Frame f = FrameOf(fr.first, fr.second);
      Hello h;
      Message m;
      AddressList list;
      const char* why = nullptr;
      ParseHello(f, &h, &why);
      ParseMessage(f, &m, &why);
      ParseAddresses(f, &list, &why);
    }
    // Without an error, what is left is at most one unfinished frame.
    if (!r.error) {
      EXPECT_LE(r.in.size(), 150u + 4u);
    }
  }
}

TEST(FrameTest, BigEndianHelpers) {
  uint8_t b[8];
  PutU64(b, 0x0102030405060708ULL);
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(b[7], 8);
  EXPECT_EQ(GetU64(b), 0x0102030405060708ULL);
  PutU32(b, 0xa1b2c3d4u);
  EXPECT_EQ(b[0], 0xa1);
  EXPECT_EQ(GetU32(b), 0xa1b2c3d4u);
}

}  // namespace
}  // namespace floodchat

namespace floodchat {
namespace {

TEST(FrameTest, KeyHelloIsRefusedByAnOpenNodeAndAnErrorInsideASession) {
  Buffer b;
  uint8_t* w = b.Reserve(kFrameHeaderBytes + kMagicBytes + 1);
  PutU32(w, kTypeBytes + kMagicBytes + 1);
  w[kLengthBytes] = kTypeKeyHello;
  memcpy(w + kFrameHeaderBytes, kHelloMagic, kMagicBytes);
  w[kFrameHeaderBytes + kMagicBytes] = kProtocolVersion;
  b.Commit(kFrameHeaderBytes + kMagicBytes + 1);
  Frame f;
  const char* why = nullptr;
  ASSERT_EQ(DecodeFrame(b.data(), b.size(), MaxFrameLength(10), &f, &why), DecodeStatus::kFrame);
  Hello h;
  AddressList full;
  for (bool dialled : {false, true}) {
    EXPECT_EQ(ParseOpening(f, dialled, false, &h, &full, &why), Opening::kKeyed);
    EXPECT_STREQ(why, "the peer uses a network key (-k) and this node has none");
    EXPECT_EQ(ParseOpening(f, dialled, true, &h, &full, &why), Opening::kError);
    EXPECT_STREQ(why, "a key hello inside the session");
  }
}

TEST(FrameTest, WholeFramesReadsOnlyLengthFields) {
  Buffer b;
  AppendHello(1, "a", 0, &b);
  AppendMessage(SampleMessage("x"), &b);
  std::vector<uint8_t> all(b.data(), b.data() + b.size());
  EXPECT_TRUE(WholeFrames(all.data(), all.size()));
  EXPECT_TRUE(WholeFrames(all.data(), 0));
  for (size_t n = 1; n < all.size(); ++n) {
    std::vector<uint8_t> part(all.begin(), all.begin() + static_cast<long>(n));  // exact size for ASan
    Frame f;
    const char* why = nullptr;
    bool whole = DecodeFrame(part.data(), n, SIZE_MAX >> 8, &f, &why) == DecodeStatus::kFrame &&
                 f.wire_size == n;
    EXPECT_EQ(WholeFrames(part.data(), n), whole) << n;
  }
  uint8_t zero[4] = {0, 0, 0, 0};
  EXPECT_FALSE(WholeFrames(zero, 4));
}

}  // namespace
}  // namespace floodchat
