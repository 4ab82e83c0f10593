// Membership: who a node is connected to and who it should dial. It keeps
// the -c and /connect addresses connected (retrying with backoff for as long
// as the node runs), keeps --peers connections open from the address book,
// trades address samples with peers, refuses newcomers past --max-peers, and
// leaves one connection per pair of nodes. Decisions only: it acts through
// Links (dial this, send that frame, retire that connection) and takes the
// time as an argument, so the simulator and the unit tests run it as the
// binary does.
#ifndef FLOODCHAT_MEMBERSHIP_MEMBERSHIP_H_
#define FLOODCHAT_MEMBERSHIP_MEMBERSHIP_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/diag.h"
#include "base/rng.h"
#include "links.h"
#include "membership/address_book.h"
#include "options.h"
#include "status.h"

namespace floodchat {

struct MembershipConfig {
  uint64_t self_id = 0;        // this node's ID
  size_t peers = 5;            // --peers: connections kept open; 0: no automatic dialling
  size_t max_peers = 32;       // --max-peers: connections of every kind
  size_t book_capacity = AddressBook::kDefaultCapacity;
  uint64_t seed = 0;           // for the choices and the jitter
};

struct MembershipCounters {
  uint64_t attempts = 0;    // outbound connections started
  uint64_t failures = 0;    // attempts that did not reach a handshake
  uint64_t reconnects = 0;  // outbound connections to an address connected before
};

class Membership {
 public:
  // Timers: the most time between two Tick()s that have something to do,
  // the gossip period, how often a node short of addresses asks for more,
  // and how often one peer's requests are answered at most.
  static constexpr uint64_t kMaintainMs = 1000;
  static constexpr uint64_t kGossipMs = 30000;  // jittered down by up to half
  static constexpr uint64_t kAskMs = 5000;
  static constexpr uint64_t kAnswerMs = 5000;

  // `links` and `log` outlive this.
  Membership(const MembershipConfig& config, Links* links, const Log* log);

  // Keeps a connection to `endpoint` from now on (-c, /connect); dials it
  // now unless it is already kept.
  void AddTarget(const Endpoint& endpoint, uint64_t now);
  // /disconnect: stops keeping the -c or /connect address `text` (as
  // EndpointText writes it) connected, and any target that led to one of
  // `peers`; retires those connections and the dropped targets' own. Returns
  // how many targets it dropped; *closed gets the connections it retired.
  // The nodes behind those connections are not dialled from the address book
  // afterwards; they may still dial this node.
  size_t Disconnect(const std::string& text, const std::vector<PeerId>& peers, uint64_t now,
                    std::vector<PeerId>* closed);

  // Connection events, as LinkEvents describes them.
  bool OnAccepted(PeerId peer, uint64_t now);
  void AppendRefusal(Buffer* out, uint64_t now);
  // A hello arrived on `peer`. When another connection to the same node is
  // live, the duplicate rule (address_book.h, ChooseConnection) retires one
  // of them: kRetire if it is this one, or kLive with *retired naming the
  // other one, which has been retired.
  UpVerdict OnPeerUp(PeerId peer, const PeerUp& up, uint64_t now, PeerId* retired);
  Level OnRefusedFull(PeerId peer, const AddressList& offer, uint64_t now, std::string* why);
  void OnPeerDown(PeerId peer, const std::string& last_error, uint64_t now);
  // An addresses frame from a live peer: new addresses for the book, and an
  // answer if it asked (at most every kAnswerMs per peer).
  void OnAddresses(PeerId peer, const AddressList& list, uint64_t now);

  // Dials what is due, asks for addresses while short of them, gossips.
  // `need_peer`: own messages wait for a first peer (while leaving, only
  // they justify a new connection).
  void Tick(uint64_t now, bool need_peer);
  uint64_t NextWake() const { return lonely_at_ < next_maintain_ ? lonely_at_ : next_maintain_; }
  // The node is leaving: nothing new is dialled unless `need_peer`, and
  // connection failures it causes itself are not counted.
  void BeginDrain(uint64_t now);
  // Whether a -c or /connect address (or, with --peers, a known address) is
  // still there to be tried: a leaving node with messages to send waits for
  // it, up to its drain time. Retries while leaving come every
  // kLeavingRetryMs at most.
  bool StillTrying() const;
  static constexpr uint64_t kLeavingRetryMs = 500;
  // A -c or /connect address failing this many times in a row is said again.
  static constexpr uint32_t kUnreachableAfter = 5;
  // The last peer gone is said when no other has come within this time (a
  // duplicate closed by the other end while its twin is being set up is not
  // news).
  static constexpr uint64_t kLonelyNoticeMs = 2000;

  // Connections that count against --peers and --max-peers: attempts under
  // way, handshakes and live ones, not those being retired.
  size_t OpenConnections() const;
  size_t LiveConnections() const;
  std::vector<WaitingTarget> WaitingTargets(uint64_t now) const;
  const AddressBook& book() const { return book_; }
  const MembershipCounters& counters() const { return counters_; }

 private:
  // A -c or /connect address.
  struct Target {
    Endpoint endpoint;
    std::string text;         // HOST:PORT as the user wrote it
    PeerId peer = kNoPeer;    // the attempt or connection serving it
    uint64_t node_id = 0;     // the node it led to last
    bool self = false;        // it leads to this node: never dialled again
    bool dropped = false;     // /disconnect: no longer kept (until /connect again)
    uint32_t failures = 0;
    uint64_t retry_at = 0;
  };
  // How a connection that never went live, or stopped being used, ended;
  // decides what the book and a target learn from it.
  enum class End { kNormal, kSelf, kDuplicate, kFull };
  // A connection as membership sees it, from its start to OnPeerDown.
  struct Link {
    PeerId id = kNoPeer;
    bool outbound = false;
    bool live = false;       // its hello arrived and it was kept
    int target = -1;         // its index in targets_, for a -c or /connect dial
    bool from_book = false;  // dialled from the book
    PeerAddress address;     // what it stands for in the book (family 0: nothing)
    uint64_t node_id = 0;
    bool in_book = false;    // counted as a connection of `address` in the book
    bool detached = false;   // the book and targets no longer count it
    End end = End::kNormal;
    bool answered = false;     // a request for addresses was answered...
    uint64_t answered_at = 0;  // ...at this time, the last time
  };

  Link* Find(PeerId peer);
  bool WantsConnections() const;
  bool NodeConnected(uint64_t node_id) const;
  bool Shunned(uint64_t node_id) const;
  uint64_t RetryWait(uint32_t failures);
  void ReportFailure(const Target& t, const std::string& error, uint64_t wait, bool is_error);
  void DialTarget(size_t index, uint64_t now);
  void DialFromBook(const PeerAddress& address, uint64_t now);
  void SendAddresses(const Link& link, uint8_t flags, uint64_t now);
  void Retire(Link* link, const Link& kept, uint64_t now);
  void Detach(Link* link, const std::string& last_error, uint64_t now);

  MembershipConfig config_;
  Links* links_;
  const Log* log_;
  AddressBook book_;
  Rng rng_;
  std::vector<Target> targets_;
  std::vector<Link> links_table_;  // unordered; a few dozen at most
  // Nodes closed by /disconnect, oldest first: never picked from the address
  // book (a -c or /connect names them again). At most kMaxShunned.
  static constexpr size_t kMaxShunned = 64;
  std::vector<uint64_t> shunned_;
  uint64_t lonely_at_ = UINT64_MAX;  // when to say the last peer is gone
  MembershipCounters counters_;
  uint64_t next_maintain_ = 0;
  uint64_t next_gossip_ = 0;
  uint64_t next_ask_ = 0;
  bool draining_ = false;
};

}  // namespace floodchat

#endif  // FLOODCHAT_MEMBERSHIP_MEMBERSHIP_H_
