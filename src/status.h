// What /peers and /stats show: figures the node gathers from its parts, and
// the console prints (console/views.h).
#ifndef FLOODCHAT_STATUS_H_
#define FLOODCHAT_STATUS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace floodchat {

struct PeerRow {
  std::string label;  // its address
  std::string nick;   // as the peer sent it; empty before its hello
  const char* state;  // connecting, handshake, inbound, outbound, closing
  uint32_t id = 0;    // its PeerId
  // The address it stands for: the one dialled, or for an inbound connection
  // its IP with the port its hello gave; empty if none.
  std::string address;
  // Its link in the broadcast tree: "eager", "lazy" or "flood" (a peer that
  // does not run the tree); null when this node floods or it is not up.
  const char* link = nullptr;
};

// A -c or /connect address waiting for its next attempt.
struct WaitingTarget {
  std::string text;
  uint64_t wait_ms = 0;
  uint32_t failures = 0;
};

struct PeersView {
  size_t connected = 0;
  size_t known = 0;  // addresses in the book
  std::vector<PeerRow> peers;
  std::vector<WaitingTarget> waiting;
};

// The counters of /stats, in the order they are printed.
struct StatsView {
  uint64_t sent = 0, received = 0, duplicates = 0, bytes_in = 0, bytes_out = 0;
  size_t peers = 0;
  uint64_t stdout_dropped = 0;
  size_t seen = 0, seen_capacity = 0;
  uint64_t evicted = 0;
  size_t known = 0;
  uint64_t attempts = 0, failures = 0, reconnects = 0, refused = 0, late = 0, auth_failed = 0;
  size_t origins = 0, origins_capacity = 0;
  size_t store_bytes = 0, store_capacity = 0, stored = 0;
  uint64_t resent = 0, repaired = 0, sync_bytes = 0, shed = 0, unrecovered = 0;
  // The broadcast policy: message frames sent (graft answers included), and
  // the tree's work (0 when the node floods).
  uint64_t payloads = 0, ihave = 0, ihave_ids = 0, grafts = 0, prunes = 0;
  size_t eager = 0, lazy = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_STATUS_H_
