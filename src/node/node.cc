#include "node/node.h"

#include "console/format.h"
#include "console/views.h"
#include "metrics/exposition.h"
#include "node/configs.h"
#include "node/key_file.h"

namespace floodchat {

Node::Node(const Options& options, const Limits& limits, std::vector<NetworkKey> keys)
    : options_(options),
      limits_(limits),
      keys_(std::move(keys)),
      log_(options.verbosity),
      console_(ConsoleConfigFor(options, limits), this, &log_),
      presence_(&protocol_, &console_, &log_),
      protocol_(&transport_, &presence_, &log_),
      transport_(TransportConfigFor(options, limits), &identity_, &keys_, &protocol_, &log_),
      metrics_(this, &log_) {
  identity_.nick = options.nick;
  console_.SetNick(identity_.nick);
}

Node::~Node() = default;

// ---- start-up -----------------------------------------------------------------

bool Node::Start() {
  uint64_t seeds[5];
  if (!net::RandomBytes(seeds, sizeof seeds)) {
    log_.Say(Level::kError, "random source: unavailable");
    return false;
  }
  identity_.node_id = seeds[0];
  ProtocolConfig config = ProtocolConfigFor(options_, seeds);
  // What was said before this node started is not its to repair.
  config.since_ms = net::WallClockMs();
  if (!protocol_.Init(config)) {
    log_.Say(Level::kError, "--seen %zu: cannot allocate the table", options_.seen);
    return false;
  }
  presence_.Start(identity_.node_id, identity_.nick,
                  static_cast<uint64_t>(options_.heartbeat_s) * 1000, now_);
  // Every connection, each one being refused, stdio, the listener and the
  // wake-up pipe hold a descriptor; if the system allows fewer, accept and
  // connect fail beyond it (handled, but better known at start).
  const size_t kOwn = 8;
  size_t wanted = options_.max_peers + limits_.max_refusing + kOwn +
                  (options_.metrics ? kMaxScrapers + 1 : 0);
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
  if (options_.metrics && !metrics_.Listen(options_.metrics_at)) return false;
  now_ = net::NowMs();
  transport_.SetTime(now_);
  for (const Endpoint& e : options_.connect) protocol_.AddTarget(e, now_);
  return true;
}

// ---- ConsoleActions -------------------------------------------------------------

void Node::SendLine(std::string_view text) {
  console_.Echo(protocol_.Originate(identity_.nick, text, now_), now_);
  // Said once each time lines start to wait: at a terminal, where a person
  // would otherwise wonder; scripts see it with -v.
  if (protocol_.broadcast().PendingMessages() == 0 || queued_said_) return;
  queued_said_ = true;
  log_.Say(console_.editing() ? Level::kInfo : Level::kDebug,
           "no peer connected: lines are kept and sent when one connects");
}

void Node::Connect(const Endpoint& endpoint) { protocol_.AddTarget(endpoint, now_); }

// HOST:PORT names a -c or /connect address, or a connection by the address it
// was dialled at or stands for; anything else is a nick.
void Node::Disconnect(std::string_view what) {
  Endpoint e;
  std::string error, text;
  bool address = ParseEndpoint(what, false, &e, &error) && e.port != 0;
  if (address) text = EndpointText(e);
  std::vector<PeerId> peers;
  for (const PeerRow& r : transport_.Rows()) {
    bool match = address ? r.label == text || r.address == text : r.nick == what;
    if (match) peers.push_back(r.id);
  }
  std::vector<PeerId> retired;
  size_t dropped = protocol_.Disconnect(text, peers, now_, &retired);
  size_t closed = retired.size();
  std::string shown = TerminalSafe(what);
  if (dropped == 0 && closed == 0) {
    log_.Say(Level::kError, "/disconnect: %s: no such connection or -c address", shown.c_str());
    return;
  }
  log_.Say(Level::kInfo, "/disconnect: %s: %zu connection%s closed%s", shown.c_str(), closed,
           closed == 1 ? "" : "s", dropped > 0 ? "; no longer retried" : "");
}

void Node::SetNick(std::string_view nick) {
  std::string old = identity_.nick;
  identity_.nick = std::string(nick);
  console_.SetNick(identity_.nick);
  presence_.NickChanged(old, identity_.nick, now_);
  log_.Say(Level::kInfo, "nick is now %s", identity_.nick.c_str());
}

void Node::Quit() { BeginDrain(); }

void Node::ShowPeers() {
  PeersView v;
  v.connected = transport_.LivePeers();
  v.known = protocol_.membership().book().size();
  v.peers = transport_.Rows();
  if (const Tree* tree = protocol_.tree())
    for (PeerRow& row : v.peers) row.link = tree->LinkState(row.id);
  v.waiting = protocol_.membership().WaitingTargets(now_);
  PrintPeers(v);
}

StatsView Node::GatherStats() const {
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
  const OriginTable& origins = protocol_.broadcast().origins();
  v.origins = origins.size();
  v.origins_capacity = origins.capacity();
  const MessageStore& store = protocol_.broadcast().store();
  v.store_bytes = store.bytes();
  v.store_capacity = store.capacity();
  v.stored = store.size();
  v.resent = protocol_.repair().counters().repairs_sent;
  v.repaired = protocol_.repair().counters().repaired;
  v.sync_bytes = protocol_.repair().counters().sync_bytes;
  v.shed = t.shed_bytes;
  v.unrecovered = protocol_.repair().Unrecovered();
  v.payloads = b.payload_sends;
  if (const Tree* tree = protocol_.tree()) {
    const TreeCounters& c = tree->tree_counters();
    v.ihave = c.ihave_frames;
    v.ihave_ids = c.ihave_ids;
    v.grafts = c.grafts;
    v.prunes = c.prunes;
    v.eager = tree->eager_count();
    v.lazy = tree->lazy_count();
  }
  return v;
}

void Node::ShowStats() { PrintStats(GatherStats()); }

void Node::ShowWho() { PrintWho(presence_.Who(now_)); }

std::string Node::MetricsText() { return RenderMetrics(GatherStats()); }

// ---- signals ------------------------------------------------------------------

// SIGHUP: the key file again. New connections use the new keys at once (the
// first for those this node dials); established ones keep their session keys.
// A node started without -k stays an open network.
void Node::ReloadKeys() {
  if (options_.key_file.empty()) {
    log_.Say(Level::kError, "SIGHUP: no key file to reload (this node was started without -k)");
    return;
  }
  size_t before = keys_.size();
  KeyFileResult r = LoadKeyFile(options_.key_file, &keys_);
  if (!r.ok) {
    log_.Say(Level::kError, "SIGHUP: %s; still using the %zu key%s read before", r.error.c_str(),
             before, before == 1 ? "" : "s");
    return;
  }
  if (r.exposed)
    log_.Say(Level::kError, "%s: warning: readable by group or others (chmod 600 it)",
             options_.key_file.c_str());
  log_.Say(Level::kInfo, "SIGHUP: %s: %zu network key%s loaded", options_.key_file.c_str(),
           keys_.size(), keys_.size() == 1 ? "" : "s");
}

// ---- leaving ----------------------------------------------------------------------

void Node::BeginDrain() {
  if (draining_) return;
  draining_ = true;
  presence_.Leaving(now_);
  drain_deadline_ = now_ + limits_.drain_ms;
  console_.StopReading();
  protocol_.BeginDrain(now_);
  transport_.BeginDrain();
}

// Leaving in order: queued own messages go to the first peer that completes a
// handshake (refused -c addresses are retried meanwhile); each live peer's queue is flushed, then its sending side is shut
// so it reads everything and closes; the node exits when every peer has closed
// and stdout is written, or when drain_ms has passed.
bool Node::DrainStep() {
  uint64_t pending = protocol_.broadcast().PendingMessages();
  bool closed = transport_.DrainStep(pending > 0, now_);
  // Nothing open, but an address to try again: the messages wait for it.
  if (pending > 0 && protocol_.membership().StillTrying()) closed = false;
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
  for (uint64_t w : {protocol_.NextWake(), transport_.NextWake(now_), console_.NextWake(now_),
                     metrics_.NextWake(now_), presence_.NextWake()})
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
  console_.OpenTerminal();
  for (;;) {
    now_ = net::NowMs();
    transport_.SetTime(now_);
    protocol_.SetWallClock(net::WallClockMs(), now_);
    if (net::StopRequested()) BeginDrain();
    if (net::TakeRequest(net::Request::kStatus)) {
      ShowStats();
      ShowPeers();
    }
    if (net::TakeRequest(net::Request::kReload)) ReloadKeys();
    if (net::TakeRequest(net::Request::kResize)) console_.Resize(net::TerminalColumns());
    if (net::TakeRequest(net::Request::kResume)) console_.Redraw();
    if (draining_ && DrainStep()) break;
    protocol_.Tick(now_);
    presence_.Turn(now_, transport_.LivePeers());
    transport_.Reap();
    if (queued_said_ && protocol_.broadcast().PendingMessages() == 0) queued_said_ = false;

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
    metrics_.FillPoll(&poll_, now_);
    if (!net::Poll(&poll_, PollTimeout(), &error)) {
      log_.Say(Level::kError, "poll: %s", error.c_str());
      exit_status_ = 1;
      break;
    }
    now_ = net::NowMs();
    transport_.HandlePoll(poll_.data(), now_);
    if (read_stdin && poll_[stdin_at].readable && console_.reading()) console_.ReadStdin();
    metrics_.HandlePoll(poll_, now_);
    transport_.Flush(now_);
    console_.FlushStdout(now_);
    transport_.CheckTimers(now_);
    metrics_.CheckTimers(now_);
    console_.Tick(now_);
  }
  console_.CloseTerminal();
  console_.FlushStdout(now_);
  if (console_.failed()) exit_status_ = 1;
  transport_.CloseAll();
  metrics_.CloseAll();
  net::Cleanup();
  return exit_status_;
}

}  // namespace floodchat
