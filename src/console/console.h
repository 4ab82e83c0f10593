// The console: standard input and standard output. Lines and /commands come
// in and become requests to the node (ConsoleActions); delivered messages go
// out through a bounded stdout queue in the chosen format. Output to the
// queue and the decisions about it are pure; only ReadStdin, FlushStdout and
// the terminal's Open/Close touch the platform's stdio.
//
// On a terminal (config.editor: stdin and stdout both are one) the console
// runs the line editor (editor.h): keys go to it, and every message and
// diagnostic is printed above the input line, which is drawn again after
// them once a turn. The queue then carries the editor's bytes as well, in
// the order the terminal must see them. Anywhere else stdin is read as lines
// and stdout carries the messages alone, byte for byte as without a terminal.
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
#include "console/format.h"
#include "console/editor.h"
#include "links.h"
#include "options.h"
#include "presence/presence.h"
#include "wire/lines.h"

namespace floodchat {

// What lines typed on stdin ask of the node.
class ConsoleActions {
 public:
  virtual ~ConsoleActions() = default;
  virtual void SendLine(std::string_view text) = 0;  // within --max-size
  virtual void Connect(const Endpoint& endpoint) = 0;
  // /disconnect: HOST:PORT as typed, or a nick.
  virtual void Disconnect(std::string_view what) = 0;
  virtual void ShowPeers() = 0;
  virtual void ShowStats() = 0;
  virtual void ShowWho() = 0;
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
  bool editor = false;  // stdin and stdout are a terminal that can take it
  // Presence notices on stdout (chat lines, json objects; never in text):
  // where a person types and reads (stdin and stdout a terminal), or with
  // --presence. Otherwise stdout carries the messages alone, as before
  // presence, and `floodchat -f json | jq .text` sees messages only.
  bool presence_lines = false;
  bool color = false;       // --color: nicks in colour (chat)
  bool timestamps = false;  // --timestamps
};

class Console : public MessageSink, private LineEditor::Events {
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
  // Stops reading (the node is leaving): the rest of stdin is not read, and
  // the terminal is given back.
  void StopReading();

  // ---- the terminal, with config.editor
  // Takes it: the editor's modes, the prompt, diagnostics through the
  // console when stderr is the same terminal. If the modes cannot be set,
  // says why and goes on reading lines.
  void OpenTerminal();
  // Gives it back: the input line erased (the cursor at the start of an
  // empty row), diagnostics to stderr, the modes as they were found.
  void CloseTerminal();
  bool editing() const { return editing_; }
  // The prompt shows the nick.
  void SetNick(std::string_view nick);
  // This node's own message, shown in the transcript while editing (others
  // see it as it reaches them; a script's stdout never has it).
  void Echo(const Message& own, uint64_t now);
  // SIGWINCH: the width changed. SIGCONT: the screen is not as it was left.
  void Resize(int columns);
  void Redraw();

  // ---- stdout
  // Queues one line for the message, unless the queue is full and its
  // backlog no longer holds input back; then it is counted as dropped.
  void Deliver(const Message& message, uint64_t now) override;
  // A presence notice: a line with config.presence_lines, except in the text
  // format; queued and bounded as messages are.
  void ShowPresence(const PresenceNotice& notice, uint64_t now);
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
  // LineEditor::Events.
  void Line(std::string_view line, std::string* screen) override;
  void EndOfInput(std::string* screen) override;
  // Erases the input line from the screen before other output.
  void HideInput();
  bool Admit(uint64_t now);
  // The style of a line printed at `now`: the clock read once a second.
  OutputStyle Style();
  static void Note(void* console, const char* text, size_t size);

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
  uint64_t clock_second_ = UINT64_MAX;  // the wall-clock second clock_ shows
  std::string clock_;

  LineEditor editor_;
  bool editing_ = false;
  std::string screen_;  // the editor's bytes, before they join out_
};

}  // namespace floodchat

#endif  // FLOODCHAT_CONSOLE_CONSOLE_H_
