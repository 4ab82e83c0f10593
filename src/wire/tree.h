// The broadcast tree's frames (broadcast/tree.h), after the hello:
//
//   ihave   := entry[n]          n = payload / 17, 1..kMaxIhaveEntries (240)
//   entry   := id:16  hops:u8    "I have this message; it reached me in `hops`"
//   graft   := flags:u8  id:16   "send me its origin's messages whole from
//                                 now on, and this one" (kGraftNoFetch: only
//                                 the first)
//   prune   := origin:u64        "send me only announcements of this
//                                 origin's messages from now on"
//   tree    := (empty)           "I run the tree: I may prune you and
//                                 announce to you" (sent once, first)
//   grafted := frame             a graft's answer: a whole message or
//                                presence frame from the store, taken as
//                                that frame would be
//
// A node that never sent a tree frame (a --broadcast flood node, or an
// older version, which skips these types whole) is never pruned and never
// sent an announcement: it gets every message whole.
#ifndef FLOODCHAT_WIRE_TREE_H_
#define FLOODCHAT_WIRE_TREE_H_

#include <cstddef>
#include <cstdint>

#include "base/buffer.h"
#include "wire/frame.h"

namespace floodchat {

constexpr uint8_t kTypeIhave = 0x0d;
constexpr uint8_t kTypeGraft = 0x0e;
constexpr uint8_t kTypePrune = 0x0f;
constexpr uint8_t kTypeTree = 0x10;
constexpr uint8_t kTypeGrafted = 0x11;

constexpr size_t kIhaveEntryBytes = kMessageIdBytes + 1;
// As many as fit the smallest frame limit any node has (a summary's 4096
// bytes, wire/frame.h), whatever its --max-size: 240.
constexpr size_t kMaxIhaveEntries = kMaxSummaryPayload / kIhaveEntryBytes;
static_assert(kTypeBytes + kMaxIhaveEntries * kIhaveEntryBytes <= MaxFrameLength(0),
              "an ihave frame passes every node's frame limit");
constexpr size_t kGraftBytes = 1 + kMessageIdBytes;
constexpr uint8_t kGraftNoFetch = 0x01;

struct IhaveEntry {
  MessageId id;
  uint8_t hops = 0;
};

// An ihave frame of `count` entries (1..kMaxIhaveEntries), each 17 bytes at
// `entries` as they go on the wire.
void AppendIhave(const uint8_t* entries, size_t count, Buffer* out);
// Encodes one entry at `at` (kIhaveEntryBytes).
void PutIhaveEntry(const MessageId& id, uint8_t hops, uint8_t* at);
// False and *why unless the payload is 1..kMaxIhaveEntries whole entries;
// *count of them, read with IhaveAt.
bool ParseIhave(const Frame& frame, size_t* count, const char** why);
IhaveEntry IhaveAt(const Frame& frame, size_t i);

void AppendGraft(uint8_t flags, const MessageId& id, Buffer* out);
// Flags other than kGraftNoFetch are from a later version and ignored.
bool ParseGraft(const Frame& frame, uint8_t* flags, MessageId* id, const char** why);

void AppendPrune(uint64_t origin, Buffer* out);
bool ParsePrune(const Frame& frame, uint64_t* origin, const char** why);

// A tree frame (no payload); ParseEmpty checks there is none.
void AppendEmpty(uint8_t type, Buffer* out);
bool ParseEmpty(const Frame& frame, const char** why);

}  // namespace floodchat

#endif  // FLOODCHAT_WIRE_TREE_H_
