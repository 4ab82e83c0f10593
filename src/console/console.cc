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
      lines_(config.max_text + 1 > kMaxCommandLine ? config.max_text + 1 : kMaxCommandLine),
      editor_(config.max_text > kMaxCommandLine ? config.max_text : kMaxCommandLine) {}

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
  if (editing_) {
    screen_.clear();
    editor_.Feed(std::string_view(data, size), &screen_, this);
    out_.Append(screen_.data(), screen_.size());
    return;
  }
  lines_.Feed(data, size, [this](const LineEvent& e) { HandleLine(e); });
}

void Console::EndOfInput() {
  if (!editing_) lines_.Finish([this](const LineEvent& e) { HandleLine(e); });
  if (!reading_) return;
  StopReading();
  actions_->Quit();
}

void Console::StopReading() {
  reading_ = false;
  CloseTerminal();
}

// ---- the terminal -------------------------------------------------------------------

void Console::OpenTerminal() {
  if (!config_.editor || editing_ || !reading_) return;
  std::string error;
  if (!net::EnterRawMode(&error)) {
    log_->Say(Level::kError, "terminal: %s; reading lines without the editor", error.c_str());
    return;
  }
  editing_ = true;
  screen_.clear();
  editor_.SetColumns(net::TerminalColumns(), &screen_);
  editor_.Show(&screen_);
  out_.Append(screen_.data(), screen_.size());
  if (net::StderrSharesTerminal()) SetStderrSink(&Console::Note, this);
}

void Console::CloseTerminal() {
  if (!editing_) return;
  HideInput();
  SetStderrSink(nullptr, nullptr);
  editing_ = false;
  net::LeaveRawMode();
}

void Console::HideInput() {
  if (!editing_ || !editor_.shown()) return;
  screen_.clear();
  editor_.Hide(&screen_);
  out_.Append(screen_.data(), screen_.size());
}

void Console::Note(void* context, const char* text, size_t size) {
  Console* c = static_cast<Console*>(context);
  c->HideInput();
  c->out_.Append(text, size);
}

void Console::SetNick(std::string_view nick) {
  screen_.clear();
  editor_.SetPrompt(std::string(nick) + "> ", &screen_);
  if (editing_) out_.Append(screen_.data(), screen_.size());
}

void Console::Echo(const Message& own, uint64_t now) {
  if (editing_) Deliver(own, now);
}

void Console::Resize(int columns) {
  screen_.clear();
  editor_.SetColumns(columns, &screen_);
  if (editing_) out_.Append(screen_.data(), screen_.size());
}

void Console::Redraw() {
  if (!editing_) return;
  screen_.clear();
  editor_.Forget(&screen_);
  out_.Append(screen_.data(), screen_.size());
}

void Console::Line(std::string_view line, std::string* screen) {
  // What the editor wrote first (the input line erased), then whatever the
  // line leads to.
  out_.Append(screen->data(), screen->size());
  screen->clear();
  LineEvent e;
  e.line = line;
  e.length = line.size();
  HandleLine(e);
}

void Console::EndOfInput(std::string* screen) {
  out_.Append(screen->data(), screen->size());
  screen->clear();
  if (!reading_) return;
  StopReading();
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
    case CommandKind::kDisconnect:
      actions_->Disconnect(c.arg);
      break;
    case CommandKind::kPeers:
      actions_->ShowPeers();
      break;
    case CommandKind::kStats:
      actions_->ShowStats();
      break;
    case CommandKind::kWho:
      actions_->ShowWho();
      break;
    case CommandKind::kNick:
      if (!ValidNick(c.arg, &error)) {
        log_->Say(Level::kError, "/nick: %s", error.c_str());
      } else {
        actions_->SetNick(c.arg);
      }
      break;
    case CommandKind::kQuit:
      StopReading();
      actions_->Quit();
      break;
    case CommandKind::kHelp:
      ErrPrintf("%s", kCommandHelp);
      break;
    case CommandKind::kError:
      log_->Say(Level::kError, "%.*s: %.*s", static_cast<int>(c.name.size()), c.name.data(),
                static_cast<int>(c.arg.size()), c.arg.data());
      break;
    case CommandKind::kUnknown: {
      std::string name = TerminalSafe(c.name);
      if (c.suggestion.empty()) {
        log_->Say(Level::kError, "unknown command %s (/help lists them; //text sends /text)",
                  name.c_str());
      } else {
        log_->Say(Level::kError, "unknown command %s (did you mean /%.*s?)", name.c_str(),
                  static_cast<int>(c.suggestion.size()), c.suggestion.data());
      }
      break;
    }
  }
}

// ---- stdout -----------------------------------------------------------------------

bool Console::HoldsInputBack(uint64_t now) const {
  // The backpressure rules of base/backlog.h hold for stdout: a consumer that
  // reads slowly paces the mesh; one that stops reading does not stall it.
  return stdout_ok_ && backlog_.HoldsInputBack(out_.size(), now, config_.backlog);
}

// Whether a line may join the stdout queue now; if not it is counted as
// dropped. While the backlog still holds input back nothing is dropped: input
// is paused, so what arrives meanwhile is bounded by one turn's reads.
bool Console::Admit(uint64_t now) {
  if (!stdout_ok_) return false;
  if (out_.size() >= config_.stdout_max && !HoldsInputBack(now)) {
    ++dropped_;
    drop_reports_.Note(now);
    return false;
  }
  HideInput();
  return true;
}

void Console::Deliver(const Message& message, uint64_t now) {
  if (!Admit(now)) return;
  FormatMessage(config_.format, message, Style(), &out_);
  backlog_.Track(out_.size(), now, config_.backlog);
}

OutputStyle Console::Style() {
  OutputStyle s;
  s.color = config_.color && config_.format == Format::kChat;
  s.timestamps = config_.timestamps;
  if (s.timestamps) {
    s.wall_ms = net::WallClockMs();
    if (s.wall_ms / 1000 != clock_second_) {
      clock_second_ = s.wall_ms / 1000;
      clock_ = net::LocalClock(s.wall_ms);
    }
    s.clock = clock_;
  }
  return s;
}

void Console::ShowPresence(const PresenceNotice& notice, uint64_t now) {
  if (config_.format == Format::kText || !config_.presence_lines || !Admit(now)) return;
  FormatPresence(config_.format, notice, Style(), &out_);
  backlog_.Track(out_.size(), now, config_.backlog);
}

void Console::FlushStdout(uint64_t now) {
  if (editing_ && !editor_.shown()) {
    // Drawn again once a turn, below everything printed meanwhile.
    screen_.clear();
    editor_.Show(&screen_);
    out_.Append(screen_.data(), screen_.size());
  }
  if (out_.empty() || !stdout_ok_) return;
  size_t written = 0;
  std::string error;
  net::Io r = net::WriteStdout(out_.data(), out_.size(), &written, &error);
  out_.Consume(written);
  if (written > 0) backlog_.Progress(now);
  backlog_.Track(out_.size(), now, config_.backlog);
  if (out_.empty()) out_.Release(kKeepBufferBytes);
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    stdout_ok_ = false;
    out_.Clear();
    StopReading();  // first: the terminal's diagnostics go to stderr again
    log_->Say(Level::kError, "stdout: %s", error.c_str());
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
