// Anti-entropy frames (broadcast/repair.h): what a node has of each origin's
// message sequence, for a peer to compare with its own and send what is
// missing.
//
//   digest  := origins:u32  gaps:u32  hash:u64
//   summary := flags:u8  since_ms:u64  count:u16  record[count]
//   record  := node_id:u64  floor:u64  top:u64  gap_count:u8  gap[gap_count]
//   gap     := start:u64  end:u64
//
// A record says: every counter below `floor` is settled, the highest had is
// top - 1, and of [floor, top) the node lacks exactly the gaps [start, end),
// which are in increasing order, non-empty, apart and inside [floor, top).
// A record with more gaps than kMaxGapsPerRecord ends its list with one gap
// running to `top`: it claims to lack a little more than it does, which only
// costs the copies it is sent. `since_ms` is the sender's wall clock when it
// joined (or last forgot an origin): of an origin it has no record of, it
// lacks the messages sent since then. A summary too large for one frame is
// sent as several; flag kSummaryLast marks the final one, kSummaryAsk asks
// the receiver for its own summary in return.
//
// The digest stands for the whole table: when two nodes' digests are equal
// they have the same tops and no gaps, and summaries are not exchanged.
//
//   repair  := frame
//
// What a peer lacked, from the sender's store: a whole message or presence
// frame (length, type, payload), taken as that frame would be and counted
// as repaired (or as history, when asked for with a history frame); it is
// forwarded as the frame inside.
#ifndef FLOODCHAT_WIRE_SUMMARY_H_
#define FLOODCHAT_WIRE_SUMMARY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/buffer.h"
#include "wire/frame.h"

namespace floodchat {

constexpr uint8_t kTypeDigest = 0x08;
constexpr uint8_t kTypeSummary = 0x09;
// history     := count:u16   "send me up to `count` of your latest messages"
// history_end := count:u16   "those were the `count` messages I had"
constexpr uint8_t kTypeHistory = 0x0a;
constexpr uint8_t kTypeHistoryEnd = 0x0b;
constexpr size_t kMaxHistory = 10000;
constexpr uint8_t kTypeRepair = 0x0c;

constexpr uint8_t kSummaryLast = 0x01;
constexpr uint8_t kSummaryAsk = 0x02;

constexpr size_t kDigestBytes = 16;
constexpr size_t kSummaryFixedBytes = 1 + 8 + 2;
constexpr size_t kRecordFixedBytes = 8 + 8 + 8 + 1;
constexpr size_t kGapBytes = 16;
constexpr size_t kMaxGapsPerRecord = 8;

struct Digest {
  uint32_t origins = 0;
  uint32_t gaps = 0;
  uint64_t hash = 0;
};

struct Gap {
  uint64_t start = 0, end = 0;
};

struct OriginRecord {
  uint64_t node_id = 0;
  uint64_t floor = 0;
  uint64_t top = 0;
  uint8_t gap_count = 0;
  Gap gaps[kMaxGapsPerRecord];
};

struct SummaryFrame {
  uint8_t flags = 0;
  uint64_t since_ms = 0;
  std::vector<OriginRecord> records;
};

// A history or history_end frame; ParseCount reads either (exactly two
// bytes).
void AppendCount(uint8_t type, uint16_t count, Buffer* out);
bool ParseCount(const Frame& frame, uint16_t* count, const char** why);

// A frame of `type` around `frame` (a message or presence frame, whole): a
// repair frame, or a graft's answer (wire/tree.h).
void AppendEnvelope(uint8_t type, const uint8_t* frame, size_t size, Buffer* out);
inline void AppendRepair(const uint8_t* frame, size_t size, Buffer* out) {
  AppendEnvelope(kTypeRepair, frame, size, out);
}
// The frame inside either: it must fill the payload exactly and be a message
// or presence frame; `inner` points into `frame`'s payload.
bool ParseEnvelope(const Frame& frame, Frame* inner, const char** why);
inline bool ParseRepair(const Frame& frame, Frame* inner, const char** why) {
  return ParseEnvelope(frame, inner, why);
}

void AppendDigest(const Digest& d, Buffer* out);
bool ParseDigest(const Frame& frame, Digest* d, const char** why);

// Encodes `records` as summary frames of at most kMaxSummaryPayload bytes
// each (at least one frame, even for no records); the last carries
// kSummaryLast. Records with more than kMaxGapsPerRecord gaps must have been
// folded already (FoldGaps).
void AppendSummary(uint8_t flags, uint64_t since_ms, const std::vector<OriginRecord>& records,
                   Buffer* out);
// False and *why on a short or overlong payload, a count that does not match,
// a record whose top is before its floor, or gaps out of order or range.
bool ParseSummary(const Frame& frame, SummaryFrame* out, const char** why);

// Counters are compared modulo 2^64: `a` comes before `b`.
inline bool CounterBefore(uint64_t a, uint64_t b) {
  uint64_t d = b - a;
  return d != 0 && d < (uint64_t{1} << 63);
}

// Whether the record says its node lacks `counter` (a gap, or at or past
// top). Counters before floor are settled: not lacked.
bool RecordLacks(const OriginRecord& r, uint64_t counter);

}  // namespace floodchat

#endif  // FLOODCHAT_WIRE_SUMMARY_H_
