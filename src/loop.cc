#include "loop.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "command.h"
#include "format.h"
#include "frame.h"

namespace floodchat {

struct Peer {
  enum class State { kConnecting, kHandshake, kLive };

  net::Socket socket = net::kNoSocket;
  State state = State::kConnecting;
  bool outbound = false;
  std::string label;   // numeric address, or what -c named until connected
  std::string target;  // outbound: HOST:PORT as the user wrote it
  std::vector<net::Address> addresses;  // outbound: left to try
  size_t next_address = 0;
  std::string last_error;

  uint64_t node_id = 0;
  std::string nick;  // as the peer sent it: show it through Who()
  Buffer in;
  Buffer out;
  uint64_t deadline = 0;  // connect or handshake deadline
  uint64_t backlog_since = 0;  // when `out` went over queue_soft; 0 if not over
  bool write_shut = false;
  bool closing = false;
};

namespace {

const char* StateName(const Peer& p) {
  switch (p.state) {
    case Peer::State::kConnecting: return "connecting";
    case Peer::State::kHandshake: return "handshake";
    case Peer::State::kLive: return p.outbound ? "outbound" : "inbound";
  }
  return "?";
}

// Diagnostic levels: -q shows kError only, -v shows kDebug too.
constexpr int kError = 0;
constexpr int kInfo = 1;
constexpr int kDebug = 2;

// How long the listener rests after accept() failed (e.g. no descriptors).
constexpr uint64_t kAcceptPauseMs = 100;

// The longest stdin line read as a command whatever --max-size says.
constexpr size_t kMaxCommandLine = 4096;

// A drained buffer keeps up to this much memory for the next burst: freeing
// and refaulting it on every turn of a busy stream costs more than the copy.
// Larger ones (after a long backlog or a huge frame) are given back.
constexpr size_t kKeepBufferBytes = 2 * 1024 * 1024;

}  // namespace

Node::Node(const Options& options, const Limits& limits)
    : options_(options),
      limits_(limits),
      nick_(options.nick),
      // Commands may be longer than a small --max-size; messages are checked
      // against it when they are sent.
      lines_(options.max_size + 1 > kMaxCommandLine ? options.max_size + 1 : kMaxCommandLine) {}

Node::~Node() {
  for (auto& p : peers_) net::Close(p->socket);
  net::Close(listener_);
}

void Node::Say(int level, const char* format, ...) {
  if (level > options_.verbosity) return;
  char line[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof line, format, args);
  va_end(args);
  fprintf(stderr, "floodchat: %s\n", line);
}

size_t Node::LivePeers() const {
  size_t n = 0;
  for (const auto& p : peers_)
    if (p->state == Peer::State::kLive && !p->closing) ++n;
  return n;
}

// ---- start-up ---------------------------------------------------------------

bool Node::Start() {
  uint64_t seeds[4];
  if (!net::RandomBytes(seeds, sizeof seeds)) {
    Say(kError, "random source: unavailable");
    return false;
  }
  if (!relay_.Init(options_.seen, seeds[0], seeds[1], seeds[2], seeds[3])) {
    Say(kError, "--seen %zu: cannot allocate the table", options_.seen);
    return false;
  }
  max_frame_ = MaxFrameLength(options_.max_size);
  read_buffer_.resize(limits_.stdin_chunk);
  if (options_.listen && !StartListening()) return false;
  now_ = net::NowMs();
  for (const Endpoint& e : options_.connect) StartConnect(e);
  if (options_.relay) stdin_open_ = false;
  return true;
}

bool Node::StartListening() {
  const Endpoint& at = options_.listen_at;
  int tries = options_.listen_explicit ? 1 : kDefaultPortTries;
  std::string error;
  for (int i = 0; i < tries; ++i) {
    uint32_t port = at.port + static_cast<uint32_t>(i);
    if (port > 65535) break;
    std::vector<net::Address> addresses;
    if (!net::Resolve(at.host, static_cast<uint16_t>(port), true, &addresses, &error)) {
      Say(kError, "listen on %s: %s", EndpointText(at).c_str(), error.c_str());
      return false;
    }
    bool in_use = false;
    listener_ = net::Listen(addresses[0], &in_use, &error);
    if (listener_ != net::kNoSocket) break;
    if (!in_use || options_.listen_explicit) {
      Say(kError, "listen on %s: %s", EndpointText({at.host, static_cast<uint16_t>(port)}).c_str(),
          error.c_str());
      return false;
    }
  }
  if (listener_ == net::kNoSocket) {
    Say(kError, "listen on %s: ports %u to %u are all in use", at.host.c_str(), at.port,
        at.port + kDefaultPortTries - 1);
    return false;
  }
  net::Address local;
  std::string shown = EndpointText(at);
  if (net::LocalAddress(listener_, &local)) shown = net::AddressText(local);
  // Always printed, even with -q: scripts and tests read the port from it.
  fprintf(stderr, "floodchat: listening on %s\n", shown.c_str());
  return true;
}

// ---- connections --------------------------------------------------------------

void Node::StartConnect(const Endpoint& endpoint) {
  std::string target = EndpointText(endpoint);
  if (peers_.size() >= limits_.max_peers) {
    Say(kError, "connect to %s: already %zu connections", target.c_str(), peers_.size());
    return;
  }
  auto p = std::make_unique<Peer>();
  std::string error;
  // Name resolution blocks the loop for as long as the resolver takes; the
  // man page says so. Numeric addresses return at once.
  if (!net::Resolve(endpoint.host, endpoint.port, false, &p->addresses, &error)) {
    Say(kError, "connect to %s: %s", target.c_str(), error.c_str());
    return;
  }
  p->outbound = true;
  p->target = target;
  p->label = target;
  Peer* raw = p.get();
  peers_.push_back(std::move(p));
  TryNextAddress(raw);
}

// Tries the outbound peer's remaining addresses in resolver order until one
// connects or is in progress; closes the peer when none is left.
void Node::TryNextAddress(Peer* p) {
  while (p->next_address < p->addresses.size()) {
    const net::Address& a = p->addresses[p->next_address++];
    net::Close(p->socket);
    p->socket = net::kNoSocket;
    std::string error;
    net::Io r = net::Connect(a, &p->socket, &error);
    if (r == net::Io::kDone) {
      OnConnected(p);
      return;
    }
    if (r == net::Io::kWouldBlock) {
      p->state = Peer::State::kConnecting;
      p->deadline = now_ + limits_.connect_ms;
      return;
    }
    p->last_error = error;
  }
  Say(kError, "connect to %s: %s", p->target.c_str(),
      p->last_error.empty() ? "failed" : p->last_error.c_str());
  ClosePeer(p, "", kDebug);
}

void Node::OnConnected(Peer* p) {
  if (p->outbound) p->label = net::AddressText(p->addresses[p->next_address - 1]);
  p->state = Peer::State::kHandshake;
  p->deadline = now_ + limits_.handshake_ms;
  AppendHello(relay_.node_id(), nick_, &p->out);
  Say(kDebug, "%s: %s, sent hello", p->label.c_str(), p->outbound ? "connected" : "accepted");
}

void Node::AcceptAll() {
  // A bounded number per turn, so a connection storm cannot starve the peers.
  for (int i = 0; i < 64; ++i) {
    net::Socket s;
    net::Address from;
    std::string error;
    net::Io r = net::Accept(listener_, &s, &from, &error);
    if (r == net::Io::kWouldBlock) return;
    if (r != net::Io::kDone) {
      // Typically out of file descriptors. The listener stays readable, so
      // stop polling it for a while rather than spin; say so once a second.
      accept_resume_ = now_ + kAcceptPauseMs;
      if (now_ >= accept_error_reported_ + 1000) {
        Say(kError, "accept: %s; not accepting for %llu ms", error.c_str(),
            static_cast<unsigned long long>(kAcceptPauseMs));
        accept_error_reported_ = now_;
      }
      return;
    }
    if (peers_.size() >= limits_.max_peers) {
      Say(kInfo, "%s: refused: already %zu connections", net::AddressText(from).c_str(),
          peers_.size());
      net::Close(s);
      continue;
    }
    auto p = std::make_unique<Peer>();
    p->socket = s;
    p->label = net::AddressText(from);
    OnConnected(p.get());
    peers_.push_back(std::move(p));
  }
}

void Node::ClosePeer(Peer* p, const std::string& why, int level) {
  if (p->closing) return;
  p->closing = true;
  if (!why.empty()) Say(level, "%s: %s", Who(*p).c_str(), why.c_str());
}

std::string Node::Who(const Peer& p) const {
  if (p.nick.empty()) return p.label;
  return p.label + " (" + TerminalSafe(p.nick) + ")";
}

void Node::Reap() {
  size_t kept = 0;
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (peers_[i]->closing) {
      net::Close(peers_[i]->socket);
      continue;
    }
    if (kept != i) peers_[kept] = std::move(peers_[i]);
    ++kept;
  }
  peers_.resize(kept);
}

// ---- peer input -----------------------------------------------------------

void Node::ReadPeer(Peer* p) {
  uint8_t* w = p->in.Reserve(limits_.read_chunk);
  size_t got = 0;
  std::string error;
  net::Io r = net::Recv(p->socket, w, limits_.read_chunk, &got, &error);
  if (r == net::Io::kWouldBlock) return;
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    // An inbound connection that goes before its hello (a port scan, a
    // health check) is not news unless asked for.
    bool quiet = p->state != Peer::State::kLive && !p->outbound;
    std::string why = r == net::Io::kClosed ? "connection closed" : error;
    if (p->write_shut) why.clear();  // we are leaving: expected
    ClosePeer(p, why, quiet ? kDebug : r == net::Io::kClosed ? kInfo : kError);
    return;
  }
  bytes_in_ += got;
  // While leaving, a live peer's bytes are read only to see it close.
  if (draining_ && p->state == Peer::State::kLive) return;
  p->in.Commit(got);
  ProcessFrames(p);
}

void Node::ProcessFrames(Peer* p) {
  while (!p->closing) {
    Frame f;
    const char* why = nullptr;
    DecodeStatus st = DecodeFrame(p->in.data(), p->in.size(), max_frame_, &f, &why);
    if (st == DecodeStatus::kNeedMore) break;
    if (st == DecodeStatus::kError) {
      ClosePeer(p, std::string("protocol error: ") + why, kError);
      return;
    }
    if (p->state != Peer::State::kLive) {
      Hello h;
      if (f.type != kTypeHello) {
        ClosePeer(p, "protocol error: first frame is not a hello", kError);
        return;
      }
      if (!ParseHello(f, &h, &why)) {
        ClosePeer(p, std::string("protocol error: ") + why, kError);
        return;
      }
      OnHello(p, h.node_id, h.nick);
    } else if (draining_) {
      p->in.Clear();
      return;
    } else if (f.type == kTypeMessage) {
      Message m;
      if (!ParseMessage(f, &m, &why)) {
        ClosePeer(p, std::string("protocol error: ") + why, kError);
        return;
      }
      if (m.text.size() > options_.max_size) {
        ClosePeer(p, "protocol error: message longer than --max-size", kError);
        return;
      }
      OnMessage(p, m, p->in.data(), f.wire_size);
    } else if (f.type == kTypeHello) {
      ClosePeer(p, "protocol error: second hello", kError);
      return;
    }  // else: a frame type from a later version; skipped whole.
    p->in.Consume(f.wire_size);
  }
  if (p->in.empty()) p->in.Release(kKeepBufferBytes);
}

void Node::OnHello(Peer* p, uint64_t node_id, std::string_view nick) {
  if (node_id == relay_.node_id()) {
    // Both ends of it are here; the dialling end reports it.
    ClosePeer(p, "this is a connection to this node itself; closed", p->outbound ? kInfo : kDebug);
    return;
  }
  for (const auto& q : peers_) {
    if (q.get() != p && !q->closing && q->state == Peer::State::kLive && q->node_id == node_id) {
      ClosePeer(p, "already connected to this node (via " + q->label + "); closed", kInfo);
      return;
    }
  }
  p->node_id = node_id;
  p->nick = std::string(nick);
  p->state = Peer::State::kLive;
  Say(kInfo, "connected to %s", Who(*p).c_str());
  if (!pending_.empty()) {
    // The first peer to connect carries what was typed while alone.
    Enqueue(p, pending_.data(), pending_.size());
    Say(kDebug, "sent %llu queued messages to %s", static_cast<unsigned long long>(pending_count_),
        p->label.c_str());
    pending_.Clear();
    pending_.Release(0);
    pending_count_ = 0;
  }
}

void Node::OnMessage(Peer* from, const Message& m, const uint8_t* frame, size_t frame_size) {
  Verdict v = relay_.Accept(m);
  if (v.duplicate) return;
  if (m.hops == 1 && GetU64(m.id.bytes) == from->node_id && m.nick != from->nick) {
    from->nick = std::string(m.nick);  // a neighbour's /nick shows in /peers
  }
  PrintMessage(m);
  if (!v.forward) return;
  // Encode once: the received frame with the next hop count, copied as is to
  // every other live peer.
  scratch_.Clear();
  scratch_.Append(frame, frame_size);
  scratch_.data()[kFrameHeaderBytes + kHopsOffset] = v.forward_hops;
  for (const auto& q : peers_) {
    if (q.get() == from || q->closing || q->state != Peer::State::kLive) continue;
    Enqueue(q.get(), scratch_.data(), scratch_.size());
  }
}

// ---- peer output ------------------------------------------------------------

void Node::Enqueue(Peer* p, const uint8_t* bytes, size_t size) {
  p->out.Append(bytes, size);
  TrackBacklog(p->out.size(), &p->backlog_since);
  if (p->out.size() > limits_.queue_hard) {
    ClosePeer(p,
              "dropped: " + std::to_string(p->out.size()) +
                  " bytes queued and the peer is not reading",
              kError);
    p->out.Clear();
  }
}

void Node::FlushPeer(Peer* p) {
  if (p->closing || p->out.empty() || p->state == Peer::State::kConnecting) return;
  size_t sent = 0;
  std::string error;
  net::Io r = net::Send(p->socket, p->out.data(), p->out.size(), &sent, &error);
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    ClosePeer(p, error, r == net::Io::kFailed ? kError : kInfo);
    return;
  }
  if (sent > 0) {
    p->out.Consume(sent);
    TrackBacklog(p->out.size(), &p->backlog_since);
    bytes_out_ += sent;
    if (p->out.empty()) p->out.Release(kKeepBufferBytes);
  }
}

// ---- stdin and stdout -------------------------------------------------------

void Node::ReadStdin() {
  size_t got = 0;
  std::string error;
  net::Io r = net::ReadStdin(read_buffer_.data(), read_buffer_.size(), &got, &error);
  if (r == net::Io::kWouldBlock) return;
  auto on_line = [this](const LineEvent& e) { HandleLine(e); };
  if (r == net::Io::kDone) {
    lines_.Feed(reinterpret_cast<const char*>(read_buffer_.data()), got, on_line);
    return;
  }
  if (r == net::Io::kFailed) Say(kError, "stdin: %s", error.c_str());
  lines_.Finish(on_line);
  stdin_open_ = false;
  BeginDrain();
}

void Node::HandleLine(const LineEvent& e) {
  if (!stdin_open_ || draining_) return;  // after /quit, the rest is not read
  Command c;
  if (e.too_long) {
    c.kind = CommandKind::kSend;  // too long for a command: a message, refused below
  } else {
    c = ParseCommand(e.line, options_.raw);
  }
  std::string error;
  switch (c.kind) {
    case CommandKind::kNothing:
      break;
    case CommandKind::kSend:
      if (e.too_long || c.arg.size() > options_.max_size) {
        Say(kError, "line of %zu bytes not sent: longer than --max-size %zu",
            e.too_long ? e.length : c.arg.size(), options_.max_size);
      } else {
        SendText(c.arg);
      }
      break;
    case CommandKind::kConnect: {
      Endpoint endpoint;
      if (!ParseEndpoint(c.arg, false, &endpoint, &error) || endpoint.port == 0) {
        Say(kError, "/connect: %s", error.empty() ? "port 0 cannot be connected to" : error.c_str());
      } else {
        StartConnect(endpoint);
      }
      break;
    }
    case CommandKind::kPeers:
      ShowPeers();
      break;
    case CommandKind::kStats:
      ShowStats();
      break;
    case CommandKind::kNick:
      if (!ValidNick(c.arg, &error)) {
        Say(kError, "/nick: %s", error.c_str());
      } else {
        nick_ = std::string(c.arg);
        Say(kInfo, "nick is now %s", nick_.c_str());
      }
      break;
    case CommandKind::kQuit:
      stdin_open_ = false;
      BeginDrain();
      break;
    case CommandKind::kHelp:
      fputs(kCommandHelp, stderr);
      break;
    case CommandKind::kError:
      Say(kError, "%.*s: %.*s", static_cast<int>(c.name.size()), c.name.data(),
          static_cast<int>(c.arg.size()), c.arg.data());
      break;
  }
}

void Node::SendText(std::string_view text) {
  Message m = relay_.Originate(nick_, text, static_cast<uint8_t>(options_.hops));
  if (LivePeers() == 0) {
    AppendMessage(m, &pending_);
    ++pending_count_;
    return;
  }
  scratch_.Clear();
  AppendMessage(m, &scratch_);
  for (const auto& q : peers_) {
    if (q->closing || q->state != Peer::State::kLive) continue;
    Enqueue(q.get(), scratch_.data(), scratch_.size());
  }
}

void Node::PrintMessage(const Message& m) {
  if (!stdout_ok_) return;
  if (stdout_.size() >= limits_.stdout_max) {
    ++stdout_dropped_;
    return;
  }
  FormatMessage(options_.format, m, &stdout_);
  TrackBacklog(stdout_.size(), &stdout_backlog_since_);
}

void Node::FlushStdout() {
  if (stdout_.empty() || !stdout_ok_) return;
  size_t written = 0;
  std::string error;
  net::Io r = net::WriteStdout(stdout_.data(), stdout_.size(), &written, &error);
  stdout_.Consume(written);
  TrackBacklog(stdout_.size(), &stdout_backlog_since_);
  if (stdout_.empty()) stdout_.Release(kKeepBufferBytes);
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    Say(kError, "stdout: %s", error.c_str());
    stdout_ok_ = false;
    stdout_.Clear();
    exit_status_ = 1;
    BeginDrain();
  }
}

void Node::ShowPeers() {
  fprintf(stderr, "peers: %zu connected\n", LivePeers());
  for (const auto& p : peers_) {
    if (p->closing) continue;
    fprintf(stderr, "  %s %s %s\n", p->label.c_str(),
            p->nick.empty() ? "-" : TerminalSafe(p->nick).c_str(), StateName(*p));
  }
}

void Node::ShowStats() {
  const RelayCounters& c = relay_.counters();
  fprintf(stderr,
          "stats: sent=%llu received=%llu duplicates=%llu bytes_in=%llu bytes_out=%llu "
          "peers=%zu stdout_dropped=%llu seen=%zu/%zu evicted=%llu\n",
          static_cast<unsigned long long>(c.sent), static_cast<unsigned long long>(c.received),
          static_cast<unsigned long long>(c.duplicates),
          static_cast<unsigned long long>(bytes_in_), static_cast<unsigned long long>(bytes_out_),
          LivePeers(), static_cast<unsigned long long>(stdout_dropped_), relay_.seen().size(),
          relay_.seen().capacity(), static_cast<unsigned long long>(relay_.seen().evictions()));
}

// ---- leaving ------------------------------------------------------------------

void Node::BeginDrain() {
  if (draining_) return;
  draining_ = true;
  drain_deadline_ = now_ + limits_.drain_ms;
  net::Close(listener_);
  listener_ = net::kNoSocket;
}

// Leaving in order: queued own messages go to the first peer that completes a
// handshake; each live peer's queue is flushed, then its sending side is shut
// so it reads everything and closes; the node exits when every peer has closed
// and stdout is written, or when drain_ms has passed.
bool Node::DrainStep() {
  for (auto& p : peers_) {
    if (p->closing) continue;
    if (p->state != Peer::State::kLive) {
      if (pending_.empty()) ClosePeer(p.get(), "", kDebug);  // nothing to deliver
      continue;
    }
    if (pending_.empty() && p->out.empty() && !p->write_shut) {
      net::ShutdownWrite(p->socket);
      p->write_shut = true;
    }
  }
  bool waiting_for_a_peer = false;
  for (auto& p : peers_)
    if (!p->closing) waiting_for_a_peer = true;
  bool done = !waiting_for_a_peer && (stdout_.empty() || !stdout_ok_);
  if (!done && now_ < drain_deadline_) return false;
  if (pending_count_ > 0) {
    Say(kError, "%llu message%s not sent: no peer connected",
        static_cast<unsigned long long>(pending_count_), pending_count_ == 1 ? "" : "s");
    exit_status_ = 1;
  }
  for (auto& p : peers_) {
    if (!p->closing && !p->out.empty())
      Say(kError, "%s: %zu bytes not sent before exit", Who(*p).c_str(), p->out.size());
  }
  return true;
}

// ---- the loop -----------------------------------------------------------------

void Node::TrackBacklog(size_t queued, uint64_t* since) const {
  if (queued <= limits_.queue_soft) {
    *since = 0;
  } else if (*since == 0) {
    *since = now_ | 1;  // never 0 while over
  }
}

bool Node::HoldsInputBack(size_t queued, uint64_t since) const {
  return queued > limits_.queue_soft && now_ - since < limits_.stall_ms;
}

bool Node::InputPaused() const {
  // A queue over queue_soft holds all input back, so that a reader that is
  // slower than the rest slows the mesh down instead of losing messages: this
  // backpressure is what keeps a healthy network lossless. A reader that
  // cannot bring its queue back under queue_soft within stall_ms is too slow
  // to hold everyone back; it stops counting here, and then a peer is dropped
  // at queue_hard and stdout loses lines past stdout_max.
  for (const auto& p : peers_) {
    if (!p->closing && HoldsInputBack(p->out.size(), p->backlog_since)) return true;
  }
  return stdout_ok_ && HoldsInputBack(stdout_.size(), stdout_backlog_since_);
}

int Node::PollTimeout() const {
  uint64_t wake = now_ + 1000;
  for (const auto& p : peers_) {
    if (p->state != Peer::State::kLive && p->deadline < wake) wake = p->deadline;
    if (p->backlog_since != 0 && p->backlog_since + limits_.stall_ms < wake)
      wake = p->backlog_since + limits_.stall_ms;
  }
  if (stdout_backlog_since_ != 0 && stdout_backlog_since_ + limits_.stall_ms < wake)
    wake = stdout_backlog_since_ + limits_.stall_ms;
  if (draining_ && drain_deadline_ < wake) wake = drain_deadline_;
  if (accept_resume_ > now_ && accept_resume_ < wake) wake = accept_resume_;
  if (stdout_dropped_ != stdout_dropped_reported_) {
    uint64_t report = stdout_report_ms_ + 1000;
    if (report < wake) wake = report;
  }
  return wake <= now_ ? 0 : static_cast<int>(wake - now_);
}

void Node::CheckTimers() {
  for (auto& p : peers_) {
    if (p->closing || p->state == Peer::State::kLive || now_ < p->deadline) continue;
    if (p->state == Peer::State::kConnecting) {
      p->last_error = "timed out";
      TryNextAddress(p.get());
    } else {
      ClosePeer(p.get(), "no hello within the handshake timeout; closed", kInfo);
    }
  }
  if (stdout_dropped_ != stdout_dropped_reported_ && now_ >= stdout_report_ms_ + 1000) {
    Say(kError, "stdout: %llu messages dropped: output not read fast enough (%llu in all)",
        static_cast<unsigned long long>(stdout_dropped_ - stdout_dropped_reported_),
        static_cast<unsigned long long>(stdout_dropped_));
    stdout_dropped_reported_ = stdout_dropped_;
    stdout_report_ms_ = now_;
  }
}

int Node::Run() {
  std::string error;
  if (!net::Startup(&error)) {
    Say(kError, "start-up: %s", error.c_str());
    return 1;
  }
  if (!Start()) {
    net::Cleanup();
    return 1;
  }
  for (;;) {
    now_ = net::NowMs();
    if (net::StopRequested()) BeginDrain();
    if (draining_ && DrainStep()) break;
    Reap();

    bool paused = InputPaused();
    poll_.clear();
    poll_owner_.clear();
    auto add = [this](Slot slot, Peer* p, net::Socket s, bool r, bool w) {
      net::PollEntry e;
      e.socket = s;
      e.want_read = r;
      e.want_write = w;
      poll_.push_back(e);
      poll_owner_.emplace_back(slot, p);
    };
    if (listener_ != net::kNoSocket && now_ >= accept_resume_)
      add(Slot::kListener, nullptr, listener_, true, false);
    if (stdin_open_ && !draining_ && !paused && pending_.size() < limits_.pending_max)
      add(Slot::kStdin, nullptr, net::StdinHandle(), true, false);
    if (!stdout_.empty() && stdout_ok_ && net::StdoutPollable())
      add(Slot::kStdout, nullptr, net::StdoutHandle(), false, true);
    for (auto& p : peers_) {
      bool connecting = p->state == Peer::State::kConnecting;
      bool live = p->state == Peer::State::kLive;
      bool read = !connecting && (!live || !paused || p->write_shut);
      bool write = connecting || !p->out.empty();
      add(Slot::kPeer, p.get(), p->socket, read, write);
    }
    if (!net::Poll(&poll_, PollTimeout(), &error)) {
      Say(kError, "poll: %s", error.c_str());
      exit_status_ = 1;
      break;
    }
    now_ = net::NowMs();

    for (size_t i = 0; i < poll_.size(); ++i) {
      const net::PollEntry& e = poll_[i];
      Peer* p = poll_owner_[i].second;
      switch (poll_owner_[i].first) {
        case Slot::kListener:
          if (e.readable && listener_ != net::kNoSocket) AcceptAll();
          break;
        case Slot::kStdin:
          if (e.readable && stdin_open_ && !draining_) ReadStdin();
          break;
        case Slot::kStdout:
          break;  // written below, once per turn
        case Slot::kPeer:
          if (p->closing) break;
          if (p->state == Peer::State::kConnecting) {
            if (!e.writable) break;
            net::Io r = net::ConnectResult(p->socket, &error);
            if (r == net::Io::kDone) {
              OnConnected(p);
            } else if (r == net::Io::kFailed) {
              p->last_error = error;
              TryNextAddress(p);
            }
          } else if (e.readable) {
            ReadPeer(p);
          }
          break;
      }
    }
    for (auto& p : peers_) FlushPeer(p.get());
    FlushStdout();
    CheckTimers();
  }
  FlushStdout();
  for (auto& p : peers_) net::Close(p->socket);
  peers_.clear();
  net::Cleanup();
  return exit_status_;
}

}  // namespace floodchat
