// The node's stdin and stdout: lines and commands in, messages out. Part of
// the loop (loop.h).
#include <cstdio>

#include "console/command.h"
#include "base/diag.h"
#include "console/format.h"
#include "loop.h"
#include "peer.h"

namespace floodchat {

namespace {

const char* StateName(const Peer& p) {
  switch (p.state) {
    case Peer::State::kConnecting: return "connecting";
    case Peer::State::kHandshake: return "handshake";
    case Peer::State::kLive:
      if (p.retiring) return "closing";
      return p.outbound ? "outbound" : "inbound";
    case Peer::State::kRefusing: return "refused";
  }
  return "?";
}

}  // namespace

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
        AddTarget(endpoint);
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
      ErrPrintf("%s", kCommandHelp);
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
    if (!q->Sendable()) continue;
    Enqueue(q.get(), scratch_.data(), scratch_.size());
  }
}

void Node::PrintMessage(const Message& m) {
  if (!stdout_ok_) return;
  // While the backlog still holds input back nothing is dropped: input is
  // paused, so what arrives meanwhile is bounded by one turn's reads.
  if (stdout_.size() >= limits_.stdout_max &&
      !HoldsInputBack(stdout_.size(), stdout_backlog_since_, stdout_progress_at_)) {
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
  if (written > 0) stdout_progress_at_ = now_;
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
  ErrPrintf("peers: %zu connected, %zu addresses known\n", LivePeers(), book_.size());
  for (const auto& p : peers_) {
    if (p->closing || p->Refused()) continue;
    ErrPrintf("  %s %s %s\n", p->label.c_str(),
              p->nick.empty() ? "-" : TerminalSafe(p->nick).c_str(), StateName(*p));
  }
  // -c and /connect addresses waiting for their next attempt.
  for (const Target& t : targets_) {
    if (t.peer != nullptr || t.self || (t.node_id != 0 && NodeConnected(t.node_id))) continue;
    uint64_t wait = t.retry_at > now_ ? t.retry_at - now_ : 0;
    ErrPrintf("  %s - retrying in %.1f s after %u failures\n", t.text.c_str(),
              static_cast<double>(wait) / 1000, t.failures);
  }
}

void Node::ShowStats() {
  const RelayCounters& c = relay_.counters();
  ErrPrintf(
      "stats: sent=%llu received=%llu duplicates=%llu bytes_in=%llu bytes_out=%llu "
      "peers=%zu stdout_dropped=%llu seen=%zu/%zu evicted=%llu known=%zu attempts=%llu "
      "failures=%llu reconnects=%llu refused=%llu late=%llu auth_failed=%llu\n",
      static_cast<unsigned long long>(c.sent), static_cast<unsigned long long>(c.received),
      static_cast<unsigned long long>(c.duplicates),
      static_cast<unsigned long long>(bytes_in_), static_cast<unsigned long long>(bytes_out_),
      LivePeers(), static_cast<unsigned long long>(stdout_dropped_), relay_.seen().size(),
      relay_.seen().capacity(), static_cast<unsigned long long>(relay_.seen().evictions()),
      book_.size(), static_cast<unsigned long long>(dial_attempts_),
      static_cast<unsigned long long>(dial_failures_),
      static_cast<unsigned long long>(reconnects_), static_cast<unsigned long long>(refused_),
      static_cast<unsigned long long>(c.late_duplicates),
      static_cast<unsigned long long>(auth_failures_));
}

}  // namespace floodchat
