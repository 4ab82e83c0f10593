// The console: standard input and standard output. Lines and /commands come
// in and become requests to the node (ConsoleActions); delivered messages go
// out through a bounded stdout queue in the chosen format. Output to the
// queue and the decisions about it are pure; only ReadStdin and FlushStdout
// touch the platform's stdio.
#ifndef FLOODCHAT_CONSOLE_CONSOLE_H_
#define FLOODCHAT_CONSOLE_CONSOLE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/backlog.h"
#include "base/buffer.h"
#include "base/diag.h"
#include "base/throttle.h"
#include "links.h"
#include "options.h"
#include "wire/lines.h"

namespace floodchat {

// What lines typed on stdin ask of the node.
class ConsoleActions {
 public:
  virtual ~ConsoleActions() = default;
  virtual void SendLine(std::string_view text) = 0;  // within --max-size
  virtual void Connect(const Endpoint& endpoint) = 0;
  virtual void ShowPeers() = 0;
  virtual void ShowStats() = 0;
  virtual void SetNick(std::string_view nick) = 0;  // a valid nick
  // /quit, the end of input, or stdout closed: the node should leave.
  virtual void Quit() = 0;
};

struct ConsoleConfig {
  Format format = Format::kChat;
  bool raw = false;          // -r: no /commands
  bool read_stdin = true;    // false with --relay
  size_t max_text = 65536;   // --max-size
  size_t stdin_chunk = 64 * 1024;
  size_t stdout_max = 4 * 1024 * 1024;  // --stdout-max
  BacklogLimits backlog;
};

class Console : public MessageSink {
 public:
  // The longest stdin line read as a command whatever --max-size says.
  static constexpr size_t kMaxCommandLine = 4096;

  // `actions` and `log` outlive the console.
  Console(const ConsoleConfig& config, ConsoleActions* actions, const Log* log);

  // ---- stdin
  // Still reading: stdin is open and no /quit came.
  bool reading() const { return reading_; }
  // Reads what stdin has (once it polled readable) and handles its lines.
  void ReadStdin();
  // The bytes read, and the end of input; the parts of ReadStdin that tests
  // drive.
  void Feed(const char* data, size_t size);
  void EndOfInput();
  // Stops reading (the node is leaving): the rest of stdin is not read.
  void StopReading() { reading_ = false; }

  // ---- stdout
  // Queues one line for the message, unless the queue is full and its
  // backlog no longer holds input back; then it is counted as dropped.
  void Deliver(const Message& message, uint64_t now) override;
  // Writes what stdout takes now. A closed or failed stdout is reported,
  // makes failed() true and asks the node to leave.
  void FlushStdout(uint64_t now);
  bool WantsWrite() const { return !out_.empty() && stdout_ok_; }
  // Nothing left to write (or nowhere to write it).
  bool Drained() const { return out_.empty() || !stdout_ok_; }
  bool failed() const { return !stdout_ok_; }
  bool HoldsInputBack(uint64_t now) const;
  // Reports dropped lines, at most once a second.
  void Tick(uint64_t now);
  uint64_t NextWake(uint64_t now) const;
  uint64_t dropped() const { return dropped_; }
  const Buffer& queued() const { return out_; }

 private:
  void HandleLine(const LineEvent& event);

  ConsoleConfig config_;
  ConsoleActions* actions_;
  const Log* log_;
  bool reading_;
  LineSplitter lines_;
  std::vector<uint8_t> read_buffer_;

  Buffer out_;
  bool stdout_ok_ = true;
  Backlog backlog_;
  uint64_t dropped_ = 0;
  ReportThrottle drop_reports_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_CONSOLE_CONSOLE_H_
