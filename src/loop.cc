#include "loop.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "base/diag.h"
#include "wire/frame.h"
#include "peer.h"

namespace floodchat {

namespace {

// The longest stdin line read as a command whatever --max-size says.
constexpr size_t kMaxCommandLine = 4096;

// The limits that are options override the caller's.
Limits WithOptions(Limits limits, const Options& options) {
  limits.queue_hard = options.queue_max;
  limits.stdout_max = options.stdout_max;
  limits.handshake_ms = static_cast<uint64_t>(options.handshake_timeout) * 1000;
  limits.connect_ms = limits.handshake_ms;
  return limits;
}

}  // namespace

Node::Node(const Options& options, const Limits& limits)
    : options_(options),
      limits_(WithOptions(limits, options)),
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
  ErrPrintf("floodchat: %s\n", line);
}

size_t Node::LivePeers() const {
  size_t n = 0;
  for (const auto& p : peers_)
    if (p->Sendable()) ++n;
  return n;
}

// ---- start-up ---------------------------------------------------------------

bool Node::Start() {
  uint64_t seeds[5];
  if (!net::RandomBytes(seeds, sizeof seeds)) {
    Say(kError, "random source: unavailable");
    return false;
  }
  if (!relay_.Init(options_.seen, seeds[0], seeds[1], seeds[2], seeds[3])) {
    Say(kError, "--seen %zu: cannot allocate the table", options_.seen);
    return false;
  }
  rng_ = Rng(seeds[4]);
  // Every connection, each one being refused, stdio, the listener and the
  // wake-up pipe hold a descriptor; if the system allows fewer, accept and
  // connect fail beyond it (handled, but better known at start).
  const size_t kOwn = 8;
  size_t wanted = options_.max_peers + limits_.max_refusing + kOwn;
  size_t allowed = net::RaiseDescriptorLimit(wanted);
  if (allowed < wanted)
    Say(kError,
        "--max-peers %zu: only %zu open files allowed (ulimit -n); connections beyond about %zu "
        "will fail",
        options_.max_peers, allowed, allowed > kOwn ? allowed - kOwn : 0);
  max_frame_ = MaxFrameLength(options_.max_size);
  max_record_ = MaxRecordLength(max_frame_);
  if (!keys_.empty())
    Say(kDebug, "keyed mode: %zu network key%s; only their holders can connect", keys_.size(),
        keys_.size() == 1 ? "" : "s");
  read_buffer_.resize(limits_.stdin_chunk);
  if (options_.listen && !StartListening()) return false;
  now_ = net::NowMs();
  for (const Endpoint& e : options_.connect) AddTarget(e);
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
  if (net::LocalAddress(listener_, &local)) {
    shown = net::AddressText(local);
    PeerAddress mine;
    if (net::ToPeerAddress(local, &mine)) listen_port_ = mine.port;
  }
  // Always printed, even with -q: scripts and tests read the port from it.
  ErrPrintf("floodchat: listening on %s\n", shown.c_str());
  return true;
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
    if (pending_.empty() && p->Queued() == 0 && !p->write_shut) {
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
    if (!p->closing && p->Queued() != 0)
      Say(kError, "%s: %zu bytes not sent before exit", Who(*p).c_str(), p->Queued());
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

// When a backlog stops holding input back: stall_ms after it began, or
// stopped_ms after the reader last took anything (or the backlog began).
uint64_t Node::BacklogDeadline(uint64_t since, uint64_t progress) const {
  uint64_t stalled = since + limits_.stall_ms;
  uint64_t stopped = (progress > since ? progress : since) + limits_.stopped_ms;
  return stalled < stopped ? stalled : stopped;
}

bool Node::HoldsInputBack(size_t queued, uint64_t since, uint64_t progress) const {
  return queued > limits_.queue_soft && now_ < BacklogDeadline(since, progress);
}

bool Node::InputPaused() const {
  // A queue over queue_soft holds all input back, so that a reader that is
  // slower than the rest slows the mesh down instead of losing messages: this
  // backpressure is what keeps a healthy network lossless. A reader that
  // cannot bring its queue back under queue_soft within stall_ms, or that
  // takes nothing at all for stopped_ms (a stopped process, a dead link), is
  // too slow to hold everyone back; it stops counting here, and then a peer
  // is dropped at queue_hard and stdout loses lines past stdout_max.
  for (const auto& p : peers_) {
    if (!p->closing && HoldsInputBack(p->Queued(), p->backlog_since, p->progress_at))
      return true;
  }
  // The same rules hold for stdout: a consumer that reads slowly paces the
  // mesh; one that stops reading does not stall it.
  return stdout_ok_ &&
         HoldsInputBack(stdout_.size(), stdout_backlog_since_, stdout_progress_at_);
}

int Node::PollTimeout() const {
  uint64_t wake = now_ + 1000;
  if (next_maintain_ < wake) wake = next_maintain_;
  for (const auto& p : peers_) {
    if ((p->state != Peer::State::kLive || p->retiring) && p->deadline < wake) wake = p->deadline;
    if (p->backlog_since != 0 && BacklogDeadline(p->backlog_since, p->progress_at) < wake)
      wake = BacklogDeadline(p->backlog_since, p->progress_at);
  }
  if (stdout_backlog_since_ != 0 &&
      BacklogDeadline(stdout_backlog_since_, stdout_progress_at_) < wake)
    wake = BacklogDeadline(stdout_backlog_since_, stdout_progress_at_);
  if (draining_ && drain_deadline_ < wake) wake = drain_deadline_;
  if (accept_resume_ > now_ && accept_resume_ < wake) wake = accept_resume_;
  if (stdout_dropped_ != stdout_dropped_reported_) {
    uint64_t report = stdout_report_ms_ + 1000;
    if (report < wake) wake = report;
  }
  if (relay_.counters().late_duplicates != late_reported_ && late_report_ms_ + 1000 < wake)
    wake = late_report_ms_ + 1000;
  return wake <= now_ ? 0 : static_cast<int>(wake - now_);
}

void Node::CheckTimers() {
  for (auto& p : peers_) {
    if (p->closing || now_ < p->deadline) continue;
    if (p->state == Peer::State::kLive) {
      if (p->retiring) ClosePeer(p.get(), "", kDebug);  // it did not close in time
      continue;
    }
    if (p->state == Peer::State::kRefusing) {
      ClosePeer(p.get(), "", kDebug);
    } else if (p->state == Peer::State::kConnecting) {
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
  uint64_t late = relay_.counters().late_duplicates;
  if (late != late_reported_ && now_ >= late_report_ms_ + 1000) {
    Say(kError,
        "%llu late duplicates: messages that came back after the --seen table (%zu IDs) had "
        "forgotten them were printed again (%llu in all); a larger --seen avoids this",
        static_cast<unsigned long long>(late - late_reported_), relay_.seen().capacity(),
        static_cast<unsigned long long>(late));
    late_reported_ = late;
    late_report_ms_ = now_;
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
    if (now_ >= next_maintain_) Maintain();
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
    // Events are handled in this order. Peers come before stdin: when a peer
    // has gone away and a line has arrived in the same turn, the loss is seen
    // first, so the line waits for a live peer instead of being queued to a
    // connection that is already dead.
    for (auto& p : peers_) {
      bool connecting = p->state == Peer::State::kConnecting;
      bool live = p->state == Peer::State::kLive;
      bool read = !connecting && !p->read_done &&
                  (!live || !paused || p->write_shut || p->retiring);
      bool write = connecting || p->Queued() != 0;
      add(Slot::kPeer, p.get(), p->socket, read, write);
    }
    if (listener_ != net::kNoSocket && now_ >= accept_resume_)
      add(Slot::kListener, nullptr, listener_, true, false);
    if (stdin_open_ && !draining_ && !paused && pending_.size() < limits_.pending_max)
      add(Slot::kStdin, nullptr, net::StdinHandle(), true, false);
    if (!stdout_.empty() && stdout_ok_ && net::StdoutPollable())
      add(Slot::kStdout, nullptr, net::StdoutHandle(), false, true);
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
    for (auto& p : peers_) {
      FlushPeer(p.get());
      // A retired or refused connection is shut for sending once its queue
      // is out; it closes when the other end has read it and closed too.
      bool ending = p->retiring || p->state == Peer::State::kRefusing;
      if (ending && !p->closing && p->Queued() == 0) {
        if (p->read_done) {
          ClosePeer(p.get(), "connection closed", kInfo);  // its queue went out first
        } else if (!p->write_shut) {
          net::ShutdownWrite(p->socket);
          p->write_shut = true;
        }
      }
    }
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
