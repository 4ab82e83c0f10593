#include "wire/summary.h"

#include <cstring>

#include "base/endian.h"

namespace floodchat {

void AppendCount(uint8_t type, uint16_t count, Buffer* out) {
  uint8_t* p = out->Reserve(kFrameHeaderBytes + 2);
  PutU32(p, kTypeBytes + 2);
  p[kLengthBytes] = type;
  PutU16(p + kFrameHeaderBytes, count);
  out->Commit(kFrameHeaderBytes + 2);
}

bool ParseCount(const Frame& frame, uint16_t* count, const char** why) {
  if (frame.payload_size != 2) {
    *why = "history frame of the wrong length";
    return false;
  }
  *count = GetU16(frame.payload);
  return true;
}

void AppendEnvelope(uint8_t type, const uint8_t* frame, size_t size, Buffer* out) {
  uint8_t* p = out->Reserve(kFrameHeaderBytes + size);
  PutU32(p, static_cast<uint32_t>(kTypeBytes + size));
  p[kLengthBytes] = type;
  memcpy(p + kFrameHeaderBytes, frame, size);
  out->Commit(kFrameHeaderBytes + size);
}

bool ParseEnvelope(const Frame& frame, Frame* inner, const char** why) {
  // The outer frame passed the length limit, so the inner one is within it.
  if (DecodeFrame(frame.payload, frame.payload_size, frame.payload_size, inner, why) !=
          DecodeStatus::kFrame ||
      inner->wire_size != frame.payload_size) {
    *why = frame.type == kTypeRepair ? "repair frame that does not hold exactly one frame"
                                     : "grafted frame that does not hold exactly one frame";
    return false;
  }
  if (inner->type != kTypeMessage && inner->type != kTypePresence) {
    *why = frame.type == kTypeRepair ? "repair frame around a frame that is not a message"
                                     : "grafted frame around a frame that is not a message";
    return false;
  }
  return true;
}

void AppendDigest(const Digest& d, Buffer* out) {
  uint8_t* p = out->Reserve(kFrameHeaderBytes + kDigestBytes);
  PutU32(p, kTypeBytes + kDigestBytes);
  p[kLengthBytes] = kTypeDigest;
  p += kFrameHeaderBytes;
  PutU32(p, d.origins);
  PutU32(p + 4, d.gaps);
  PutU64(p + 8, d.hash);
  out->Commit(kFrameHeaderBytes + kDigestBytes);
}

bool ParseDigest(const Frame& frame, Digest* d, const char** why) {
  if (frame.payload_size != kDigestBytes) {
    *why = "digest of the wrong length";
    return false;
  }
  d->origins = GetU32(frame.payload);
  d->gaps = GetU32(frame.payload + 4);
  d->hash = GetU64(frame.payload + 8);
  return true;
}

namespace {

size_t RecordBytes(const OriginRecord& r) { return kRecordFixedBytes + r.gap_count * kGapBytes; }

// One frame of `records[from, to)`.
void AppendSummaryFrame(uint8_t flags, uint64_t since_ms, const std::vector<OriginRecord>& records,
                        size_t from, size_t to, size_t payload, Buffer* out) {
  uint8_t* p = out->Reserve(kFrameHeaderBytes + payload);
  PutU32(p, static_cast<uint32_t>(kTypeBytes + payload));
  p[kLengthBytes] = kTypeSummary;
  uint8_t* w = p + kFrameHeaderBytes;
  w[0] = flags;
  PutU64(w + 1, since_ms);
  PutU16(w + 9, static_cast<uint16_t>(to - from));
  w += kSummaryFixedBytes;
  for (size_t i = from; i < to; ++i) {
    const OriginRecord& r = records[i];
    PutU64(w, r.node_id);
    PutU64(w + 8, r.floor);
    PutU64(w + 16, r.top);
    w[24] = r.gap_count;
    w += kRecordFixedBytes;
    for (size_t g = 0; g < r.gap_count; ++g) {
      PutU64(w, r.gaps[g].start);
      PutU64(w + 8, r.gaps[g].end);
      w += kGapBytes;
    }
  }
  out->Commit(kFrameHeaderBytes + payload);
}

}  // namespace

void AppendSummary(uint8_t flags, uint64_t since_ms, const std::vector<OriginRecord>& records,
                   Buffer* out) {
  size_t from = 0;
  do {
    size_t payload = kSummaryFixedBytes, to = from;
    while (to < records.size() && to - from < 0xffff &&
           payload + RecordBytes(records[to]) <= kMaxSummaryPayload)
      payload += RecordBytes(records[to++]);
    bool last = to == records.size();
    uint8_t f = static_cast<uint8_t>((flags & ~kSummaryLast) | (last ? kSummaryLast : 0));
    AppendSummaryFrame(f, since_ms, records, from, to, payload, out);
    from = to;
  } while (from < records.size());
}

bool ParseSummary(const Frame& frame, SummaryFrame* out, const char** why) {
  const uint8_t* p = frame.payload;
  size_t n = frame.payload_size;
  if (n < kSummaryFixedBytes) {
    *why = "short summary";
    return false;
  }
  if (n > kMaxSummaryPayload) {
    *why = "summary longer than its limit";
    return false;
  }
  out->flags = p[0];
  out->since_ms = GetU64(p + 1);
  size_t count = GetU16(p + 9);
  out->records.clear();
  size_t at = kSummaryFixedBytes;
  for (size_t i = 0; i < count; ++i) {
    if (n - at < kRecordFixedBytes) {
      *why = "short summary";
      return false;
    }
    OriginRecord r;
    r.node_id = GetU64(p + at);
    r.floor = GetU64(p + at + 8);
    r.top = GetU64(p + at + 16);
    r.gap_count = p[at + 24];
    at += kRecordFixedBytes;
    // Everything is measured from the floor, so that no comparison modulo
    // 2^64 is ambiguous: a record spans at most 2^32 counters.
    uint64_t span = r.top - r.floor;
    if (span > (uint64_t{1} << 32)) {
      *why = "summary record whose top is before its floor, or too far above it";
      return false;
    }
    if (r.gap_count > kMaxGapsPerRecord) {
      *why = "summary record with too many gaps";
      return false;
    }
    if (n - at < r.gap_count * kGapBytes) {
      *why = "short summary";
      return false;
    }
    uint64_t after = 0;  // offset from floor the next gap may start at
    for (size_t g = 0; g < r.gap_count; ++g) {
      Gap& gap = r.gaps[g];
      gap.start = GetU64(p + at);
      gap.end = GetU64(p + at + 8);
      at += kGapBytes;
      uint64_t s_off = gap.start - r.floor, e_off = gap.end - r.floor;
      bool ordered = s_off >= after && (g == 0 || s_off > after) && s_off < e_off && e_off <= span;
      if (!ordered) {
        *why = "summary gaps out of order or range";
        return false;
      }
      after = e_off;
    }
    out->records.push_back(r);
  }
  if (at != n) {
    *why = "bytes after the last summary record";
    return false;
  }
  return true;
}

bool RecordLacks(const OriginRecord& r, uint64_t counter) {
  uint64_t off = counter - r.floor;
  if (off >= (uint64_t{1} << 63)) return false;  // before the floor: settled
  if (off >= r.top - r.floor) return true;
  for (size_t g = 0; g < r.gap_count; ++g)
    if (off >= r.gaps[g].start - r.floor && off < r.gaps[g].end - r.floor) return true;
  return false;
}

}  // namespace floodchat
