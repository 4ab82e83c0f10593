// libFuzzer target: the frame decoder and the payload parsers, fed a byte
// stream in chunks the way a peer's input buffer fills. Checks that the
// decoder never reads past its input, never holds more than one unfinished
// frame, and that every payload it accepts encodes back to the same bytes
// (a repair frame's inner frame is checked the same way).
#include <cstdlib>
#include <cstring>

#include "wire/frame.h"
#include "wire/summary.h"
#include "wire/tree.h"

namespace floodchat {
namespace {

constexpr size_t kMaxText = 256;

void Require(bool ok) {
  if (!ok) abort();
}

bool SameBytes(const Buffer& b, const uint8_t* frame, size_t size) {
  return b.size() == size && memcmp(b.data(), frame, size) == 0;
}

void CheckFrame(const Frame& f, const uint8_t* wire) {
  const char* why = nullptr;
  Message m;
  if (ParseMessage(f, &m, &why)) {
    Require(m.hops >= 1 && m.hops <= m.hop_limit);
    Require(!m.nick.empty() && m.nick.size() <= kMaxNickBytes);
    Buffer again;
    AppendMessage(m, &again);
    if (f.type == kTypeMessage) Require(SameBytes(again, wire, f.wire_size));
  } else {
    Require(why != nullptr);
  }
  Hello h;
  why = nullptr;
  if (ParseHello(f, &h, &why)) {
    Buffer again;
    AppendHello(h.node_id, h.nick, h.listen_port, &again);
    Frame g;
    Hello h2;
    Require(DecodeFrame(again.data(), again.size(), MaxFrameLength(kMaxText), &g, &why) ==
            DecodeStatus::kFrame);
    Require(ParseHello(g, &h2, &why));
    Require(h2.node_id == h.node_id && h2.nick == h.nick && h2.listen_port == h.listen_port);
  } else {
    Require(why != nullptr);
  }
  SummaryFrame s;
  why = nullptr;
  if (ParseSummary(f, &s, &why)) {
    // Encodes back to the same bytes, once it is marked the last (one frame).
    Buffer again;
    AppendSummary(s.flags, s.since_ms, s.records, &again);
    Require(again.size() == f.wire_size);
    Require(again.data()[kFrameHeaderBytes] == (wire[kFrameHeaderBytes] | kSummaryLast));
    Require(memcmp(again.data() + kFrameHeaderBytes + 1, wire + kFrameHeaderBytes + 1,
                   f.wire_size - kFrameHeaderBytes - 1) == 0);
    for (const OriginRecord& r : s.records) {
      Require(r.gap_count <= kMaxGapsPerRecord);
      Require(!RecordLacks(r, r.floor - 1));  // below floor: settled
      Require(RecordLacks(r, r.top));
      for (size_t g = 0; g < r.gap_count; ++g) Require(RecordLacks(r, r.gaps[g].start));
    }
  } else {
    Require(why != nullptr);
  }
  Digest d;
  why = nullptr;
  if (ParseDigest(f, &d, &why)) {
    Buffer again;
    AppendDigest(d, &again);
    Require(f.type != kTypeDigest || SameBytes(again, wire, f.wire_size));
  } else {
    Require(why != nullptr);
  }
  Frame inner;
  why = nullptr;
  if (ParseRepair(f, &inner, &why)) {
    // The frame inside is whole, inside the payload, and no longer than it.
    Require(inner.wire_size == f.payload_size);
    Require(inner.payload == f.payload + kFrameHeaderBytes);
    Buffer again;
    AppendRepair(f.payload, f.payload_size, &again);
    Require(f.type != kTypeRepair || SameBytes(again, wire, f.wire_size));
    CheckFrame(inner, f.payload);
  } else {
    Require(why != nullptr);
  }
  // The tree's frames, and a grafted frame's inside.
  size_t entries = 0;
  why = nullptr;
  if (ParseIhave(f, &entries, &why)) {
    Require(entries >= 1 && entries <= kMaxIhaveEntries);
    Buffer again;
    AppendIhave(f.payload, entries, &again);
    Require(f.type != kTypeIhave || SameBytes(again, wire, f.wire_size));
    for (size_t i = 0; i < entries; ++i) {
      IhaveEntry e = IhaveAt(f, i);
      Require(memcmp(e.id.bytes, f.payload + i * kIhaveEntryBytes, kMessageIdBytes) == 0);
    }
  } else {
    Require(why != nullptr);
  }
  uint8_t flags = 0;
  MessageId id;
  why = nullptr;
  if (ParseGraft(f, &flags, &id, &why)) {
    Buffer again;
    AppendGraft(flags, id, &again);
    Require(f.type != kTypeGraft || SameBytes(again, wire, f.wire_size));
  } else {
    Require(why != nullptr);
  }
  uint64_t origin = 0;
  why = nullptr;
  if (ParsePrune(f, &origin, &why)) {
    Buffer again;
    AppendPrune(origin, &again);
    Require(f.type != kTypePrune || SameBytes(again, wire, f.wire_size));
  } else {
    Require(why != nullptr);
  }
  why = nullptr;
  if (ParseEmpty(f, &why)) {
    Buffer again;
    AppendEmpty(f.type, &again);
    Require(SameBytes(again, wire, f.wire_size));
  } else {
    Require(why != nullptr);
  }
  if (f.type == kTypeGrafted) {
    why = nullptr;
    if (ParseEnvelope(f, &inner, &why)) {
      Require(inner.wire_size == f.payload_size);
      CheckFrame(inner, f.payload);
    } else {
      Require(why != nullptr);
    }
  }
  uint16_t count = 0;
  why = nullptr;
  if (ParseCount(f, &count, &why)) {
    Buffer again;
    AppendCount(f.type, count, &again);
    Require(SameBytes(again, wire, f.wire_size));
  } else {
    Require(why != nullptr);
  }
  AddressList list;
  why = nullptr;
  if (ParseAddresses(f, &list, &why)) {
    Require(list.count <= kMaxAddressesPerFrame);
    Buffer again;
    AppendAddresses(f.type, list.flags, list.addresses, list.count, &again);
    Require(SameBytes(again, wire, f.wire_size));
  } else {
    Require(why != nullptr);
  }
}

}  // namespace
}  // namespace floodchat

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floodchat;
  if (size < 1) return 0;
  // The first byte chooses how the rest arrives: in chunks of 1 to 64 bytes.
  const size_t step = data[0] % 64 + 1;
  const uint8_t* in = data + 1;
  const size_t n = size - 1;
  const size_t max = MaxFrameLength(kMaxText);
  Buffer buffer;
  for (size_t fed = 0; fed < n;) {
    size_t take = n - fed < step ? n - fed : step;
    buffer.Append(in + fed, take);
    fed += take;
    for (;;) {
      Frame f;
      const char* why = nullptr;
      DecodeStatus st = DecodeFrame(buffer.data(), buffer.size(), max, &f, &why);
      if (st == DecodeStatus::kNeedMore) break;
      if (st == DecodeStatus::kError) {
        Require(why != nullptr);
        return 0;  // the node closes the connection here
      }
      Require(f.wire_size <= buffer.size() && f.wire_size == kFrameHeaderBytes + f.payload_size);
      Require(f.payload == buffer.data() + kFrameHeaderBytes);
      CheckFrame(f, buffer.data());
      buffer.Consume(f.wire_size);
    }
    Require(buffer.size() < kLengthBytes + max);
  }
  return 0;
}
