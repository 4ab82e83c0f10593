// The keyed handshake and sealed records, two sessions talking through byte
// buffers: every split of the wire bytes, wrong keys, tampered handshakes,
// modified, cut, replayed and reordered records, record-number exhaustion.
#include "crypto/session.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "wire/frame.h"
#include "crypto/keys.h"

namespace floodchat {
namespace {

using Bytes = std::vector<uint8_t>;

std::vector<NetworkKey> Keys(std::initializer_list<uint8_t> fills) {
  std::vector<NetworkKey> keys;
  for (uint8_t fill : fills) {
    NetworkKey k;
    memset(k.secret, fill, sizeof k.secret);
    DeriveKeyId(k.secret, k.id);
    keys.push_back(k);
  }
  return keys;
}

struct Random {
  uint8_t bytes[kSessionRandomBytes];
  explicit Random(uint32_t seed) {
    std::mt19937 rng(seed);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  }
};

Bytes Take(Buffer* b) {
  Bytes out(b->data(), b->data() + b->size());
  b->Clear();
  return out;
}

void Put(Buffer* b, const Bytes& bytes) { b->Append(bytes.data(), bytes.size()); }

Bytes MessageFrames(int count, size_t text_size, uint8_t seed) {
  Buffer out;
  std::string nick = "n";
  for (int i = 0; i < count; ++i) {
    std::string text(text_size, static_cast<char>('a' + (seed + i) % 26));
    Message m;
    memset(m.id.bytes, i, sizeof m.id.bytes);
    m.hops = 1;
    m.hop_limit = 64;
    m.nick = nick;
    m.text = text;
    AppendMessage(m, &out);
  }
  return Take(&out);
}

constexpr size_t kMaxRecord = MaxRecordLength(MaxFrameLength(65536));

// Runs the handshake between i (initiator) and r (responder) and returns
// what r sent, so that tests can tamper with any part. Each side's first
// record is a small frame, as the node's hello would be.
struct Pair {
  std::vector<NetworkKey> ikeys, rkeys;
  Session i, r;
  Pair(std::vector<NetworkKey> a, std::vector<NetworkKey> b, uint64_t max_records = kMaxRecords)
      : ikeys(std::move(a)), rkeys(std::move(b)), i(&ikeys, true, Random(1).bytes, max_records),
        r(&rkeys, false, Random(2).bytes, max_records) {}

  // Delivers `bytes` to `to` in pieces of `step` bytes; returns the first
  // status other than kOk, or kOk.
  static Session::Status Deliver(Session* to, const Bytes& bytes, size_t step, Buffer* plain,
                                 Buffer* reply) {
    Buffer wire;
    for (size_t at = 0; at < bytes.size(); at += step) {
      wire.Append(bytes.data() + at, std::min(step, bytes.size() - at));
      const char* why = nullptr;
      Session::Status st = to->Receive(&wire, kMaxRecord, plain, reply, &why);
      if (st != Session::Status::kOk) return st;
    }
    EXPECT_TRUE(wire.empty());
    return Session::Status::kOk;
  }
};

TEST(Session, HandshakeAndRecordsAtEverySplit) {
  Bytes hello_frames = MessageFrames(1, 5, 0);
  Bytes data = MessageFrames(30, 700, 1);  // over kRecordPlainMax: two records or more
  for (size_t step : {1u, 2u, 3u, 7u, 64u, 65u, 1000u, 100000u}) {
    Pair p(Keys({1}), Keys({1}));
    Buffer to_r, to_i, plain;
    p.i.Start(&to_r);
    EXPECT_FALSE(p.i.CanSend());
    // The responder answers with its key hello, and may send at once.
    ASSERT_EQ(Pair::Deliver(&p.r, Take(&to_r), step, &plain, &to_i), Session::Status::kOk);
    ASSERT_TRUE(p.r.CanSend());
    EXPECT_FALSE(p.r.Confirmed());
    ASSERT_TRUE(p.r.Seal(hello_frames.data(), hello_frames.size(), &to_i) == Session::SealStatus::kSealed);
    ASSERT_TRUE(p.r.Seal(data.data(), data.size(), &to_i) == Session::SealStatus::kSealed);
    Bytes wire = Take(&to_i);
    ASSERT_EQ(Pair::Deliver(&p.i, wire, step, &plain, &to_r), Session::Status::kOk) << step;
    EXPECT_TRUE(to_r.empty());
    EXPECT_TRUE(p.i.Confirmed());
    EXPECT_TRUE(p.i.CanSend());
    Bytes got = Take(&plain);
    Bytes want = hello_frames;
    want.insert(want.end(), data.begin(), data.end());
    ASSERT_EQ(got, want) << step;
    // No plaintext travels in the clear.
    std::string w(wire.begin(), wire.end());
    EXPECT_EQ(w.find(std::string(700, 'b')), std::string::npos);
    // And the other way.
    ASSERT_TRUE(p.i.Seal(data.data(), data.size(), &to_r) == Session::SealStatus::kSealed);
    ASSERT_EQ(Pair::Deliver(&p.r, Take(&to_r), step, &plain, &to_i), Session::Status::kOk);
    EXPECT_TRUE(p.r.Confirmed());
    EXPECT_EQ(Take(&plain), data);
  }
}

TEST(Session, RecordsHoldWholeFramesUpToTheLimitAndABigFrameAlone) {
  Pair p(Keys({1}), Keys({1}));
  Buffer to_r, to_i, plain;
  p.i.Start(&to_r);
  const char* why;
  ASSERT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kOk);
  Bytes small = MessageFrames(100, 300, 2);  // about 32 KB: at least 2 records
  Bytes big = MessageFrames(1, 40000, 3);   // one frame over the limit
  Bytes key_hello = Take(&to_i);
  ASSERT_TRUE(p.r.Seal(small.data(), small.size(), &to_i) == Session::SealStatus::kSealed);
  ASSERT_TRUE(p.r.Seal(big.data(), big.size(), &to_i) == Session::SealStatus::kSealed);
  Bytes wire = Take(&to_i);
  size_t records = 0, at = 0;
  while (at < wire.size()) {
    uint32_t length = GetU32(wire.data() + at);
    EXPECT_LE(length, big.size() + crypto::kTagBytes);
    if (length - crypto::kTagBytes != big.size()) {
      EXPECT_LE(length, kRecordPlainMax + crypto::kTagBytes);
    }
    at += 4 + length;
    ++records;
  }
  EXPECT_EQ(at, wire.size());
  EXPECT_EQ(records, small.size() / kRecordPlainMax + 1 + 1);
  Put(&to_i, key_hello);
  Put(&to_i, wire);
  ASSERT_EQ(p.i.Receive(&to_i, kMaxRecord, &plain, &to_r, &why), Session::Status::kOk);
  Bytes want = small;
  want.insert(want.end(), big.begin(), big.end());
  EXPECT_EQ(Take(&plain), want);
}

// A connected pair and the responder's records, for tampering tests.
struct Connected {
  Pair p{Keys({7}), Keys({7})};
  Bytes key_hello;  // the responder's, to the initiator
  Bytes records;    // three records from the responder
  size_t first_record_size = 0;
  Connected() {
    Buffer to_r, to_i, plain;
    p.i.Start(&to_r);
    const char* why;
    EXPECT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kOk);
    key_hello = Take(&to_i);
    for (int n = 0; n < 3; ++n) {
      Bytes f = MessageFrames(1, 20, static_cast<uint8_t>(n));
      EXPECT_TRUE(p.r.Seal(f.data(), f.size(), &to_i) == Session::SealStatus::kSealed);
      if (n == 0) first_record_size = to_i.size();
    }
    records = Take(&to_i);
  }
  Session::Status Feed(const Bytes& records_to_give, Bytes* plain_out = nullptr) {
    Buffer wire, plain, reply;
    Put(&wire, key_hello);
    Put(&wire, records_to_give);
    const char* why = nullptr;
    Session::Status st = p.i.Receive(&wire, kMaxRecord, &plain, &reply, &why);
    if (plain_out) *plain_out = Take(&plain);
    return st;
  }
};

TEST(Session, EveryFlippedBitOfARecordIsRejected) {
  Connected base;
  for (size_t bit = 0; bit < base.first_record_size * 8; ++bit) {
    Connected c;
    Bytes bad = c.records;
    bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    Bytes plain;
    Session::Status st = c.Feed(bad, &plain);
    // A flipped length bit makes the record too long (an error at once), or
    // longer (it waits for bytes that never come: the handshake timeout or
    // the next record's failure ends it), or shorter (it fails to open).
    if (bit < 32) {
      EXPECT_TRUE(plain.empty()) << bit;
      if (st == Session::Status::kOk) {
        EXPECT_GT(GetU32(bad.data()), GetU32(c.records.data()));
      }
    } else {
      EXPECT_EQ(st, Session::Status::kAuthFailed) << bit;
      EXPECT_TRUE(plain.empty()) << bit;
    }
  }
}

TEST(Session, ReplayedDroppedReorderedAndCutRecordsFail) {
  Connected c;
  size_t n1 = c.first_record_size;
  Bytes first(c.records.begin(), c.records.begin() + static_cast<long>(n1));
  Bytes rest(c.records.begin() + static_cast<long>(n1), c.records.end());
  uint32_t len2 = GetU32(rest.data());
  Bytes second(rest.begin(), rest.begin() + 4 + len2);
  Bytes third(rest.begin() + 4 + len2, rest.end());

  Bytes plain;
  Bytes replay = first;
  replay.insert(replay.end(), first.begin(), first.end());
  EXPECT_EQ(Connected().Feed(replay, &plain), Session::Status::kAuthFailed);
  EXPECT_EQ(plain.size(), n1 - 4 - crypto::kTagBytes);  // the first opened, the copy did not

  Bytes dropped = first;
  dropped.insert(dropped.end(), third.begin(), third.end());
  EXPECT_EQ(Connected().Feed(dropped), Session::Status::kAuthFailed);

  Bytes swapped = second;
  swapped.insert(swapped.end(), first.begin(), first.end());
  EXPECT_EQ(Connected().Feed(swapped, &plain), Session::Status::kAuthFailed);
  EXPECT_TRUE(plain.empty());

  // A cut record waits for the rest; nothing of it is delivered.
  Bytes cut(first.begin(), first.end() - 1);
  EXPECT_EQ(Connected().Feed(cut, &plain), Session::Status::kOk);
  EXPECT_TRUE(plain.empty());
  // A record cut short and followed by the next record's bytes fails.
  Bytes spliced = cut;
  spliced.insert(spliced.end(), second.begin(), second.end());
  EXPECT_EQ(Connected().Feed(spliced), Session::Status::kAuthFailed);
}

TEST(Session, WrongKeysFailWithinTheFirstExchange) {
  const char* why = nullptr;
  {
    // A key the responder does not have: it refuses the key hello.
    Pair p(Keys({1}), Keys({2}));
    Buffer to_r, to_i, plain;
    p.i.Start(&to_r);
    EXPECT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kAuthFailed);
    EXPECT_TRUE(to_i.empty());  // it learns nothing
    EXPECT_STREQ(why, "authentication failed: the peer uses another network key");
  }
  {
    // A forger who copies a key's identifier but not the key: the first
    // record does not open, on either side.
    std::vector<NetworkKey> forged = Keys({9});
    memcpy(forged[0].id, Keys({1})[0].id, kKeyIdBytes);
    Pair p(forged, Keys({1}));
    Buffer to_r, to_i, plain;
    p.i.Start(&to_r);
    ASSERT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kOk);
    Bytes f = MessageFrames(1, 10, 0);
    ASSERT_TRUE(p.r.Seal(f.data(), f.size(), &to_i) == Session::SealStatus::kSealed);
    EXPECT_EQ(p.i.Receive(&to_i, kMaxRecord, &plain, &to_r, &why), Session::Status::kAuthFailed);
    EXPECT_TRUE(plain.empty());
    EXPECT_FALSE(p.i.CanSend());
  }
  {
    // Rotation: every key is accepted inbound, the first is used outbound.
    Pair p(Keys({2, 1}), Keys({1, 2}));
    Buffer to_r, to_i, plain;
    p.i.Start(&to_r);
    ASSERT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kOk);
    Bytes f = MessageFrames(1, 10, 0);
    ASSERT_TRUE(p.r.Seal(f.data(), f.size(), &to_i) == Session::SealStatus::kSealed);
    EXPECT_EQ(p.i.Receive(&to_i, kMaxRecord, &plain, &to_r, &why), Session::Status::kOk);
    EXPECT_EQ(Take(&plain), f);
  }
}

// A reload (SIGHUP) replaces the keys while sessions live: one mid-way
// through its key exchange finishes with the key its hello named, even if
// the reload dropped it, and the next one uses the new first key.
TEST(Session, KeysReloadedDuringTheExchange) {
  const char* why = nullptr;
  {
    Pair p(Keys({1, 2}), Keys({1, 2}));
    Buffer to_r, to_i, plain;
    p.i.Start(&to_r);  // names key 1
    ASSERT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kOk);
    p.ikeys = Keys({2, 1});  // the initiator's file now starts with key 2
    p.rkeys = Keys({2});     // and the responder no longer has key 1
    Bytes f = MessageFrames(1, 10, 0);
    ASSERT_TRUE(p.r.Seal(f.data(), f.size(), &to_i) == Session::SealStatus::kSealed);
    ASSERT_EQ(p.i.Receive(&to_i, kMaxRecord, &plain, &to_r, &why), Session::Status::kOk) << why;
    EXPECT_EQ(Take(&plain), f);
    ASSERT_TRUE(p.i.Seal(f.data(), f.size(), &to_r) == Session::SealStatus::kSealed);
    ASSERT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kOk);
    EXPECT_EQ(Take(&plain), f);
    // A new session after the reload names key 2, which the responder has.
    Session i2(&p.ikeys, true, Random(3).bytes), r2(&p.rkeys, false, Random(4).bytes);
    Buffer a, b;
    i2.Start(&a);
    EXPECT_EQ(r2.Receive(&a, kMaxRecord, &plain, &b, &why), Session::Status::kOk);
  }
  {
    Pair p(Keys({1}), Keys({1}));
    Buffer to_r, to_i, plain;
    p.i.Start(&to_r);
    ASSERT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kOk);
    p.ikeys = Keys({2});  // key 1 removed before the answer arrived
    Bytes f = MessageFrames(1, 10, 0);
    ASSERT_TRUE(p.r.Seal(f.data(), f.size(), &to_i) == Session::SealStatus::kSealed);
    ASSERT_EQ(p.i.Receive(&to_i, kMaxRecord, &plain, &to_r, &why), Session::Status::kOk) << why;
    EXPECT_EQ(Take(&plain), f);
  }
}

TEST(Session, AnyTamperedHandshakeByteStopsTheSession) {
  // Flip each byte of each key hello in turn: the handshake must not end with
  // both sides confirmed, and nothing may be delivered.
  for (int side = 0; side < 2; ++side) {
    size_t size = kFrameHeaderBytes + kKeyHelloBytes;
    for (size_t at = 0; at < size; ++at) {
      Pair p(Keys({5}), Keys({5}));
      Buffer to_r, to_i, plain;
      const char* why = nullptr;
      p.i.Start(&to_r);
      if (side == 0) to_r.data()[at] ^= 0x20;
      Session::Status st = p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why);
      if (st != Session::Status::kOk || to_i.empty()) continue;  // refused: done
      if (side == 1) to_i.data()[at] ^= 0x20;
      Bytes f = MessageFrames(1, 10, 0);
      ASSERT_TRUE(p.r.Seal(f.data(), f.size(), &to_i) == Session::SealStatus::kSealed);
      st = p.i.Receive(&to_i, kMaxRecord, &plain, &to_r, &why);
      EXPECT_NE(st, Session::Status::kOk) << "side " << side << " byte " << at;
      EXPECT_TRUE(plain.empty());
      EXPECT_FALSE(p.i.CanSend());
    }
  }
}

TEST(Session, SmallOrderPublicKeysAreRefused) {
  Pair p(Keys({3}), Keys({3}));
  Buffer to_r, to_i, plain;
  p.i.Start(&to_r);
  // Replace the initiator's public key with 0 (a point of small order).
  memset(to_r.data() + kFrameHeaderBytes + kMagicBytes + 1 + kKeyIdBytes, 0, kEphemeralBytes);
  const char* why;
  EXPECT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kAuthFailed);
  EXPECT_FALSE(p.r.CanSend());
}

TEST(Session, PlainPeersAndFullNodesAreReported) {
  std::vector<NetworkKey> keys = Keys({1});
  Buffer hello;
  AppendHello(42, "open", 0, &hello);
  for (bool initiator : {true, false}) {
    Session s(&keys, initiator, Random(3).bytes);
    Buffer wire, plain, out;
    wire.Append(hello.data(), hello.size());
    const char* why;
    EXPECT_EQ(s.Receive(&wire, kMaxRecord, &plain, &out, &why), Session::Status::kPlainPeer);
    EXPECT_EQ(wire.size(), hello.size());  // left for the node
  }
  Buffer full;
  AppendAddresses(kTypeFull, 0, nullptr, 0, &full);
  Session i(&keys, true, Random(3).bytes), r(&keys, false, Random(4).bytes);
  Buffer wire, plain, out;
  const char* why;
  wire.Append(full.data(), full.size());
  // A plain full frame comes from a node without a key (a keyed node refuses
  // inside the session): refused like a plain hello.
  EXPECT_EQ(i.Receive(&wire, kMaxRecord, &plain, &out, &why), Session::Status::kPlainPeer);
  EXPECT_EQ(r.Receive(&wire, kMaxRecord, &plain, &out, &why), Session::Status::kPlainPeer);
}

TEST(Session, GarbageAndOversizedInputAreErrors) {
  std::vector<NetworkKey> keys = Keys({1});
  const char* why;
  {
    Session r(&keys, false, Random(5).bytes);
    Buffer wire, plain, out;
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
    wire.Append(huge, sizeof huge);
    EXPECT_EQ(r.Receive(&wire, kMaxRecord, &plain, &out, &why), Session::Status::kError);
  }
  {
    // After the handshake: a record length over the bound fails as soon as
    // its 4 bytes are there, and an empty one too.
    for (uint32_t length : {static_cast<uint32_t>(kMaxRecord + 1), 0u, 16u}) {
      Connected c;
      Bytes bad(4);
      PutU32(bad.data(), length);
      EXPECT_EQ(c.Feed(bad), Session::Status::kError) << length;
    }
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    Session r(&keys, rng() % 2 == 0, Random(round).bytes);
    Buffer wire, plain, out;
    Bytes junk(rng() % 200);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    wire.Append(junk.data(), junk.size());
    r.Receive(&wire, kMaxRecord, &plain, &out, &why);
    EXPECT_TRUE(plain.empty());
    EXPECT_FALSE(r.Confirmed());
  }
}

TEST(Session, RecordNumbersRunOutAndTheSessionStops) {
  Pair p(Keys({1}), Keys({1}), 2);
  Buffer to_r, to_i, plain;
  const char* why;
  p.i.Start(&to_r);
  ASSERT_EQ(p.r.Receive(&to_r, kMaxRecord, &plain, &to_i, &why), Session::Status::kOk);
  Bytes f = MessageFrames(1, 10, 0);
  EXPECT_TRUE(p.r.Seal(f.data(), f.size(), &to_i) == Session::SealStatus::kSealed);
  EXPECT_TRUE(p.r.Seal(f.data(), f.size(), &to_i) == Session::SealStatus::kSealed);
  Buffer spare;
  EXPECT_EQ(p.r.Seal(f.data(), f.size(), &spare), Session::SealStatus::kUsedUp);
  EXPECT_EQ(p.i.Receive(&to_i, kMaxRecord, &plain, &to_r, &why), Session::Status::kOk);
  // A third record (numbered as the sender would) is refused by the receiver.
  Pair q(Keys({1}), Keys({1}), 3);
  Buffer a, b, c;
  q.i.Start(&a);
  ASSERT_EQ(q.r.Receive(&a, kMaxRecord, &c, &b, &why), Session::Status::kOk);
  for (int n = 0; n < 3; ++n) ASSERT_TRUE(q.r.Seal(f.data(), f.size(), &b) == Session::SealStatus::kSealed);
  Session limited(&q.ikeys, true, Random(1).bytes, 2);
  Buffer start;
  limited.Start(&start);
  EXPECT_EQ(limited.Receive(&b, kMaxRecord, &c, &a, &why), Session::Status::kError);
  EXPECT_STREQ(why, "the session's record numbers are used up");
  EXPECT_EQ(c.size(), 2 * f.size());
}

TEST(Keys, KeyFileParsing) {
  std::vector<NetworkKey> keys;
  size_t line;
  std::string why;
  std::string k1(64, 'a'), k2 = "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
  ASSERT_TRUE(ParseKeyFile("# network keys\n\n  " + k1 + "  # new\n\t" + k2 + "\r\n", &keys, &line,
                           &why));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].secret[0], 0xaa);
  EXPECT_EQ(keys[1].secret[5], 0x55);
  EXPECT_EQ(keys[1].secret[10], 0xaa);
  EXPECT_NE(memcmp(keys[0].id, keys[1].id, kKeyIdBytes), 0);
  EXPECT_EQ(KeyFileLine(keys[0].secret), k1 + "\n");
  EXPECT_FALSE(ParseKeyFile("# nothing\n\n", &keys, &line, &why));
  EXPECT_EQ(line, 0u);
  EXPECT_FALSE(ParseKeyFile(k1 + "\n" + k1.substr(1) + "\n", &keys, &line, &why));
  EXPECT_EQ(line, 2u);
  EXPECT_TRUE(keys.empty());
  EXPECT_FALSE(ParseKeyFile(k1 + "0\n", &keys, &line, &why));
  EXPECT_FALSE(ParseKeyFile(std::string(63, 'a') + "g\n", &keys, &line, &why));
  EXPECT_FALSE(ParseKeyFile(k1 + " x\n", &keys, &line, &why));
  EXPECT_EQ(line, 1u);
}

}  // namespace
}  // namespace floodchat

namespace floodchat {
namespace {

TEST(Session, SealTakesWholeFramesOnlyAndReadsNoFurther) {
  std::vector<NetworkKey> keys = Keys({1});
  uint8_t k1[crypto::kChaChaKeyBytes], k2[crypto::kChaChaKeyBytes];
  memset(k1, 1, sizeof k1);
  memset(k2, 2, sizeof k2);
  auto s = Session::Established(&keys, true, k1, k2);
  Bytes f = MessageFrames(2, 10, 0);
  Buffer out;
  // A whole frame and then 2 bytes of a length field: the 2-byte tail that
  // an ASan harness once caught being read as 4. Vectors sized exactly, so
  // that ASan would see a read past the end.
  Bytes tail(f.begin(), f.begin() + static_cast<long>(f.size() / 2 + 2));
  EXPECT_EQ(s->Seal(tail.data(), tail.size(), &out), Session::SealStatus::kNotWholeFrames);
  Bytes two(f.begin(), f.begin() + 2);
  EXPECT_EQ(s->Seal(two.data(), two.size(), &out), Session::SealStatus::kNotWholeFrames);
  Bytes cut(f.begin(), f.end() - 1);  // the second frame's last byte missing
  EXPECT_EQ(s->Seal(cut.data(), cut.size(), &out), Session::SealStatus::kNotWholeFrames);
  Bytes empty_frame = {0, 0, 0, 0};
  EXPECT_EQ(s->Seal(empty_frame.data(), empty_frame.size(), &out),
            Session::SealStatus::kNotWholeFrames);
  EXPECT_TRUE(out.empty());  // nothing sealed, no record number spent
  EXPECT_EQ(s->Seal(f.data(), f.size(), &out), Session::SealStatus::kSealed);
  auto r = Session::Established(&keys, false, k2, k1);
  Buffer plain, reply;
  const char* why = nullptr;
  EXPECT_EQ(r->Receive(&out, kMaxRecord, &plain, &reply, &why), Session::Status::kOk);
  EXPECT_EQ(Take(&plain), f);
}

TEST(Session, ARecordMustEndOnAFrame) {
  // A peer that splits a frame across two records (sealed here by hand, as
  // the node never does) is refused at the first of them.
  std::vector<NetworkKey> keys = Keys({1});
  uint8_t k[crypto::kChaChaKeyBytes];
  memset(k, 3, sizeof k);
  uint8_t other[crypto::kChaChaKeyBytes] = {};
  auto r = Session::Established(&keys, false, other, k);
  Bytes f = MessageFrames(1, 20, 0);
  size_t half = f.size() / 2;
  Buffer wire;
  uint8_t nonce[crypto::kChaChaNonceBytes] = {};  // record 0: four zero bytes, then 0 little-endian
  uint8_t* w = wire.Reserve(kLengthBytes + half + crypto::kTagBytes);
  PutU32(w, static_cast<uint32_t>(half + crypto::kTagBytes));
  ASSERT_TRUE(crypto::AeadSeal(k, nonce, sizeof nonce, w, kLengthBytes, f.data(), half,
                               w + kLengthBytes));
  wire.Commit(kLengthBytes + half + crypto::kTagBytes);
  Buffer plain, reply;
  const char* why = nullptr;
  EXPECT_EQ(r->Receive(&wire, kMaxRecord, &plain, &reply, &why), Session::Status::kError);
  EXPECT_STREQ(why, "a record that does not end on a frame");
  EXPECT_TRUE(plain.empty());
}

}  // namespace
}  // namespace floodchat
