// The broadcast tree (Plumtree: Leitão, Pereira and Rodrigues, "Epidemic
// Broadcast Trees", SRDS 2007): each link is eager (messages go on it whole)
// or lazy (only their IDs go on it, in ihave frames batched over a short
// window). Every link starts eager, so a new network floods; a node that
// receives a message it has already seen over an eager link prunes that
// link to lazy (unless no other link would still send it messages whole),
// and what is left eager is a spanning tree. An ID announced
// on a lazy link whose message has not come within a wait is grafted from
// the announcer that had it in the fewest hops: the link turns eager again
// and the announcer sends the message from its store; if that answer does
// not come either, the next announcer is asked. So a
// lost eager link (a peer gone) is repaired by the next message's
// announcements, and anti-entropy (repair.h) stays the backstop. A link has
// a direction in each tree: a peer that grafted an origin from this node
// keeps getting its messages whole until it prunes, whatever copies it
// sends back, so that a repair is not undone by the next copy the other way.
//
// Each origin (the node a message comes from) gets a tree of its own: a
// link's state is kept per origin, for up to kMaxOrigins origins and
// kSlots links, so that with many senders each message follows its own
// origin's first-arrival tree rather than one tree shared by all, whose
// paths would be long for most of them. A prune names the origin; a graft
// names a message, hence its origin. A new origin's tree starts as a copy
// of a model, the tree of another origin heard from in the last two
// minutes: the lowest origin whose tree is 10 s old, else the oldest tree
// (so that it does not start by flooding, and is one tree network-wide: all
// nodes hold that origin's). A link also has a shared state, the last one
// any origin set, which /peers shows and a new tree starts from when there
// is no model. A tree made without a model forms: each link gets its first
// message whole, and holds back the next ones until its peer says this node
// is its way in that tree (then they go, whole and in order) or prunes it,
// so that a burst on a new network is not flooded while the prunes are on
// their way (Hold).
//
// The wait is derived from what was measured: the graft round trip of the
// link, and how late a pushed message comes after its first announcement
// (the lag): max(2 x round trip, 1.25 x lag) + 50 ms, within [floor,
// ceiling]. A lazy link that announces messages several hops sooner than
// the eager one delivered them is swapped for it (at most once a second a
// link). A peer that never said it runs the tree (wire/tree.h) is always
// eager: a flood node between tree nodes gets and gives every message whole.
//
// Memory is bounded: kMaxMissing announced IDs awaited (a quarter of them
// at most first announced by any one peer), kRecent recent deliveries
// remembered for swapping, and the ihave entries of one window. What a
// link announces past those bounds is not dropped: its counters are kept as
// a span (an origin's counters are consecutive), awaited in turn as room
// comes, so that a burst announced faster than it is pushed is grafted
// whole rather than left to anti-entropy.
#ifndef FLOODCHAT_BROADCAST_TREE_H_
#define FLOODCHAT_BROADCAST_TREE_H_

#include <cstdint>
#include <queue>
#include <vector>

#include "base/buffer.h"
#include "base/diag.h"
#include "broadcast/broadcast.h"
#include "broadcast/pending.h"
#include "broadcast/flood.h"
#include "broadcast/id_map.h"
#include "broadcast/relay.h"
#include "broadcast/span.h"
#include "links.h"
#include "wire/tree.h"

namespace floodchat {

struct TreeConfig {
  uint64_t ihave_window_ms = 10;  // announcements to a lazy link wait this long to be batched
  uint64_t graft_floor_ms = 100;
  uint64_t graft_ceiling_ms = 2000;
  uint8_t swap_hops = 4;  // a lazy link this many hops shorter replaces the eager one (0: never)
  bool own_to_all = false;  // this node's own messages go whole to every link
};

// What the tree did, for /stats.
struct TreeCounters {
  uint64_t ihave_frames = 0, ihave_ids = 0;
  uint64_t grafts = 0;      // graft frames sent (fetching or not)
  uint64_t prunes = 0;      // prune frames sent
  uint64_t graft_answers = 0;
  uint64_t swaps = 0;
  uint64_t trees_evicted = 0;  // origins' trees dropped for a newer origin's
};

class Tree : public Broadcast {
 public:
  // `links`, `sink` and `log` outlive the policy.
  Tree(Links* links, MessageSink* sink, const Log* log)
      : links_(links), sink_(sink), log_(log) {}

  // Grafts are answered from the store (config.store_bytes, which should
  // not be 0: a node without a store floods). False if the memory cannot be
  // had.
  bool Init(const FloodConfig& config, const TreeConfig& tree);

  Message Originate(std::string_view nick, std::string_view text, uint64_t now) override;
  bool Announce(std::string_view nick, std::string_view event, bool keep_if_alone,
                uint64_t now) override;
  void OnMessage(PeerId from, const Message& message, uint8_t* frame, size_t frame_size,
                 uint64_t now, Via via = Via::kPush) override;
  void OnPeerUp(PeerId peer, uint64_t now) override;
  void OnPeerDown(PeerId peer, uint64_t now) override;
  void SetWallOffset(uint64_t offset) override { wall_offset_ = offset; }
  void Tick(uint64_t now) override;
  uint64_t NextWake() const override;
  void Prefetch(const MessageId& id) const override { relay_.Prefetch(id); }

  size_t PendingBytes() const override { return pending_.bytes(); }
  uint64_t PendingMessages() const override { return pending_.messages(); }
  uint64_t PendingSince() const override { return pending_.Since(relay_.store().next_seq()); }
  BroadcastCounters counters() const override;
  const DedupRing& seen() const override { return relay_.seen(); }
  const OriginTable& origins() const override { return relay_.origins(); }
  uint64_t SettleGaps(uint64_t node_id) override { return relay_.SettleGaps(node_id); }
  const MessageStore& store() const override { return relay_.store(); }

  // The tree's frames from a peer (wire/tree.h); false and *why when one is
  // malformed.
  bool OnIhave(PeerId from, const Frame& frame, uint64_t now, const char** why);
  bool OnGraft(PeerId from, const Frame& frame, uint64_t now, const char** why);
  bool OnPrune(PeerId from, const Frame& frame, uint64_t now, const char** why);
  bool OnTreeFrame(PeerId from, const Frame& frame, uint64_t now, const char** why);

  const TreeCounters& tree_counters() const { return tree_counters_; }
  // A link's state: "eager", "lazy", or "flood" (a peer that does not run
  // the tree); null for no such link.
  const char* LinkState(PeerId peer) const;
  size_t eager_count() const;
  size_t lazy_count() const;
  // The wait before grafting an ID `peer` announced, now.
  uint64_t GraftWait(PeerId peer) const;

  static constexpr size_t kMaxOrigins = 256;
  static constexpr size_t kSlots = 64;
  static constexpr uint8_t kNoSlot = 255;
  static constexpr size_t kMaxMissing = 8192;
  // One peer's first announcements take at most this share of them, so a
  // peer that announces what does not exist cannot crowd out the others.
  static constexpr size_t kMaxMissingPerPeer = kMaxMissing / 4;
  static constexpr size_t kMaxAnnouncers = 4;
  // The counters a link announced past the bounds are kept as one span of
  // one origin, at most this long; more are left to anti-entropy.
  static constexpr uint64_t kMaxUntracked = 65536;
  static constexpr size_t kRecent = 256;
  static constexpr uint64_t kSwapIntervalMs = 1000;
  static constexpr uint64_t kRepruneMs = 50;
  // At most this many counters held back on a link (Hold).
  static constexpr uint64_t kMaxHeld = 4096;
  // A tree whose origin was not heard from for this long is no model for a
  // new origin's (TreeOf): past three presence heartbeats (30 s each), the
  // origin is likely gone and its tree stale. One this old has formed.
  static constexpr uint64_t kModelIdleMs = 120000;
  static constexpr uint64_t kModelAgeMs = 10000;
  // A graft is answered only while the asker's queue is below this, and
  // with at most this many bytes a second to one peer.
  static constexpr size_t kAnswerQueueLimit = size_t{1} << 20;
  static constexpr size_t kAnswerBytesPerSecond = size_t{4} << 20;

 private:
  struct Link {
    PeerId id = kNoPeer;
    bool tree = false;   // it said it runs the tree
    bool eager = true;   // the shared state
    uint8_t slot = kNoSlot;  // its bit in the origins' trees; kNoSlot: shared state only
    uint64_t rtt_ms = 0;  // graft round trip, smoothed; 0: none measured
    uint64_t swapped_at = 0;  // 0: never
    uint64_t repruned_origin = 0, repruned_at = 0;  // the last prune said again
    uint64_t answer_second = 0;  // graft answers: bytes sent since then
    size_t answer_bytes = 0;
    std::vector<uint8_t> ihave;  // entries waiting for the window to end
    size_t awaited = 0;  // IDs awaited that it announced first
    // Counters of one origin it announced past the bounds of what is
    // awaited, the span untracked: awaited in their turn as room
    // comes (Refill).
    bool untracked = false;
    uint64_t untracked_origin = 0;
    CounterSpan untracked_span;
    size_t ihave_count = 0;
    // The counters of one forming tree's origin held back from it, until
    // hold_until at the latest (Hold).
    bool holding = false;
    bool held_once = false;  // hold_origin's messages: held already, so not again
    uint64_t hold_origin = 0, hold_until = 0;
    CounterSpan held;
  };
  struct Missing {
    uint64_t first_ms = 0;  // when it was first announced
    uint64_t deadline = 0;
    PeerId announcers[kMaxAnnouncers] = {};  // [0]: the first, whose share it takes
    uint8_t hops[kMaxAnnouncers] = {};       // as each announced it (255: not said)
    uint8_t count = 0, asked = 0;            // asked: a bit per announcer
    PeerId grafted_from = kNoPeer;
    uint64_t grafted_at = 0;
  };
  // An origin's tree, a bit per link slot in each mask. It has a direction:
  // what this node sends a link (lazy) and what the link sends it (quiet)
  // may differ.
  struct OriginTree {
    uint64_t lazy = 0;   // the links sent its messages as announcements only
    uint64_t quiet = 0;  // the links that send them here so, as far as known
    // The links this node grafted (asked for its messages whole), and the
    // links that grafted from this node, each since its last prune.
    uint64_t asked = 0, grafted = 0;
    // The links its messages have crossed (whole or announced): on the
    // others, which came up since, its state says nothing yet.
    uint64_t crossed = 0;
    uint64_t used_at = 0;
    uint64_t created_at = 0;  // for choosing the model of new ones (TreeOf)
    // Made without a model: it forms (Hold). The links given one of its
    // messages whole.
    bool forming = false;
    uint64_t pushed = 0;
  };
  struct Recent {
    MessageId id{};
    PeerId from = kNoPeer;
    uint8_t hops = 0;
    bool used = false;
  };
  using Timer = std::pair<uint64_t, MessageId>;  // deadline, ID
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const { return a.first > b.first; }
  };

  // The tree of `origin`, or null; with `create`, one copied from a model
  // tree, or made from the links' shared states (the least recently used
  // goes when the table is full).
  OriginTree* TreeOf(uint64_t origin, uint64_t now, bool create);
  // The tree a new origin's starts as a copy of, or null.
  const OriginTree* Model(uint64_t now) const;
  // Whether `l` gets `t`'s origin's messages as announcements only (t null:
  // by the shared state).
  static bool LazyFor(const Link& l, const OriginTree* t) { return StateFor(l, t, &OriginTree::lazy); }
  // Whether `l` sends `t`'s origin's messages here as announcements only,
  // as far as this node knows (t null: by the shared state).
  static bool QuietFor(const Link& l, const OriginTree* t) {
    return StateFor(l, t, &OriginTree::quiet);
  }
  static bool StateFor(const Link& l, const OriginTree* t, uint64_t OriginTree::*mask);
  // Whether `l` holds back message `counter` of `t`'s origin (Hold), and if
  // so, notes it.
  bool Hold(Link* l, OriginTree* t, uint64_t origin, uint64_t counter, uint64_t now);
  // Sends `l` what it holds back, whole and in order, from the store.
  void Release(Link* l);
  // Sets `l` lazy or eager for `origin` (if this node knows that origin),
  // and as the shared state.
  void SetState(Link* l, uint64_t origin, bool lazy, uint64_t now);
  // Sets or clears `l`'s bit in one of the masks of `origin`'s tree.
  void SetBit(Link* l, uint64_t origin, uint64_t OriginTree::*mask, bool on, uint64_t now);
  static bool BitOf(const Link& l, const OriginTree* t, uint64_t OriginTree::*mask) {
    return t != nullptr && l.slot != kNoSlot && (t->*mask >> l.slot & 1) != 0;
  }
  // This node asks `l` for `origin`'s messages whole (with a graft, sent by
  // the caller), and sends it them whole too.
  void AskWhole(Link* l, uint64_t origin, uint64_t now);
  // This node prunes `l` for `origin`, and (`lazy_too`) sends it only
  // announcements of them from now on.
  void AskAnnounced(Link* l, uint64_t origin, bool lazy_too, uint64_t now);
  // `origin`'s tree, made if this node knows that origin (SetState).
  OriginTree* KnownTree(uint64_t origin, uint64_t now);
  // KnownTree, or null for a link without a slot in the trees.
  OriginTree* SlotTree(const Link& l, uint64_t origin, uint64_t now);
  // Sets or clears `l`'s bit (it has a slot) in one of `t`'s masks.
  static void Put(OriginTree* t, uint64_t OriginTree::*mask, const Link& l, bool on);
  Link* Find(PeerId peer);
  const Link* Find(PeerId peer) const;
  // Sends a message frame to the eager links (every link if `all`) but
  // `except`, and queues its ID for the lazy ones.
  void Spread(const Message& m, uint8_t hops, const uint8_t* frame, size_t size, PeerId except,
              bool all, uint64_t now);
  void Originated(const Message& m, uint64_t now);
  void FlushIhave(Link* link);
  void Expire(const MessageId& id, Missing* miss, uint64_t now);
  // Stops awaiting `id`.
  void Forget(const MessageId& id, const Missing& miss);
  // Starts awaiting `id`, announced first by `l` at `hops`; false if there
  // is no room.
  bool Await(Link* l, const MessageId& id, uint8_t hops, uint64_t now);
  static void AddAnnouncer(Missing* miss, PeerId peer, uint8_t hops);
  // Notes an ID `l` announced that there was no room to await.
  static void NoteUntracked(Link* l, const MessageId& id);
  // Awaits what `l` announced past the bounds, as far as there is room now.
  void Refill(Link* l, uint64_t now);
  // Whether an announced ID is had already.
  bool Had(const MessageId& id) const;
  void SendControl(PeerId peer, uint8_t type);
  void SendPrune(PeerId peer, uint64_t origin);
  void SendGraft(PeerId peer, uint8_t flags, const MessageId& id);
  Recent& RecentSlot(const MessageId& id);
  // A link other than `peer`'s sends `t`'s origin's messages whole (eager,
  // or flooding).
  bool AnotherPusher(PeerId peer, const OriginTree* t) const;
  // Not swapped in the last kSwapIntervalMs.
  bool Settled(const Link& l, uint64_t now) const;

  Links* links_;
  MessageSink* sink_;
  const Log* log_;
  TreeConfig tree_;
  uint8_t hop_limit_ = 64;
  uint64_t own_id_ = 0;
  uint64_t wall_offset_ = 0;
  Relay relay_;
  std::vector<Link> links_up_;  // in the order they came up
  PendingOwn pending_;
  Buffer scratch_;  // one own message, encoded once for every peer
  Buffer control_;  // a tree frame, or a graft's answer
  uint64_t payload_sends_ = 0;
  uint64_t ihave_due_ = UINT64_MAX;  // when the oldest waiting entries go
  uint64_t hold_due_ = UINT64_MAX;   // when a link's hold ends at the latest
  uint64_t lag_ms_ = 0;              // smoothed; 0: none measured
  bool refill_due_ = false;          // room came while a link has untracked IDs
  IdMap<Missing> missing_{0, kMaxMissing};
  IdMap<OriginTree> trees_{0, kMaxOrigins};  // keyed by (origin, 0)
  uint64_t slots_used_ = 0;
  std::priority_queue<Timer, std::vector<Timer>, Later> timers_;
  std::vector<Recent> recent_;
  TreeCounters tree_counters_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_TREE_H_
