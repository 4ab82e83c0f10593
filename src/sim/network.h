// The simulator's network: N virtual nodes, each running the binary's own
// Protocol (its membership and broadcast policies) over FIFO byte streams
// with a latency per pair of nodes, on a virtual clock, deterministic from a
// seed. It replaces only the Transport: connections, hellos and the bytes on
// them; every frame is encoded and decoded by the wire codec, and every
// decision is the policies'.
//
// The model, per connection: a dial reaches the other node after one
// latency, which accepts (hello) or refuses (full frame) at once; the dialler
// learns it is connected one latency later and sends its hello. Bytes sent
// arrive one latency later, in order; a close arrives after the bytes sent
// before it. A dial to a node that is down is refused after a round trip; a
// dial across a cut times out after --handshake-timeout's default, and a cut
// resets the connections that cross it. Processing takes no virtual time.
#ifndef FLOODCHAT_SIM_NETWORK_H_
#define FLOODCHAT_SIM_NETWORK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/rng.h"
#include "broadcast/tree.h"
#include "links.h"
#include "node/protocol.h"

namespace floodchat {
namespace sim {

struct SimConfig {
  size_t nodes = 0;
  size_t peers = 5;       // --peers of every node (0: only its targets)
  size_t max_peers = 32;  // --max-peers
  uint32_t latency_lo_ms = 10, latency_hi_ms = 50;  // at most kMaxLatencyMs
  uint64_t seed = 1;
  size_t seen = 1024;         // --seen of every node
  size_t book_capacity = 1024;
  size_t origin_slots = 16;
  size_t store_bytes = 0;     // --store of every node
  uint8_t hop_limit = 64;
  BroadcastMode broadcast = BroadcastMode::kTree;
  TreeConfig tree;
  size_t text_bytes = 16;     // each message's text, at least 11
};

// What became of one message.
struct MessageRecord {
  uint32_t sender = 0;
  uint64_t sent_at = 0;     // 0: not sent (its sender was down)
  uint32_t deliveries = 0;  // nodes that printed it
  uint32_t max_hops = 0;    // the largest hop count at a first delivery
  uint64_t last_delivery = 0;  // when the latest first delivery was
  uint64_t payload_sends = 0;  // its frames put on connections (graft answers too)
  std::vector<uint64_t> delivered;  // a bit per node
};

struct SimTotals {
  uint64_t deliveries = 0;          // first deliveries, all messages, all nodes
  uint64_t duplicates_printed = 0;  // deliveries of a message a node had printed
  uint64_t payload_sends = 0;       // message frames put on connections
  uint64_t control_bytes = 0;       // bytes of every other frame
  uint64_t events = 0;
};

class SimNetwork {
 public:
  static constexpr uint32_t kMaxLatencyMs = 1000;
  static constexpr uint16_t kPort = 55555;
  // Virtual time starts here (policies take times above 0).
  static constexpr uint64_t kEpochMs = 1000;
  // The wall clock at kEpochMs, for the send times messages carry.
  static constexpr uint64_t kWallEpochMs = 1798761600000;  // 2027-01-01 UTC

  explicit SimNetwork(const SimConfig& config);
  ~SimNetwork();

  // Scheduling, at virtual times from kEpochMs on. Node i starts with -c
  // addresses of the nodes in `targets`.
  void Start(uint32_t node, uint64_t at, std::vector<uint32_t> targets);
  // Kill: the process ends, its connections close. Restart: a new process on
  // the same address with the same targets (a new node ID, empty tables).
  void Kill(uint32_t node, uint64_t at);
  void Restart(uint32_t node, uint64_t at);
  // Cut: the pair's connections are reset and new dials between them time
  // out, until Restore.
  void Cut(uint32_t a, uint32_t b, uint64_t at);
  void Restore(uint32_t a, uint32_t b, uint64_t at);
  // Partition: every link between nodes below `split` and the others is cut
  // from `at` (their connections reset, new dials time out) until `until`.
  void Partition(uint32_t split, uint64_t at, uint64_t until);
  // Node `node` sends message `index` (0, 1, ...; see messages()).
  void Send(uint32_t node, uint32_t index, uint64_t at);

  // Runs every event up to and including `end`.
  void RunUntil(uint64_t end);
  uint64_t now() const { return now_; }

  // Results.
  bool Alive(uint32_t node) const;
  uint64_t AliveSince(uint32_t node) const;
  // Live connections (both directions up) of each node, now.
  std::vector<uint32_t> Degrees() const;
  const std::vector<MessageRecord>& messages() const { return messages_; }
  const SimTotals& totals() const { return totals_; }
  // Messages a node that was up from the message's sending to the end of
  // the run did not print, all told.
  uint64_t Missed() const;
  // The same, for one node.
  uint64_t MissedBy(uint32_t node) const;
  // What a live node counts as unrecovered (/stats unrecovered): messages it
  // knows were sent and will not print. 0 for a node that is down.
  uint64_t Unrecovered(uint32_t node) const;
  // The tree's counters summed over the live nodes (zero when they flood).
  TreeCounters TreeTotals() const;

  // The virtual address of a node, and back.
  static PeerAddress AddressOf(uint32_t node);
  static bool NodeOf(const PeerAddress& address, uint32_t* node);

 private:
  class Node;
  struct Side;
  enum class Ev : uint8_t;
  struct Event {
    Ev kind;
    uint32_t a = 0, b = 0, c = 0;
  };
  struct Later {
    uint64_t time, seq;
    Event event;
    bool operator>(const Later& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  struct Bucket {
    std::vector<Event> events;
    std::vector<uint8_t> bytes;  // the data events' bytes
  };

  void Schedule(uint64_t at, const Event& e);
  void Prefetch(const Bucket& bucket, size_t index) const;
  void Handle(const Event& e, Bucket* bucket);
  void Reschedule(uint32_t node);
  uint32_t Latency(uint32_t a, uint32_t b) const;
  bool IsCut(uint32_t a, uint32_t b) const;
  void Reset(const std::vector<uint32_t>& sides);

  // The connections, for the virtual nodes (Links).
  PeerId Dial(uint32_t from, const PeerAddress& to);
  void SendBytes(uint32_t side, const uint8_t* bytes, size_t size);
  void CloseSide(uint32_t side, const std::string& why);
  void Refuse(uint32_t side);
  void OnSyn(uint32_t side);
  void OnData(uint32_t side, uint8_t* bytes, size_t size);
  void OnOpening(uint32_t side, const Frame& frame);
  void StartNode(uint32_t node);
  void KillNode(uint32_t node);
  void Delivered(uint32_t node, const Message& message);
  void CountFrames(const uint8_t* bytes, size_t size);

  SimConfig config_;
  Rng rng_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Side> sides_;
  std::set<std::pair<uint32_t, uint32_t>> cuts_;
  uint32_t split_ = 0;  // a partition at this node index; 0: none
  std::vector<MessageRecord> messages_;
  SimTotals totals_;

  // The clock: a ring of one bucket per millisecond for the next window_
  // milliseconds (just over the largest latency, so that every byte sent
  // lands in it), and a heap for what is further away, moved into the ring as
  // its millisecond comes into the window (so events of one millisecond keep
  // the order they were scheduled in).
  uint64_t window_;
  std::vector<Bucket> ring_;
  size_t in_ring_ = 0;
  std::priority_queue<Later, std::vector<Later>, std::greater<Later>> later_;
  uint64_t seq_ = 0;
  uint64_t now_ = kEpochMs;
};

}  // namespace sim
}  // namespace floodchat

#endif  // FLOODCHAT_SIM_NETWORK_H_
