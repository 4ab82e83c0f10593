#include "console/console.h"

#include <string>

#include "console/command.h"
#include "console/format.h"
#include "net/net.h"

namespace floodchat {

namespace {

// A drained buffer keeps up to this much memory for the next burst.
constexpr size_t kKeepBufferBytes = 2 * 1024 * 1024;

}  // namespace

Console::Console(const ConsoleConfig& config, ConsoleActions* actions, const Log* log)
    : config_(config),
      actions_(actions),
      log_(log),
      reading_(config.read_stdin),
      // Commands may be longer than a small --max-size; messages are checked
      // against it when they are sent.
      lines_(config.max_text + 1 > kMaxCommandLine ? config.max_text + 1 : kMaxCommandLine) {}

// ---- stdin ------------------------------------------------------------------------

void Console::ReadStdin() {
  if (read_buffer_.empty()) read_buffer_.resize(config_.stdin_chunk);
  size_t got = 0;
  std::string error;
  net::Io r = net::ReadStdin(read_buffer_.data(), read_buffer_.size(), &got, &error);
  if (r == net::Io::kWouldBlock) return;
  if (r == net::Io::kDone) {
    Feed(reinterpret_cast<const char*>(read_buffer_.data()), got);
    return;
  }
  if (r == net::Io::kFailed) log_->Say(Level::kError, "stdin: %s", error.c_str());
  EndOfInput();
}

void Console::Feed(const char* data, size_t size) {
  lines_.Feed(data, size, [this](const LineEvent& e) { HandleLine(e); });
}

void Console::EndOfInput() {
  lines_.Finish([this](const LineEvent& e) { HandleLine(e); });
  if (!reading_) return;
  reading_ = false;
  actions_->Quit();
}

void Console::HandleLine(const LineEvent& e) {
  if (!reading_) return;  // after /quit, the rest is not read
  Command c;
  if (e.too_long) {
    c.kind = CommandKind::kSend;  // too long for a command: a message, refused below
  } else {
    c = ParseCommand(e.line, config_.raw);
  }
  std::string error;
  switch (c.kind) {
    case CommandKind::kNothing:
      break;
    case CommandKind::kSend:
      if (e.too_long || c.arg.size() > config_.max_text) {
        log_->Say(Level::kError, "line of %zu bytes not sent: longer than --max-size %zu",
                  e.too_long ? e.length : c.arg.size(), config_.max_text);
      } else {
        actions_->SendLine(c.arg);
      }
      break;
    case CommandKind::kConnect: {
      Endpoint endpoint;
      if (!ParseEndpoint(c.arg, false, &endpoint, &error) || endpoint.port == 0) {
        log_->Say(Level::kError, "/connect: %s",
                  error.empty() ? "port 0 cannot be connected to" : error.c_str());
      } else {
        actions_->Connect(endpoint);
      }
      break;
    }
    case CommandKind::kPeers:
      actions_->ShowPeers();
      break;
    case CommandKind::kStats:
      actions_->ShowStats();
      break;
    case CommandKind::kNick:
      if (!ValidNick(c.arg, &error)) {
        log_->Say(Level::kError, "/nick: %s", error.c_str());
      } else {
        actions_->SetNick(c.arg);
      }
      break;
    case CommandKind::kQuit:
      reading_ = false;
      actions_->Quit();
      break;
    case CommandKind::kHelp:
      ErrPrintf("%s", kCommandHelp);
      break;
    case CommandKind::kError:
      log_->Say(Level::kError, "%.*s: %.*s", static_cast<int>(c.name.size()), c.name.data(),
                static_cast<int>(c.arg.size()), c.arg.data());
      break;
  }
}

// ---- stdout -----------------------------------------------------------------------

bool Console::HoldsInputBack(uint64_t now) const {
  // The backpressure rules of base/backlog.h hold for stdout: a consumer that
  // reads slowly paces the mesh; one that stops reading does not stall it.
  return stdout_ok_ && backlog_.HoldsInputBack(out_.size(), now, config_.backlog);
}

void Console::Deliver(const Message& message, uint64_t now) {
  if (!stdout_ok_) return;
  // While the backlog still holds input back nothing is dropped: input is
  // paused, so what arrives meanwhile is bounded by one turn's reads.
  if (out_.size() >= config_.stdout_max && !HoldsInputBack(now)) {
    ++dropped_;
    drop_reports_.Note(now);
    return;
  }
  FormatMessage(config_.format, message, &out_);
  backlog_.Track(out_.size(), now, config_.backlog);
}

void Console::FlushStdout(uint64_t now) {
  if (out_.empty() || !stdout_ok_) return;
  size_t written = 0;
  std::string error;
  net::Io r = net::WriteStdout(out_.data(), out_.size(), &written, &error);
  out_.Consume(written);
  if (written > 0) backlog_.Progress(now);
  backlog_.Track(out_.size(), now, config_.backlog);
  if (out_.empty()) out_.Release(kKeepBufferBytes);
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    log_->Say(Level::kError, "stdout: %s", error.c_str());
    stdout_ok_ = false;
    out_.Clear();
    reading_ = false;
    actions_->Quit();
  }
}

void Console::Tick(uint64_t now) {
  if (!drop_reports_.Due(now)) return;
  uint64_t n = drop_reports_.Take(now);
  log_->Say(Level::kError, "stdout: %llu messages dropped: output not read fast enough (%llu in all)",
            static_cast<unsigned long long>(n), static_cast<unsigned long long>(dropped_));
}

uint64_t Console::NextWake(uint64_t now) const {
  uint64_t wake = drop_reports_.Deadline();
  uint64_t backlog = backlog_.WakeAt(now, config_.backlog);
  return backlog < wake ? backlog : wake;
}

}  // namespace floodchat
