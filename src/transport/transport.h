// The transport: a node's connections. It listens, accepts, dials, runs the
// hello and (keyed mode) the key exchange and records, queues frames per peer
// with backpressure, writes them when sockets are writable, and closes and
// reaps connections. It is the only part besides the platform layer that
// knows sockets. The policies reach it as Links; it tells them what happens
// through LinkEvents (links.h).
//
// Keepalives: a live connection on which nothing has been written for
// limits.keepalive_ms is sent a keepalive frame, so each end hears from the
// other at least that often, whichever way the data flows (a keepalive that
// had to be answered would wait behind a slow link's queue). One on which
// nothing has arrived for kSilentKeepalives times as long is closed: a peer
// that vanished without closing frees its place.
//
// The loop (node.h) drives it in phases each turn: Reap, FillPoll, Poll,
// HandlePoll, Flush, CheckTimers. Connections are closed in those phases,
// never inside a Links call, and reaped at the start of the next turn, so no
// pointer or index goes stale while a turn dispatches.
#ifndef FLOODCHAT_TRANSPORT_TRANSPORT_H_
#define FLOODCHAT_TRANSPORT_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/diag.h"
#include "base/throttle.h"
#include "crypto/keys.h"
#include "node_limits.h"
#include "links.h"
#include "net/net.h"
#include "options.h"
#include "status.h"

namespace floodchat {

struct Peer;

// Who this node is, as its hellos say: owned by the node, read by the
// transport whenever it sends a hello (a /nick applies to later ones).
struct Identity {
  uint64_t node_id = 0;
  std::string nick;
};

struct TransportConfig {
  Limits limits;
  size_t max_text = 65536;  // --max-size: frames are bounded by it
  size_t max_peers = 32;    // --max-peers, for the refusal's diagnostic
};

struct TransportCounters {
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t refused = 0;      // inbound connections refused over --max-peers
  uint64_t auth_failed = 0;  // keyed: peers with another key, no key, or a bad record
  uint64_t shed_bytes = 0;   // queued for peers dropped at --queue-max, and discarded
};

class Transport : public Links {
 public:
  // `identity`, `keys` (empty: an open network), `events` and `log` outlive
  // the transport.
  Transport(const TransportConfig& config, const Identity* identity,
            const std::vector<NetworkKey>* keys, LinkEvents* events, const Log* log);
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Listens on `at`; with `explicit_port` false a busy port moves on to the
  // next of kDefaultPortTries. Prints the "listening on" line.
  bool Listen(const Endpoint& at, bool explicit_port);

  // ---- Links
  PeerId DialHost(const Endpoint& endpoint, std::string* error) override;
  PeerId DialAddress(const PeerAddress& address) override;
  void Send(PeerId peer, const uint8_t* frames, size_t size) override;
  size_t Queued(PeerId peer) const override;
  void Retire(PeerId peer) override;
  std::string Describe(PeerId peer) const override;
  void NeighbourNick(PeerId peer, std::string_view nick) override;

  // ---- the loop's phases
  // The time the Links calls that follow take as now (each phase below sets
  // it too).
  void SetTime(uint64_t now);
  // Frees what was closed last turn.
  void Reap();
  // Appends the listener's and every connection's poll entries. With
  // `paused` (some queue holds input back) live peers are not read.
  void FillPoll(std::vector<net::PollEntry>* poll, bool paused, uint64_t now);
  // Handles the results of those entries, `entries` pointing at the first.
  void HandlePoll(const net::PollEntry* entries, uint64_t now);
  // Seals and sends what is queued; shuts and closes ending connections.
  void Flush(uint64_t now);
  // Connect, handshake and closing deadlines; connections doomed this turn.
  void CheckTimers(uint64_t now);
  // Some peer's queue holds input back (base/backlog.h).
  bool HoldsInputBack(uint64_t now) const;
  // The earliest deadline of the above, UINT64_MAX if none.
  uint64_t NextWake(uint64_t now) const;

  // Leaving: stops listening; from now on live peers' input is read only to
  // see them close.
  void BeginDrain();
  // One step of leaving in order: a live peer whose queue is out is shut for
  // sending, and with `keep_connecting` false the others are closed. True
  // when no connection is left open.
  bool DrainStep(bool keep_connecting, uint64_t now);
  // At exit: says which peers still had bytes queued.
  void ReportUnsent() const;
  void CloseAll();

  // ---- views
  size_t LivePeers() const;
  // A live connection that the other end closes while another is being set
  // up is said after this long, unless a connection to the same node comes
  // up meanwhile (a duplicate the other end closed in favour of its twin):
  // then only with -v.
  static constexpr uint64_t kChurnGraceMs = 1500;
  static constexpr uint64_t kSilentKeepalives = 3;
  std::vector<PeerRow> Rows() const;
  const TransportCounters& counters() const { return counters_; }
  uint16_t listen_port() const { return listen_port_; }

 private:
  Peer* Find(PeerId id) const;
  Peer* NewPeer();
  PeerId Dial(std::vector<net::Address> addresses, const std::string& label,
              const PeerAddress& address);
  void TryNextAddress(Peer* p, uint64_t now);
  void OnConnected(Peer* p, uint64_t now);
  void AcceptAll(uint64_t now);
  void Refuse(net::Socket s, const net::Address& from, uint64_t now);
  void ClosePeer(Peer* p, const std::string& why, Level level, uint64_t now);
  // The level to say `line` at: kDebug for a repeat within RepeatFilter's
  // minute; otherwise `level`, and `line` then tells how many were held back.
  Level Quieted(std::string* line, Level level, uint64_t now);
  // Another live connection leads to p's node (one being retired counts only
  // with `count_retiring`).
  bool AlsoConnected(const Peer& p, bool count_retiring) const;
  // A connection to node_id closed as churn within kChurnMs, or one whose
  // closing is still deferred (then said now, with -v only): a connection to
  // that node coming up is not news.
  bool ClosedAsChurn(uint64_t node_id, uint64_t now);
  // Some connection is being dialled or is in its handshake.
  bool SettingUp() const;
  // A live connection whose silence is watched (--keepalive): one that is
  // being closed in order has its own deadline.
  bool KeptAlive(const Peer& p) const;
  // Says the deferred closings that are due.
  void SayDeferred(uint64_t now);
  static constexpr uint64_t kChurnMs = 5000;
  static constexpr size_t kChurnSlots = 8;
  static constexpr size_t kMaxDeferred = 64;  // beyond, closings are said at once
  std::vector<std::pair<uint64_t, uint64_t>> churn_;  // node ID, when; oldest first
  struct DeferredClose {
    uint64_t node_id;
    std::string text;  // "WHO: why"
    uint64_t at;       // said then
  };
  std::vector<DeferredClose> deferred_;
  void EnterRefusing(Peer* p, uint64_t now);
  void ReadPeer(Peer* p, uint64_t now);
  void ProcessFrames(Peer* p, uint64_t now);
  bool ProcessOpening(Peer* p, const Frame& f, uint64_t now);
  void FlushPeer(Peer* p, uint64_t now);
  void AppendOwnHello(Buffer* out) const;
  std::string Who(const Peer& p) const;
  // Keyed mode (transport_keyed.cc).
  bool StartSession(Peer* p, uint64_t now);
  bool OpenRecords(Peer* p, uint64_t now);
  void AuthFailed(Peer* p, const char* why, uint64_t now);
  bool SealQueued(Peer* p, uint64_t now);

  Limits limits_;
  size_t max_peers_;
  const Identity* identity_;
  const std::vector<NetworkKey>* keys_;
  size_t max_frame_;
  size_t max_record_;
  LinkEvents* events_;
  const Log* log_;

  net::Socket listener_ = net::kNoSocket;
  uint16_t listen_port_ = 0;     // told to peers in the hello; 0 when not listening
  uint64_t accept_resume_ = 0;   // accept() failed: poll the listener again then
  ReportThrottle accept_errors_;
  ReportThrottle refusals_{RepeatFilter::kIntervalMs};  // over --max-peers
  // Failures of the same kind before a connection is up (a refused key, a
  // handshake timeout, a failed authentication), said once a minute.
  RepeatFilter repeats_;

  std::vector<std::unique_ptr<Peer>> peers_;  // in the order they were made
  // PeerId -> Peer: the low 16 bits of an id are its slot here, the high
  // bits count the slot's uses, so a stale id finds nothing.
  std::vector<Peer*> slots_;
  std::vector<uint16_t> generations_;
  std::vector<uint32_t> free_slots_;
  std::vector<Peer*> polled_;  // the peer of each poll entry after the listener's
  bool listener_polled_ = false;
  std::vector<uint8_t> read_buffer_;
  bool draining_ = false;
  uint64_t now_ = 0;
  TransportCounters counters_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_TRANSPORT_TRANSPORT_H_
