#include "wire/tree.h"

#include <cstring>

#include "base/endian.h"

namespace floodchat {

void PutIhaveEntry(const MessageId& id, uint8_t hops, uint8_t* at) {
  memcpy(at, id.bytes, kMessageIdBytes);
  at[kMessageIdBytes] = hops;
}

void AppendIhave(const uint8_t* entries, size_t count, Buffer* out) {
  size_t payload = count * kIhaveEntryBytes;
  uint8_t* p = out->Reserve(kFrameHeaderBytes + payload);
  PutU32(p, static_cast<uint32_t>(kTypeBytes + payload));
  p[kLengthBytes] = kTypeIhave;
  memcpy(p + kFrameHeaderBytes, entries, payload);
  out->Commit(kFrameHeaderBytes + payload);
}

bool ParseIhave(const Frame& frame, size_t* count, const char** why) {
  if (frame.payload_size == 0 || frame.payload_size % kIhaveEntryBytes != 0 ||
      frame.payload_size / kIhaveEntryBytes > kMaxIhaveEntries) {
    *why = "ihave frame of the wrong length";
    return false;
  }
  *count = frame.payload_size / kIhaveEntryBytes;
  return true;
}

IhaveEntry IhaveAt(const Frame& frame, size_t i) {
  IhaveEntry e;
  const uint8_t* at = frame.payload + i * kIhaveEntryBytes;
  memcpy(e.id.bytes, at, kMessageIdBytes);
  e.hops = at[kMessageIdBytes];
  return e;
}

void AppendGraft(uint8_t flags, const MessageId& id, Buffer* out) {
  uint8_t* p = out->Reserve(kFrameHeaderBytes + kGraftBytes);
  PutU32(p, kTypeBytes + kGraftBytes);
  p[kLengthBytes] = kTypeGraft;
  p[kFrameHeaderBytes] = flags;
  memcpy(p + kFrameHeaderBytes + 1, id.bytes, kMessageIdBytes);
  out->Commit(kFrameHeaderBytes + kGraftBytes);
}

bool ParseGraft(const Frame& frame, uint8_t* flags, MessageId* id, const char** why) {
  if (frame.payload_size != kGraftBytes) {
    *why = "graft frame of the wrong length";
    return false;
  }
  *flags = frame.payload[0];
  memcpy(id->bytes, frame.payload + 1, kMessageIdBytes);
  return true;
}

void AppendPrune(uint64_t origin, Buffer* out) {
  uint8_t* p = out->Reserve(kFrameHeaderBytes + 8);
  PutU32(p, kTypeBytes + 8);
  p[kLengthBytes] = kTypePrune;
  PutU64(p + kFrameHeaderBytes, origin);
  out->Commit(kFrameHeaderBytes + 8);
}

bool ParsePrune(const Frame& frame, uint64_t* origin, const char** why) {
  if (frame.payload_size != 8) {
    *why = "prune frame of the wrong length";
    return false;
  }
  *origin = GetU64(frame.payload);
  return true;
}

void AppendEmpty(uint8_t type, Buffer* out) {
  uint8_t* p = out->Reserve(kFrameHeaderBytes);
  PutU32(p, kTypeBytes);
  p[kLengthBytes] = type;
  out->Commit(kFrameHeaderBytes);
}

bool ParseEmpty(const Frame& frame, const char** why) {
  if (frame.payload_size != 0) {
    *why = "tree frame with a payload";
    return false;
  }
  return true;
}

}  // namespace floodchat
