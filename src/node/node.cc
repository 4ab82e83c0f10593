#include "node/node.h"

#include "console/views.h"

namespace floodchat {

namespace {

ConsoleConfig ConsoleConfigFor(const Options& o, const Limits& l) {
  ConsoleConfig c;
  c.format = o.format;
  c.raw = o.raw;
  c.read_stdin = !o.relay;
  c.max_text = o.max_size;
  c.stdin_chunk = l.stdin_chunk;
  c.stdout_max = l.stdout_max;
  c.backlog = l.backlog;
  return c;
}

TransportConfig TransportConfigFor(const Options& o, const Limits& l) {
  TransportConfig c;
  c.limits = l;
  c.max_text = o.max_size;
  c.max_peers = o.max_peers;
  return c;
}

}  // namespace

Node::Node(const Options& options, const Limits& limits, std::vector<NetworkKey> keys)
    : options_(options),
      limits_(limits),
      keys_(std::move(keys)),
      log_(options.verbosity),
      console_(ConsoleConfigFor(options, limits), this, &log_),
      protocol_(&transport_, &console_, &log_),
      transport_(TransportConfigFor(options, limits), &identity_, &keys_, &protocol_, &log_) {
  identity_.nick = options.nick;
}

ProtocolConfig Node::ProtocolConfigFor(const uint64_t seeds[5]) const {
  ProtocolConfig c;
  c.max_text = options_.max_size;
  c.flood.node_id = seeds[0];
  c.flood.counter_start = seeds[1];
  c.flood.hash_key0 = seeds[2];
  c.flood.hash_key1 = seeds[3];
  c.flood.seen = options_.seen;
  c.flood.hop_limit = static_cast<uint8_t>(options_.hops);
  c.membership.self_id = seeds[0];
  c.membership.peers = options_.peers;
  c.membership.max_peers = options_.max_peers;
  c.membership.seed = seeds[4];
  return c;
}

// ---- start-up -----------------------------------------------------------------

bool Node::Start() {
  uint64_t seeds[5];
  if (!net::RandomBytes(seeds, sizeof seeds)) {
    log_.Say(Level::kError, "random source: unavailable");
    return false;
  }
  identity_.node_id = seeds[0];
  if (!protocol_.Init(ProtocolConfigFor(seeds))) {
    log_.Say(Level::kError, "--seen %zu: cannot allocate the table", options_.seen);
    return false;
  }
  // Every connection, each one being refused, stdio, the listener and the
  // wake-up pipe hold a descriptor; if the system allows fewer, accept and
  // connect fail beyond it (handled, but better known at start).
  const size_t kOwn = 8;
  size_t wanted = options_.max_peers + limits_.max_refusing + kOwn;
  size_t allowed = net::RaiseDescriptorLimit(wanted);
  if (allowed < wanted)
    log_.Say(Level::kError,
             "--max-peers %zu: only %zu open files allowed (ulimit -n); connections beyond about "
             "%zu will fail",
             options_.max_peers, allowed, allowed > kOwn ? allowed - kOwn : 0);
  if (!keys_.empty())
    log_.Say(Level::kDebug, "keyed mode: %zu network key%s; only their holders can connect",
             keys_.size(), keys_.size() == 1 ? "" : "s");
  if (options_.listen && !transport_.Listen(options_.listen_at, options_.listen_explicit))
    return false;
  now_ = net::NowMs();
  transport_.SetTime(now_);
  for (const Endpoint& e : options_.connect) protocol_.AddTarget(e, now_);
  return true;
}

// ---- ConsoleActions -------------------------------------------------------------

void Node::SendLine(std::string_view text) { protocol_.Originate(identity_.nick, text, now_); }

void Node::Connect(const Endpoint& endpoint) { protocol_.AddTarget(endpoint, now_); }

void Node::SetNick(std::string_view nick) {
  identity_.nick = std::string(nick);
  log_.Say(Level::kInfo, "nick is now %s", identity_.nick.c_str());
}

void Node::Quit() { BeginDrain(); }

void Node::ShowPeers() {
  PeersView v;
  v.connected = transport_.LivePeers();
  v.known = protocol_.membership().book().size();
  v.peers = transport_.Rows();
  v.waiting = protocol_.membership().WaitingTargets(now_);
  PrintPeers(v);
}

void Node::ShowStats() {
  const BroadcastCounters b = protocol_.broadcast().counters();
  const DedupRing& seen = protocol_.broadcast().seen();
  const MembershipCounters& m = protocol_.membership().counters();
  const TransportCounters& t = transport_.counters();
  StatsView v;
  v.sent = b.sent;
  v.received = b.received;
  v.duplicates = b.duplicates;
  v.bytes_in = t.bytes_in;
  v.bytes_out = t.bytes_out;
  v.peers = transport_.LivePeers();
  v.stdout_dropped = console_.dropped();
  v.seen = seen.size();
  v.seen_capacity = seen.capacity();
  v.evicted = seen.evictions();
  v.known = protocol_.membership().book().size();
  v.attempts = m.attempts;
  v.failures = m.failures;
  v.reconnects = m.reconnects;
  v.refused = t.refused;
  v.late = b.late_duplicates;
  v.auth_failed = t.auth_failed;
  PrintStats(v);
}

// ---- leaving ----------------------------------------------------------------------

void Node::BeginDrain() {
  if (draining_) return;
  draining_ = true;
  drain_deadline_ = now_ + limits_.drain_ms;
  console_.StopReading();
  protocol_.BeginDrain();
  transport_.BeginDrain();
}

// Leaving in order: queued own messages go to the first peer that completes a
// handshake; each live peer's queue is flushed, then its sending side is shut
// so it reads everything and closes; the node exits when every peer has closed
// and stdout is written, or when drain_ms has passed.
bool Node::DrainStep() {
  uint64_t pending = protocol_.broadcast().PendingMessages();
  bool closed = transport_.DrainStep(pending > 0, now_);
  if (!(closed && console_.Drained()) && now_ < drain_deadline_) return false;
  if (pending > 0) {
    log_.Say(Level::kError, "%llu message%s not sent: no peer connected",
             static_cast<unsigned long long>(pending), pending == 1 ? "" : "s");
    exit_status_ = 1;
  }
  transport_.ReportUnsent();
  return true;
}

// ---- the loop -----------------------------------------------------------------------

// A queue over its soft bound holds all input back (base/backlog.h): a peer's,
// or stdout's.
bool Node::InputPaused() const {
  return transport_.HoldsInputBack(now_) || console_.HoldsInputBack(now_);
}

int Node::PollTimeout() const {
  uint64_t wake = now_ + 1000;
  for (uint64_t w : {protocol_.NextWake(), transport_.NextWake(now_), console_.NextWake(now_)})
    if (w < wake) wake = w;
  if (draining_ && drain_deadline_ < wake) wake = drain_deadline_;
  return wake <= now_ ? 0 : static_cast<int>(wake - now_);
}

int Node::Run() {
  std::string error;
  if (!net::Startup(&error)) {
    log_.Say(Level::kError, "start-up: %s", error.c_str());
    return 1;
  }
  if (!Start()) {
    net::Cleanup();
    return 1;
  }
  for (;;) {
    now_ = net::NowMs();
    transport_.SetTime(now_);
    if (net::StopRequested()) BeginDrain();
    if (draining_ && DrainStep()) break;
    protocol_.Tick(now_);
    transport_.Reap();

    bool paused = InputPaused();
    poll_.clear();
    // Connections come before stdin: when a peer has gone away and a line
    // has arrived in the same turn, the loss is seen first, so the line waits
    // for a live peer instead of being queued to a connection that is gone.
    transport_.FillPoll(&poll_, paused, now_);
    size_t stdin_at = poll_.size();
    bool read_stdin = console_.reading() && !paused &&
                      protocol_.broadcast().PendingBytes() < limits_.pending_max;
    if (read_stdin) {
      net::PollEntry e;
      e.socket = net::StdinHandle();
      e.want_read = true;
      poll_.push_back(e);
    }
    if (console_.WantsWrite() && net::StdoutPollable()) {
      net::PollEntry e;
      e.socket = net::StdoutHandle();
      e.want_write = true;
      poll_.push_back(e);  // written below, once per turn, whatever it says
    }
    if (!net::Poll(&poll_, PollTimeout(), &error)) {
      log_.Say(Level::kError, "poll: %s", error.c_str());
      exit_status_ = 1;
      break;
    }
    now_ = net::NowMs();
    transport_.HandlePoll(poll_.data(), now_);
    if (read_stdin && poll_[stdin_at].readable && console_.reading()) console_.ReadStdin();
    transport_.Flush(now_);
    console_.FlushStdout(now_);
    transport_.CheckTimers(now_);
    console_.Tick(now_);
  }
  console_.FlushStdout(now_);
  if (console_.failed()) exit_status_ = 1;
  transport_.CloseAll();
  net::Cleanup();
  return exit_status_;
}

}  // namespace floodchat
