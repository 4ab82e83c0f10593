// Anti-entropy frames (wire/summary.h) as byte strings: golden bytes, every
// split of a stream, truncation, oversize and garbage; and the repair policy
// (broadcast/repair.h) through the fake connections: what it sends for a
// given pair of summaries, and how it paces.
#include "wire/summary.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "base/rng.h"
#include "broadcast/flood.h"
#include "broadcast/history.h"
#include "broadcast/repair.h"
#include "fake_links.h"

namespace floodchat {
namespace {

using floodchat_test::FakeLinks;
using floodchat_test::FrameOf;
using floodchat_test::MessageFrame;
using floodchat_test::SentFrame;

// A frame of `type` around `payload`, kept alive for the test's duration.
Frame Wrap(uint8_t type, const std::string& payload) {
  static std::deque<std::string> kept;
  std::string w(kFrameHeaderBytes, '\0');
  PutU32(reinterpret_cast<uint8_t*>(&w[0]), static_cast<uint32_t>(payload.size() + 1));
  w[kLengthBytes] = static_cast<char>(type);
  kept.push_back(w + payload);
  return FrameOf(kept.back());
}

std::string Bytes(const Buffer& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

OriginRecord Rec(uint64_t node, uint64_t floor, uint64_t top, std::vector<Gap> gaps = {}) {
  OriginRecord r;
  r.node_id = node;
  r.floor = floor;
  r.top = top;
  r.gap_count = static_cast<uint8_t>(gaps.size());
  for (size_t i = 0; i < gaps.size(); ++i) r.gaps[i] = gaps[i];
  return r;
}

TEST(SummaryTest, GoldenBytesAndRoundTrip) {
  Buffer b;
  AppendSummary(kSummaryAsk, 0x0102030405060708ULL, {Rec(9, 3, 7, {{4, 6}})}, &b);
  // Length 53: the type, 11 fixed bytes, a record of 25 and one gap of 16.
  std::string want = std::string("\x00\x00\x00", 3) + char(1 + 11 + 25 + 16) + "\x09";
  want += std::string("\x03", 1);  // ask | last
  want += std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  want += std::string("\x00\x01", 2);
  want += std::string("\x00\x00\x00\x00\x00\x00\x00\x09", 8);
  want += std::string("\x00\x00\x00\x00\x00\x00\x00\x03", 8);
  want += std::string("\x00\x00\x00\x00\x00\x00\x00\x07", 8);
  want += std::string("\x01", 1);
  want += std::string("\x00\x00\x00\x00\x00\x00\x00\x04", 8);
  want += std::string("\x00\x00\x00\x00\x00\x00\x00\x06", 8);
  EXPECT_EQ(Bytes(b), want);
  SummaryFrame s;
  const char* why = nullptr;
  ASSERT_TRUE(ParseSummary(FrameOf(Bytes(b)), &s, &why)) << why;
  EXPECT_EQ(s.flags, kSummaryAsk | kSummaryLast);
  EXPECT_EQ(s.since_ms, 0x0102030405060708ULL);
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0].node_id, 9u);
  EXPECT_EQ(s.records[0].gaps[0].end, 6u);
  Buffer d;
  AppendDigest({3, 1, 0xabcdefULL}, &d);
  EXPECT_EQ(Bytes(d), std::string("\x00\x00\x00\x11\x08\x00\x00\x00\x03\x00\x00\x00\x01"
                                  "\x00\x00\x00\x00\x00\xab\xcd\xef", 21));
  Digest got;
  ASSERT_TRUE(ParseDigest(FrameOf(Bytes(d)), &got, &why));
  EXPECT_EQ(got.origins, 3u);
  EXPECT_EQ(got.gaps, 1u);
  EXPECT_EQ(got.hash, 0xabcdefULL);
}

TEST(SummaryTest, ALargeSummaryIsSplitIntoBoundedFramesThatSplitAnywhereDecode) {
  std::vector<OriginRecord> records;
  Rng rng(3);
  for (uint64_t i = 0; i < 600; ++i) {
    uint64_t floor = rng.Next();
    uint8_t gaps = static_cast<uint8_t>(i % (kMaxGapsPerRecord + 1));
    std::vector<Gap> g;
    for (uint64_t k = 0; k < gaps; ++k) g.push_back({floor + 10 * k + 1, floor + 10 * k + 5});
    records.push_back(Rec(i, floor, floor + 10 * gaps + 3, g));
  }
  Buffer b;
  AppendSummary(0, 42, records, &b);
  std::string wire = Bytes(b);
  // Whole frames, each within the limit, the last one marked.
  std::vector<OriginRecord> back;
  size_t frames = 0, at = 0;
  while (at < wire.size()) {
    Frame f;
    const char* why = nullptr;
    ASSERT_EQ(DecodeFrame(reinterpret_cast<const uint8_t*>(wire.data()) + at, wire.size() - at,
                          MaxFrameLength(1), &f, &why),
              DecodeStatus::kFrame);
    EXPECT_LE(f.payload_size, kMaxSummaryPayload);
    SummaryFrame s;
    ASSERT_TRUE(ParseSummary(f, &s, &why)) << why;
    at += f.wire_size;
    ++frames;
    EXPECT_EQ((s.flags & kSummaryLast) != 0, at == wire.size());
    EXPECT_EQ(s.since_ms, 42u);
    back.insert(back.end(), s.records.begin(), s.records.end());
  }
  EXPECT_GT(frames, 10u);
  ASSERT_EQ(back.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(back[i].node_id, records[i].node_id);
    EXPECT_EQ(back[i].gap_count, records[i].gap_count);
  }
  // The stream cut at every byte: nothing decodes until its frame is whole.
  std::string first = wire.substr(0, kLengthBytes + GetU32(reinterpret_cast<const uint8_t*>(wire.data())));
  for (size_t cut = 0; cut < first.size(); ++cut) {
    Frame f;
    const char* why = nullptr;
    EXPECT_EQ(DecodeFrame(reinterpret_cast<const uint8_t*>(first.data()), cut, MaxFrameLength(1), &f, &why),
              DecodeStatus::kNeedMore)
        << cut;
  }
  // No records at all is still one (last) frame.
  Buffer empty;
  AppendSummary(kSummaryAsk, 1, {}, &empty);
  SummaryFrame s;
  const char* why = nullptr;
  ASSERT_TRUE(ParseSummary(FrameOf(Bytes(empty)), &s, &why));
  EXPECT_EQ(s.flags, kSummaryAsk | kSummaryLast);
  EXPECT_TRUE(s.records.empty());
}

TEST(SummaryTest, TruncatedOversizedAndInconsistentSummariesAreRejected) {
  Buffer b;
  AppendSummary(0, 1, {Rec(1, 10, 20, {{11, 12}, {14, 20}}), Rec(2, 5, 5)}, &b);
  std::string wire = Bytes(b);
  std::string payload = wire.substr(kFrameHeaderBytes);
  SummaryFrame s;
  const char* why = nullptr;
  ASSERT_TRUE(ParseSummary(Wrap(kTypeSummary, payload), &s, &why)) << why;
  for (size_t n = 0; n < payload.size(); ++n) {
    why = nullptr;
    EXPECT_FALSE(ParseSummary(Wrap(kTypeSummary, payload.substr(0, n)), &s, &why)) << n;
    EXPECT_NE(why, nullptr);
  }
  EXPECT_FALSE(ParseSummary(Wrap(kTypeSummary, payload + "x"), &s, &why));
  EXPECT_STREQ(why, "bytes after the last summary record");
  EXPECT_FALSE(ParseSummary(Wrap(kTypeSummary, std::string(kMaxSummaryPayload + 1, '\0')), &s, &why));
  EXPECT_STREQ(why, "summary longer than its limit");
  auto one = [&](const OriginRecord& r) {
    Buffer x;
    AppendSummary(0, 1, {r}, &x);
    return Wrap(kTypeSummary, Bytes(x).substr(kFrameHeaderBytes));
  };
  EXPECT_FALSE(ParseSummary(one(Rec(1, 20, 10)), &s, &why));  // top before floor
  EXPECT_FALSE(ParseSummary(one(Rec(1, 10, 20, {{9, 12}})), &s, &why));   // before floor
  EXPECT_FALSE(ParseSummary(one(Rec(1, 10, 20, {{12, 21}})), &s, &why));  // past top
  EXPECT_FALSE(ParseSummary(one(Rec(1, 10, 20, {{12, 12}})), &s, &why));  // empty
  EXPECT_FALSE(ParseSummary(one(Rec(1, 10, 20, {{14, 16}, {12, 13}})), &s, &why));  // order
  EXPECT_FALSE(ParseSummary(one(Rec(1, 10, 20, {{12, 14}, {14, 16}})), &s, &why));  // adjacent
  EXPECT_TRUE(ParseSummary(one(Rec(1, UINT64_MAX - 1, 3, {{UINT64_MAX, 1}})), &s, &why)) << why;
  // What the fuzzer found: a gap half the counter space away, which modular
  // comparisons could not place. Records span at most 2^32 counters.
  EXPECT_FALSE(ParseSummary(
      one(Rec(7, 0, 167772180, {{11, 13}, {(uint64_t{1} << 63) + 7, 18086456103519912980ull}})),
      &s, &why));
  EXPECT_FALSE(ParseSummary(one(Rec(1, 0, (uint64_t{1} << 32) + 1)), &s, &why));
  EXPECT_TRUE(ParseSummary(one(Rec(1, 5, 5 + (uint64_t{1} << 32))), &s, &why)) << why;
  std::string bad_gaps = payload;
  bad_gaps[kSummaryFixedBytes + 24] = static_cast<char>(kMaxGapsPerRecord + 1);
  EXPECT_FALSE(ParseSummary(Wrap(kTypeSummary, bad_gaps), &s, &why));
  Digest d;
  EXPECT_FALSE(ParseDigest(Wrap(kTypeDigest, std::string(15, '\0')), &d, &why));
  EXPECT_FALSE(ParseDigest(Wrap(kTypeDigest, std::string(17, '\0')), &d, &why));
  // Garbage never crashes and is either a summary or an error with a reason.
  Rng rng(11);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng.Below(200), '\0');
    for (char& c : junk) c = static_cast<char>(rng.Next());
    why = nullptr;
    if (!ParseSummary(Wrap(kTypeSummary, junk), &s, &why)) {
      EXPECT_NE(why, nullptr);
    }
  }
}

// A repair frame is a whole message or presence frame inside another:
// golden bytes, a stream of them split at every byte, every truncation,
// other frames inside, and garbage.
TEST(SummaryTest, RepairFramesHoldExactlyOneMessageFrame) {
  std::string message = MessageFrame(0x77, 5, "bob", "hi");
  Buffer b;
  AppendRepair(reinterpret_cast<const uint8_t*>(message.data()), message.size(), &b);
  std::string wire = Bytes(b);
  std::string head("\0\0\0\0\x0c", 5);
  PutU32(reinterpret_cast<uint8_t*>(&head[0]), static_cast<uint32_t>(1 + message.size()));
  EXPECT_EQ(wire, head + message);
  Frame f, inner;
  const char* why = nullptr;
  ASSERT_TRUE(ParseRepair(FrameOf(wire), &inner, &why)) << why;
  EXPECT_EQ(inner.type, kTypeMessage);
  EXPECT_EQ(inner.wire_size, message.size());
  EXPECT_EQ(inner.payload, FrameOf(wire).payload + kFrameHeaderBytes);
  Message m;
  ASSERT_TRUE(ParseMessage(inner, &m, &why)) << why;
  EXPECT_EQ(m.text, "hi");
  // Three in a stream, split at every byte: each decodes, whole.
  std::string stream = wire + wire + wire;
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    std::string buffer = stream.substr(0, cut);
    size_t got = 0, at = 0;
    auto drain = [&] {
      for (;;) {
        Frame g, h;
        DecodeStatus st = DecodeFrame(reinterpret_cast<const uint8_t*>(buffer.data()) + at,
                                      buffer.size() - at, MaxFrameLength(10), &g, &why);
        if (st != DecodeStatus::kFrame) {
          ASSERT_EQ(st, DecodeStatus::kNeedMore);
          return;
        }
        ASSERT_TRUE(ParseRepair(g, &h, &why)) << why;
        ++got;
        at += g.wire_size;
      }
    };
    drain();
    buffer += stream.substr(cut);
    drain();
    EXPECT_EQ(got, 3u) << cut;
    EXPECT_EQ(at, stream.size());
  }
  // Truncated inside, or bytes after the frame inside.
  std::string payload = wire.substr(kFrameHeaderBytes);
  for (size_t n = 0; n < payload.size(); ++n) {
    why = nullptr;
    EXPECT_FALSE(ParseRepair(Wrap(kTypeRepair, payload.substr(0, n)), &inner, &why)) << n;
    EXPECT_NE(why, nullptr);
  }
  EXPECT_FALSE(ParseRepair(Wrap(kTypeRepair, payload + "x"), &inner, &why));
  EXPECT_STREQ(why, "repair frame that does not hold exactly one frame");
  // Only messages and presence events are repaired.
  Buffer digest;
  AppendDigest(Digest{}, &digest);
  EXPECT_FALSE(ParseRepair(Wrap(kTypeRepair, Bytes(digest)), &inner, &why));
  EXPECT_STREQ(why, "repair frame around a frame that is not a message");
  Buffer twice;
  AppendRepair(b.data(), b.size(), &twice);
  EXPECT_FALSE(ParseRepair(FrameOf(Bytes(twice)), &inner, &why));
  std::string presence = message;
  presence[kLengthBytes] = static_cast<char>(kTypePresence);
  EXPECT_TRUE(ParseRepair(Wrap(kTypeRepair, presence), &inner, &why)) << why;
  // A zero length inside is an error, not a loop.
  EXPECT_FALSE(ParseRepair(Wrap(kTypeRepair, std::string(5, '\0')), &inner, &why));
  Rng rng(12);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng.Below(80), '\0');
    for (char& c : junk) c = static_cast<char>(rng.Next());
    if (junk.size() >= 5 && i % 2 == 0) {
      PutU32(reinterpret_cast<uint8_t*>(&junk[0]), static_cast<uint32_t>(junk.size() - 4));
      junk[kLengthBytes] = static_cast<char>(kTypeMessage);
    }
    why = nullptr;
    if (ParseRepair(Wrap(kTypeRepair, junk), &inner, &why)) {
      EXPECT_EQ(inner.wire_size, junk.size());
    } else {
      EXPECT_NE(why, nullptr);
    }
  }
}

// History and history end frames: exactly a two-byte count.
TEST(SummaryTest, HistoryFramesAreATwoByteCount) {
  Buffer b;
  AppendCount(kTypeHistory, 513, &b);
  EXPECT_EQ(Bytes(b), std::string("\0\0\0\x03\x0a\x02\x01", 7));
  uint16_t count = 0;
  const char* why = nullptr;
  ASSERT_TRUE(ParseCount(FrameOf(Bytes(b)), &count, &why));
  EXPECT_EQ(count, 513);
  for (size_t n : {0, 1, 3, 100}) {
    why = nullptr;
    EXPECT_FALSE(ParseCount(Wrap(kTypeHistoryEnd, std::string(n, '\1')), &count, &why)) << n;
    EXPECT_STREQ(why, "history frame of the wrong length");
  }
}

TEST(SummaryTest, RecordLacksWhatIsAtOrPastTopAndInItsGaps) {
  OriginRecord r = Rec(1, 10, 20, {{12, 14}});
  EXPECT_FALSE(RecordLacks(r, 9));
  EXPECT_FALSE(RecordLacks(r, 11));
  EXPECT_TRUE(RecordLacks(r, 12));
  EXPECT_TRUE(RecordLacks(r, 13));
  EXPECT_FALSE(RecordLacks(r, 14));
  EXPECT_TRUE(RecordLacks(r, 20));
  EXPECT_TRUE(RecordLacks(r, 1000));
}

// The repair policy between a flood node (its origins and store) and a peer
// played by hand.
class RepairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FloodConfig c;
    c.node_id = 0xa;
    c.counter_start = 100;
    c.seen = 1024;
    c.store_bytes = 1 << 20;
    ASSERT_TRUE(flood_.Init(c));
    flood_.SetWallOffset(1000000);  // wall = now + 1,000,000
    repair_.SetSince(1000000);
  }
  void Offer(PeerId from, std::string frame) {
    Message m;
    const char* why = nullptr;
    ASSERT_TRUE(ParseMessage(FrameOf(frame), &m, &why)) << why;
    flood_.OnMessage(from, m, reinterpret_cast<uint8_t*>(&frame[0]), frame.size(), 1);
  }
  // The peer's summary, as it would send it.
  void Summary(PeerId from, uint8_t flags, uint64_t since, std::vector<OriginRecord> records) {
    Buffer b;
    AppendSummary(flags, since, records, &b);
    std::string wire = Bytes(b);
    size_t at = 0;
    while (at < wire.size()) {
      Frame f;
      const char* why = nullptr;
      ASSERT_EQ(DecodeFrame(reinterpret_cast<const uint8_t*>(wire.data()) + at, wire.size() - at,
                            MaxFrameLength(65536), &f, &why),
                DecodeStatus::kFrame);
      ASSERT_TRUE(repair_.OnSummary(from, f, 5, &why)) << why;
      at += f.wire_size;
    }
  }
  // Texts of the messages sent to `peer`, live (message frames) or from the
  // store (repair frames around them), in the order sent.
  std::vector<std::string> TextsTo(PeerId peer) {
    std::vector<std::string> out;
    for (const SentFrame& s : links_.sent) {
      if (s.to != peer) continue;
      Frame f = FrameOf(s.bytes), inner;
      const char* why = nullptr;
      if (s.type == kTypeRepair) {
        EXPECT_TRUE(ParseRepair(f, &inner, &why)) << why;
        f = inner;
      }
      Message m;
      if (ParseMessage(f, &m, &why)) out.emplace_back(m.text);
    }
    return out;
  }

  FakeLinks links_;
  std::vector<std::string> said_;
  Log log_{2};
  Flood flood_{&links_, &links_, &log_};
  Repair repair_{RepairConfig(), &links_, &flood_, &log_};
};

TEST_F(RepairTest, ANewPeerIsSentOurSummaryAndWhatItsSummarySaysItLacks) {
  // This node has 0x77's counters 1..5 and 0x88's 1..2.
  for (uint64_t c = 1; c <= 5; ++c) Offer(1, MessageFrame(0x77, c, "x", "x" + std::to_string(c)));
  for (uint64_t c = 1; c <= 2; ++c) Offer(1, MessageFrame(0x88, c, "y", "y" + std::to_string(c)));
  flood_.OnPeerUp(2, 3);
  repair_.OnPeerUp(2, 3);
  ASSERT_EQ(links_.SentTo(2, kTypeSummary).size(), 1u);
  SummaryFrame ours;
  const char* why = nullptr;
  ASSERT_TRUE(ParseSummary(FrameOf(links_.SentTo(2, kTypeSummary)[0]), &ours, &why));
  EXPECT_EQ(ours.flags, kSummaryAsk | kSummaryLast);
  EXPECT_EQ(ours.records.size(), 2u);
  // The peer has 0x77 up to 2 and lacks 4; of 0x88 it knows nothing, but
  // joined after this node's messages were sent: none of those.
  Summary(2, kSummaryAsk, 1000000 + 10, {Rec(0x77, 1, 6, {{4, 5}}), Rec(0x77 + 1000, 0, 0)});
  repair_.Tick(6);
  EXPECT_EQ(TextsTo(2), (std::vector<std::string>{"x4"}));
  // It asked: our summary went back, without asking again.
  ASSERT_EQ(links_.SentTo(2, kTypeSummary).size(), 2u);
  ASSERT_TRUE(ParseSummary(FrameOf(links_.SentTo(2, kTypeSummary)[1]), &ours, &why));
  EXPECT_EQ(ours.flags, kSummaryLast);
  EXPECT_EQ(repair_.counters().repairs_sent, 1u);
}

TEST_F(RepairTest, AnOriginThePeerNeverHeardIsSentOnlyFromTheTimeItJoined) {
  for (uint64_t c = 1; c <= 4; ++c) {
    std::string f = MessageFrame(0x99, c, "z", "z" + std::to_string(c));
    PutU64(reinterpret_cast<uint8_t*>(&f[kFrameHeaderBytes + kSentOffset]), 1000 * c);
    Offer(1, f);
  }
  flood_.OnPeerUp(2, 3);
  repair_.OnPeerUp(2, 3);
  links_.sent.clear();
  Summary(2, 0, 2500, {});  // joined at 2,500: z3 and z4 are its to have
  repair_.Tick(6);
  EXPECT_EQ(TextsTo(2), (std::vector<std::string>{"z3", "z4"}));
  EXPECT_TRUE(links_.SentTo(2, kTypeSummary).empty());  // it did not ask
}

// What was kept after the peer came up went to it live: a summary that
// arrives late (it was written before those messages reached the peer) does
// not make them owed, so nothing is sent twice.
TEST_F(RepairTest, WhatWentToThePeerLiveIsNeverOwed) {
  Offer(1, MessageFrame(0x77, 1, "x", "old"));
  flood_.OnPeerUp(2, 3);
  repair_.OnPeerUp(2, 3);
  Offer(1, MessageFrame(0x77, 2, "x", "live"));  // forwarded to 2 as it arrived
  ASSERT_EQ(TextsTo(2), (std::vector<std::string>{"live"}));
  Summary(2, 0, 0, {Rec(0x77, 0, 0)});  // the peer had none of them when it wrote this
  repair_.Tick(6);
  EXPECT_EQ(TextsTo(2), (std::vector<std::string>{"live", "old"}));
  EXPECT_EQ(repair_.counters().repairs_sent, 1u);
}

// Lines typed while no peer was up go to the first peer live, as the
// broadcast policy flushes them: its summary, written before they arrived,
// does not make them owed (seen once in CI: a keyed chain's first line was
// resent by repair and counted as a duplicate).
TEST_F(RepairTest, WhatWaitedForTheFirstPeerIsNotOwedToIt) {
  flood_.Originate("me", "typed alone", 1);
  flood_.Originate("me", "and again", 2);
  uint64_t horizon = flood_.PendingSince();
  EXPECT_EQ(horizon, flood_.store().next_seq() - 2);
  flood_.OnPeerUp(2, 3);
  repair_.OnPeerUp(2, 3, horizon);
  EXPECT_EQ(TextsTo(2), (std::vector<std::string>{"typed alone", "and again"}));
  EXPECT_EQ(flood_.PendingSince(), flood_.store().next_seq());  // none waits now
  Summary(2, 0, 0, {Rec(0xa, 0, 0)});  // written before they reached it
  repair_.Tick(6);
  EXPECT_EQ(TextsTo(2).size(), 2u);
  EXPECT_EQ(repair_.counters().repairs_sent, 0u);
}

// A gap that no peer fills is given up after three intervals unchanged with
// summaries received meanwhile, said once and counted; a copy that comes
// after is dropped.
TEST_F(RepairTest, AGapNoPeerFillsIsGivenUpSaidAndCounted) {
  log_.CaptureInto(&said_);
  Offer(1, MessageFrame(0x77, 1, "bob", "one"));
  Offer(1, MessageFrame(0x77, 3, "bob", "three"));  // 2 is a gap
  flood_.OnPeerUp(2, 0);
  repair_.OnPeerUp(2, 0);
  repair_.Tick(1);
  for (uint64_t t = 10001; t <= 50001; t += 10000) repair_.Tick(t);
  EXPECT_EQ(repair_.Unrecovered(), 0u);  // no summary came: peers may not have compared yet
  Summary(2, 0, 0, {Rec(0x77, 1, 1)});
  repair_.Tick(60001);
  EXPECT_EQ(repair_.Unrecovered(), 1u);
  ASSERT_FALSE(said_.empty());
  EXPECT_EQ(said_.back(), "1 message from bob could not be recovered (no peer holds them)");
  size_t delivered = links_.delivered.size();
  Offer(1, MessageFrame(0x77, 2, "bob", "two, late"));
  EXPECT_EQ(links_.delivered.size(), delivered);  // settled: a copy
  repair_.Tick(70001);
  EXPECT_EQ(repair_.Unrecovered(), 1u);
}

// A gap that keeps shrinking (repair under way) is not given up.
TEST_F(RepairTest, AGapThatMovesIsNotGivenUp) {
  Offer(1, MessageFrame(0x77, 1, "bob", "one"));
  Offer(1, MessageFrame(0x77, 9, "bob", "nine"));  // 2..8 missing
  flood_.OnPeerUp(2, 0);
  repair_.OnPeerUp(2, 0);
  repair_.Tick(1);
  for (uint64_t c = 2; c <= 8; ++c) {
    Summary(2, 0, 0, {Rec(0x77, 1, 1)});
    Offer(2, MessageFrame(0x77, c, "bob", "late"));
    repair_.Tick(1 + 10000 * c);
  }
  EXPECT_EQ(repair_.Unrecovered(), 0u);
  EXPECT_EQ(flood_.origins().Gaps(0x77), 0u);
}

// A peer that floods digests and summaries gets a bounded share of work
// per interval: the rest are read and ignored.
TEST_F(RepairTest, APeerFloodingDigestsAndSummariesGetsABoundedShare) {
  Offer(1, MessageFrame(0x77, 1, "x", "x1"));
  flood_.OnPeerUp(2, 0);
  repair_.OnPeerUp(2, 0);
  links_.sent.clear();
  Buffer d;
  AppendDigest({9, 9, 9}, &d);  // never ours
  const char* why = nullptr;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(repair_.OnDigest(2, FrameOf(Bytes(d)), 1, &why));
  EXPECT_EQ(links_.SentTo(2, kTypeSummary).size(), 2u);  // digests_per_interval
  links_.sent.clear();
  for (int i = 0; i < 50; ++i) Summary(2, kSummaryAsk, 0, {Rec(0x77, 0, 0)});
  EXPECT_EQ(links_.SentTo(2, kTypeSummary).size(), 4u);  // summaries_per_interval
  repair_.Tick(10000);  // a new interval: a new share
  links_.sent.clear();
  Summary(2, kSummaryAsk, 0, {Rec(0x77, 0, 0)});
  EXPECT_EQ(links_.SentTo(2, kTypeSummary).size(), 1u);
}

// Once the origin table has forgotten an origin, this node may have had
// that origin's messages: its summaries ask only for what unknown origins
// sent after the forgetting.
TEST_F(RepairTest, AfterAnOriginIsForgottenTheSummaryAsksOnlyForLaterMessages) {
  FloodConfig c;
  c.node_id = 0xb;
  c.seen = 64;
  c.origin_slots = 1;
  Flood small(&links_, &links_, &log_);
  ASSERT_TRUE(small.Init(c));
  Repair r(RepairConfig(), &links_, &small, &log_);
  r.SetSince(500);
  r.SetWallOffset(7000);
  auto offer = [&](uint64_t origin) {
    std::string f = MessageFrame(origin, 1, "o", "t");
    Message m;
    const char* why = nullptr;
    ASSERT_TRUE(ParseMessage(FrameOf(f), &m, &why));
    small.OnMessage(1, m, reinterpret_cast<uint8_t*>(&f[0]), f.size(), 1);
  };
  offer(0x71);
  small.OnPeerUp(2, 10);
  r.OnPeerUp(2, 10);
  SummaryFrame s;
  const char* why = nullptr;
  ASSERT_TRUE(ParseSummary(FrameOf(links_.SentTo(2, kTypeSummary).back()), &s, &why));
  EXPECT_EQ(s.since_ms, 500u);  // nothing forgotten yet: since it started
  offer(0x72);  // evicts 0x71
  ASSERT_EQ(small.origins().evictions(), 1u);
  Buffer ask;
  AppendSummary(kSummaryAsk, 0, {}, &ask);
  ASSERT_TRUE(r.OnSummary(2, FrameOf(Bytes(ask)), 5, &why));  // r answers, at time 5
  ASSERT_TRUE(ParseSummary(FrameOf(links_.SentTo(2, kTypeSummary).back()), &s, &why));
  EXPECT_EQ(s.since_ms, 7005u);
}

TEST_F(RepairTest, RepairIsPacedByBytesPerTurnAndThePeersQueue) {
  RepairConfig pace;
  pace.bytes_per_turn = 3000;
  pace.queue_low = 10000;
  Repair slow(pace, &links_, &flood_, &log_);
  for (uint64_t c = 1; c <= 20; ++c) Offer(1, MessageFrame(0x77, c, "x", std::string(990, 'p')));
  flood_.OnPeerUp(2, 3);
  slow.OnPeerUp(2, 3);
  links_.sent.clear();
  Buffer b;
  AppendSummary(0, 0, {Rec(0x77, 1, 1)}, &b);  // lacks all 20
  const char* why = nullptr;
  ASSERT_TRUE(slow.OnSummary(2, FrameOf(Bytes(b)), 4, &why));
  EXPECT_EQ(slow.Owed(), 20u);
  slow.Tick(5);
  size_t first = links_.SentTo(2, kTypeRepair).size();
  EXPECT_EQ(first, 3u);  // 3 of about 1,035 bytes fill the turn's 3,000
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());  // all in repair frames
  links_.queued = 10000;  // the peer's queue is full: nothing more
  slow.Tick(6);
  EXPECT_EQ(links_.SentTo(2, kTypeRepair).size(), first);
  EXPECT_LE(slow.NextWake(), 6u + 20);
  links_.queued = 0;
  for (int turn = 0; turn < 10; ++turn) slow.Tick(7 + turn);
  EXPECT_EQ(links_.SentTo(2, kTypeRepair).size(), 20u);
  EXPECT_EQ(slow.Owed(), 0u);
  // A peer that goes owes nothing more.
  slow.OnPeerDown(2, 20);
  EXPECT_EQ(slow.Owed(), 0u);
}

TEST_F(RepairTest, DigestsAreSentEveryIntervalAndADifferentOneIsAnsweredWithASummary) {
  flood_.OnPeerUp(2, 0);
  repair_.OnPeerUp(2, 0);
  links_.sent.clear();
  repair_.Tick(9999);
  EXPECT_TRUE(links_.SentTo(2, kTypeDigest).empty());
  repair_.Tick(10000);
  ASSERT_EQ(links_.SentTo(2, kTypeDigest).size(), 1u);
  Digest same;
  const char* why = nullptr;
  ASSERT_TRUE(ParseDigest(FrameOf(links_.SentTo(2, kTypeDigest)[0]), &same, &why));
  ASSERT_TRUE(repair_.OnDigest(2, FrameOf(links_.SentTo(2, kTypeDigest)[0]), 10001, &why));
  EXPECT_TRUE(links_.SentTo(2, kTypeSummary).empty());  // the same: nothing to compare
  Offer(1, MessageFrame(0x77, 1, "x", "new"));
  ASSERT_TRUE(repair_.OnDigest(2, FrameOf(links_.SentTo(2, kTypeDigest)[0]), 10002, &why));
  ASSERT_EQ(links_.SentTo(2, kTypeSummary).size(), 1u);  // now they differ
}

}  // namespace
}  // namespace floodchat

namespace floodchat {
namespace {

// HistoryHold (broadcast/history.h): held messages come out in send-time
// order, ties in arrival order, then everything passes straight through.
TEST(HistoryHoldTest, ReleasesInSendTimeOrderThenPassesThrough) {
  FakeLinks sink;
  HistoryHold hold(&sink, 100);
  auto msg = [](uint64_t sent, const std::string& text) {
    static std::deque<std::string> texts;
    texts.push_back(text);
    Message m;
    m.sent_ms = sent;
    m.nick = "n";
    m.text = texts.back();
    return m;
  };
  hold.Deliver(msg(1, "before"), 0);  // not holding: straight through
  hold.Hold(5000);
  EXPECT_EQ(hold.deadline(), 5000u);
  hold.Deliver(msg(30, "live"), 1);
  hold.Deliver(msg(10, "old-a"), 1);
  hold.Deliver(msg(20, "old-b"), 1);
  hold.Deliver(msg(10, "old-a2"), 1);
  ASSERT_EQ(sink.delivered.size(), 1u);
  hold.Release(2);
  hold.Deliver(msg(5, "after"), 3);
  std::vector<std::string> got;
  for (const auto& d : sink.delivered) got.push_back(d.text);
  EXPECT_EQ(got, (std::vector<std::string>{"before", "old-a", "old-a2", "old-b", "live", "after"}));
  EXPECT_FALSE(hold.holding());
  // Holding more than `most` releases at once.
  HistoryHold small(&sink, 2);
  small.Hold(100);
  for (int i = 0; i < 3; ++i) small.Deliver(msg(i, "x"), 0);
  EXPECT_FALSE(small.holding());
}

}  // namespace
}  // namespace floodchat
