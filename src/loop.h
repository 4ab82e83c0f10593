// The node: the only owner of IO. One thread, one poll loop over stdin,
// stdout, the listener and every peer socket.
//
// Each turn: build the poll set from the live tables, wait, then accept, read
// peers, read stdin, and last write: one send per peer and one stdout write
// per turn, so that everything a wake-up produced leaves in one call each.
// Peers are never closed in the middle of a turn: they are marked and reaped
// at its end, so no index or pointer goes stale during dispatch.
#ifndef FLOODCHAT_LOOP_H_
#define FLOODCHAT_LOOP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/buffer.h"
#include "base/diag.h"
#include "crypto/keys.h"
#include "wire/lines.h"
#include "membership/address_book.h"
#include "net/net.h"
#include "options.h"
#include "broadcast/relay.h"

namespace floodchat {

// Bounds and timeouts. Each is written down in the man page; queue_hard,
// stdout_max, connect_ms and handshake_ms are set from the options.
struct Limits {
  size_t read_chunk = 256 * 1024;        // bytes read from a peer per turn
  size_t stdin_chunk = 64 * 1024;        // bytes read from stdin per turn
  size_t queue_soft = 1024 * 1024;       // a queue (peer or stdout) above this pauses input
  size_t queue_hard = 16 * 1024 * 1024;  // a peer's queue above this drops the peer
  uint64_t stall_ms = 1000;  // a queue above queue_soft this long stops pausing input
  // ... and so does one (peer or stdout) above it that nothing was taken from this
  // long: a stopped process or a dead link is given up on sooner.
  uint64_t stopped_ms = 250;
  size_t stdout_max = 4 * 1024 * 1024;   // pending stdout bytes before lines are dropped
  size_t pending_max = 1024 * 1024;      // queued own messages before stdin pauses
  size_t max_refusing = 16;  // inbound connections being refused at once; more are just closed
  uint64_t refuse_linger_ms = 2000;  // time a refused connection gets to read the full frame
  uint64_t connect_ms = 10000;
  uint64_t handshake_ms = 10000;
  uint64_t drain_ms = 5000;  // at exit, time to flush queues and for peers to close
};

struct Peer;

class Node {
 public:
  explicit Node(const Options& options, const Limits& limits = Limits());
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Keyed mode: only peers holding one of these keys are let in (-k). The
  // first is used on connections this node opens. Empty: an open network.
  void SetKeys(std::vector<NetworkKey> keys) { keys_ = std::move(keys); }

  // Runs until stdin ends, /quit, SIGINT or SIGTERM; returns the exit status.
  int Run();

 private:
  enum class Slot { kListener, kStdin, kStdout, kPeer };

  // Diagnostic levels: -q shows kError only, -v shows kDebug too.
  static constexpr int kError = 0;
  static constexpr int kInfo = 1;
  static constexpr int kDebug = 2;

  // A drained buffer keeps up to this much memory for the next burst: freeing
  // and refaulting it on every turn of a busy stream costs more than the copy.
  // Larger ones (after a long backlog or a huge frame) are given back.
  static constexpr size_t kKeepBufferBytes = 2 * 1024 * 1024;

  // A -c or /connect address: the node keeps a connection to it, retrying
  // with backoff for as long as it runs.
  struct Target {
    Endpoint endpoint;
    std::string text;      // HOST:PORT as the user wrote it
    Peer* peer = nullptr;  // the attempt or connection serving it
    uint64_t node_id = 0;  // the node it led to last
    bool self = false;     // it leads to this node: never dialled again
    uint32_t failures = 0;
    uint64_t retry_at = 0;
  };

  bool Start();
  bool StartListening();
  void AddTarget(const Endpoint& endpoint);
  Peer* Dial(std::vector<net::Address> addresses, const std::string& label);
  void DialTarget(size_t index);
  void DialFromBook(const PeerAddress& address);
  void TryNextAddress(Peer* p);
  void OnConnected(Peer* p);
  void AcceptAll();
  void Refuse(net::Socket s, const net::Address& from);
  void AppendRefusal(Buffer* out);

  // The mesh (dial.cc): keeping --peers connections, answering and sending
  // address samples, and what a connection's end teaches the book.
  void Maintain();
  bool WantsConnections() const;
  size_t OpenConnections() const;
  bool NodeConnected(uint64_t node_id) const;
  void SendAddresses(Peer* p, uint8_t flags);
  void OnAddresses(Peer* p, const AddressList& list);
  void OnFull(Peer* p, const AddressList& list);
  bool ResolveDuplicate(Peer* p, uint64_t node_id);
  void Retire(Peer* p, const Peer& kept);
  void Detach(Peer* p);
  std::string BookText(const PeerAddress& a) const;

  void ReadPeer(Peer* p);
  bool OpenRecords(Peer* p);
  void AuthFailed(Peer* p, const char* why);
  void SendHello(Peer* p);
  void ProcessFrames(Peer* p);
  void PrefetchNext(const uint8_t* next, size_t size) const;
  void OnHello(Peer* p, const Hello& hello);
  void OnMessage(Peer* p, const Message& m, uint8_t* frame, size_t frame_size);
  void Enqueue(Peer* p, const uint8_t* bytes, size_t size);
  void FlushPeer(Peer* p);
  void ClosePeer(Peer* p, const std::string& why, int level);
  std::string Who(const Peer& p) const;  // "address (nick)", safe to print

  void ReadStdin();
  void HandleLine(const LineEvent& event);
  void SendText(std::string_view text);
  void PrintMessage(const Message& m);
  void FlushStdout();
  void ShowPeers();
  void ShowStats();

  void BeginDrain();
  bool DrainStep();  // true when the node may exit
  void TrackBacklog(size_t queued, uint64_t* since) const;
  bool HoldsInputBack(size_t queued, uint64_t since, uint64_t progress) const;
  uint64_t BacklogDeadline(uint64_t since, uint64_t progress) const;
  bool InputPaused() const;
  int PollTimeout() const;
  void CheckTimers();
  void Reap();
  size_t LivePeers() const;

  void Say(int level, const char* format, ...) FLOODCHAT_PRINTF(3, 4);

  Options options_;
  Limits limits_;
  std::string nick_;
  size_t max_frame_ = 0;
  size_t max_record_ = 0;  // keyed mode: the longest record accepted
  std::vector<NetworkKey> keys_;
  uint64_t auth_failures_ = 0;
  uint64_t auth_reported_at_ = 0;
  uint64_t auth_unreported_ = 0;  // failures since the last one reported
  Relay relay_;
  uint64_t now_ = 0;

  net::Socket listener_ = net::kNoSocket;
  uint64_t accept_resume_ = 0;  // accept() failed: poll the listener again then
  uint64_t accept_error_reported_ = 0;
  std::vector<std::unique_ptr<Peer>> peers_;
  uint16_t listen_port_ = 0;  // told to peers in the hello; 0 with --no-listen

  std::vector<Target> targets_;
  AddressBook book_;
  Rng rng_;
  uint64_t next_maintain_ = 0;
  uint64_t next_gossip_ = 0;
  uint64_t next_ask_ = 0;
  uint64_t refusals_reported_at_ = 0;
  uint64_t dial_attempts_ = 0;
  uint64_t dial_failures_ = 0;
  uint64_t reconnects_ = 0;
  uint64_t refused_ = 0;

  bool stdin_open_ = true;
  LineSplitter lines_;
  Buffer pending_;  // own messages encoded while no peer was connected
  uint64_t pending_count_ = 0;

  Buffer stdout_;
  bool stdout_ok_ = true;
  uint64_t stdout_backlog_since_ = 0;
  uint64_t stdout_progress_at_ = 0;  // when stdout last took any output
  uint64_t stdout_dropped_ = 0;
  uint64_t stdout_dropped_reported_ = 0;
  uint64_t stdout_report_ms_ = 0;
  uint64_t late_reported_ = 0;  // late duplicates already reported
  uint64_t late_report_ms_ = 0;

  Buffer scratch_;  // one own message, encoded once for every peer
  std::vector<uint8_t> read_buffer_;
  std::vector<net::PollEntry> poll_;
  std::vector<std::pair<Slot, Peer*>> poll_owner_;

  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  bool draining_ = false;
  uint64_t drain_deadline_ = 0;
  int exit_status_ = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_LOOP_H_
