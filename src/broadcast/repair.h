// Anti-entropy: two peers compare what they have of each origin's sequence
// and each sends the other what it lacks, from the message store, as
// ordinary message frames (the receiver prints, forwards and keeps them as
// any new message, so repair travels on past the first hop).
//
// When: on every new connection each end sends its summary and asks for the
// other's; then every interval_ms each end sends a digest, and a peer whose
// own digest differs answers with its summary, asking for one back.
// What: of the messages kept before the connection came up (later ones went
// to the peer live), of an origin the peer has a record of, the counters its
// record says it lacks; of an origin it has no record of, the messages sent since the
// peer joined (so a node that joins starts from the present: nothing older
// is sent to it). How much: the messages owed to a peer wait in a bounded
// list and go out paced, at most bytes_per_turn per turn and only while the
// peer's queue is under queue_low, so repair never crowds out live traffic
// or buries a slow link.
//
// No IO, no clock of its own: it reads the broadcast policy's origin table
// and store and sends through Links.
#ifndef FLOODCHAT_BROADCAST_REPAIR_H_
#define FLOODCHAT_BROADCAST_REPAIR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/buffer.h"
#include "base/diag.h"
#include "broadcast/broadcast.h"
#include "links.h"
#include "wire/summary.h"

namespace floodchat {

struct RepairConfig {
  uint64_t interval_ms = 10000;
  size_t bytes_per_turn = 64 * 1024;  // repair frames queued per peer per turn
  size_t queue_low = 256 * 1024;      // ... only while its queue holds less
  size_t max_owed = 65536;            // messages waiting for one peer; more wait a round
  size_t max_records = 4096;          // a peer's summary records kept; more are ignored
  // What one peer can make this node do, per interval: summaries reckoned
  // (each a scan of the store) and answered; digests answered. More are
  // read and ignored, so a peer that floods them costs little.
  int summaries_per_interval = 4;
  int digests_per_interval = 2;
  size_t history = 0;                 // --history: asked of the first peer
  // A gap unchanged this many intervals running, summaries exchanged
  // meanwhile, is given up: no peer holds it.
  int give_up_intervals = 3;
  // The broadcast tree sends most messages to a peer only as announcements
  // (tree.h), so what was kept after it came up may be owed too: once an
  // interval has passed, long after a graft would have fetched it.
  bool owe_announced = false;
};

struct RepairCounters {
  uint64_t digests_sent = 0;
  uint64_t summaries_sent = 0;  // summary frames
  uint64_t sync_bytes = 0;      // digest and summary bytes sent
  uint64_t repairs_sent = 0;    // messages sent to peers that lacked them
  // New messages that came in repair frames: filling a gap (repaired), or
  // asked for with --history (history).
  uint64_t repaired = 0;
  uint64_t history = 0;
  uint64_t unrecovered = 0;     // gaps given up (and window slides' skips: see Unrecovered)
};

class Repair {
 public:
  Repair(const RepairConfig& config, Links* links, Broadcast* broadcast, const Log* log)
      : config_(config), links_(links), broadcast_(broadcast), log_(log) {}

  // This node's wall clock when it joined: of origins it has no record of, it
  // asks for what was sent since.
  void SetSince(uint64_t since_ms) { since_ms_ = since_ms; }
  // The wall clock as an offset from `now` (broadcast.h): when the origin
  // table has forgotten an origin, this node may have had its messages, so
  // from then on it asks only for what unknown origins sent after that.
  void SetWallOffset(uint64_t offset) { wall_offset_ = offset; }

  // `horizon`: what the store kept from this sequence number on goes to the
  // peer live (the broadcast policy's PendingSince() before it heard of the
  // peer); UINT64_MAX: the store's next one.
  void OnPeerUp(PeerId peer, uint64_t now, uint64_t horizon = UINT64_MAX);
  void OnPeerDown(PeerId peer, uint64_t now);
  bool OnDigest(PeerId peer, const Frame& frame, uint64_t now, const char** why);
  bool OnSummary(PeerId peer, const Frame& frame, uint64_t now, const char** why);
  // --history: a peer asks for our latest messages; the one we asked says
  // it has sent them (`*done` then).
  bool OnHistory(PeerId peer, const Frame& frame, uint64_t now, const char** why);
  bool OnHistoryEnd(PeerId peer, const Frame& frame, bool* done, const char** why);
  // A new message came from `peer` in a repair frame.
  void OnRepaired(PeerId peer) {
    if (peer == history_peer_) {
      ++counters_.history;
    } else {
      ++counters_.repaired;
    }
  }
  // The peer this node asked for history, kNoPeer if none is asked now.
  PeerId history_peer() const { return history_peer_; }
  // Digests when due; owed messages as the pacing allows.
  void Tick(uint64_t now);
  uint64_t NextWake() const;

  // This node's digest and summary records, from the broadcast's origins.
  Digest OwnDigest() const;
  std::vector<OriginRecord> OwnRecords() const;

  const RepairCounters& counters() const { return counters_; }
  // Messages owed to peers, not yet queued.
  size_t Owed() const;
  // Messages this node knows were sent and will not have: gaps given up, and
  // those a sliding window skipped (origins.h).
  uint64_t Unrecovered() const {
    return counters_.unrecovered + broadcast_->origins().skipped();
  }

 private:
  struct PeerState {
    PeerId id = kNoPeer;
    uint64_t next_digest = 0;
    // The store's next sequence number when the peer came up: what was kept
    // from then on was sent to it live (or came from it), so only what was
    // kept before can be owed. This is what keeps repair from resending what
    // is on its way already.
    uint64_t horizon = 0;
    // What a summary may find owed: kept before this sequence number. The
    // horizon, or with owe_announced what was kept an interval ago
    // (owe_next, when the last digest went).
    uint64_t owe_before = 0, owe_next = 0;
    // The summary being received, frame by frame.
    std::vector<OriginRecord> records;
    uint64_t since_ms = 0;
    // Owed: (origin, counter), oldest first, and how far it has been sent.
    std::vector<std::pair<uint64_t, uint64_t>> owed;
    size_t sent = 0;
    // A history_end to send once what is owed has gone (its count).
    bool history_end = false;
    uint16_t history_count = 0;
    // This interval's share (config: *_per_interval), reset with next_digest.
    int summaries_left = 0;
    int digests_left = 0;
  };
  PeerState* Find(PeerId peer);
  void SendSummary(PeerState* p, uint8_t flags, uint64_t now);
  // The peer's whole summary is here: what it lacks of the store is owed.
  void Reckon(PeerState* p);
  void Pace(PeerState* p);
  // Once an interval: gaps that have not moved are given up and said.
  void CheckGaps(uint64_t now);
  std::string NickOf(uint64_t origin) const;

  RepairConfig config_;
  Links* links_;
  Broadcast* broadcast_;
  const Log* log_;
  uint64_t next_check_ = 0;
  uint64_t summaries_in_ = 0;  // complete summaries received, all told
  struct Stale {
    uint64_t node_id, signature, summaries_then;
    int intervals;
  };
  std::vector<Stale> stale_;
  uint64_t since_ms_ = 0;
  uint64_t wall_offset_ = 0;
  uint64_t evictions_seen_ = 0;
  uint64_t last_tick_ = 0;
  bool history_asked_ = false;
  PeerId history_peer_ = kNoPeer;
  std::vector<PeerState> peers_;
  Buffer scratch_;
  RepairCounters counters_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_REPAIR_H_
