// End-to-end test support: real floodchat processes on 127.0.0.1 with pipes
// on their stdin, stdout and stderr. Every wait is bounded; every process a
// test starts is killed and reaped when its Proc goes away.
#ifndef FLOODCHAT_TESTS_HARNESS_H_
#define FLOODCHAT_TESTS_HARNESS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace floodchat_test {

// The binary under test: $FLOODCHAT_BIN, else the path the build gave.
// Proc::Start runs it through $FLOODCHAT_RUNNER when that is set (words split
// on spaces: "wine", "qemu-aarch64-static"), which is how .ci/run runs the
// end-to-end tests on the Windows and ARM builds. $FLOODCHAT_EXTRA_ARGS, if
// set, is put before each node's own options (the keyed mesh run in .ci/run).
std::string BinaryPath();

class Proc {
 public:
  // Starts the binary with `args`. stdin is a pipe unless `stdin_data` is
  // given, in which case it is written and closed at once.
  // `open_files`, if not 0, is the process's limit on open descriptors (both
  // soft and hard, as `ulimit -n` sets it).
  static std::unique_ptr<Proc> Start(const std::vector<std::string>& args, int open_files = 0);
  // The same with the native build (the path the build gave), never through
  // $FLOODCHAT_RUNNER: for the other end of a test about the binary under
  // test, where that end's own platform is not the point.
  static std::unique_ptr<Proc> StartNative(const std::vector<std::string>& args);
  // Starts any command (argv[0] is looked up in PATH), e.g. an emulator and
  // the binary it runs.
  static std::unique_ptr<Proc> StartCommand(const std::vector<std::string>& command,
                                            int open_files = 0);
  ~Proc();

  // The port from "floodchat: listening on HOST:PORT", or -1 after timeout or
  // if the process ended without listening.
  int Port(int timeout_ms = 5000);

  void Write(const std::string& bytes);
  // Writes what the pipe takes within timeout_ms; returns how much that was.
  size_t WriteSome(const std::string& bytes, int timeout_ms);
  void CloseStdin();
  void CloseStdout();  // the reading end: the process then gets EPIPE
  // Stops (or resumes) reading the process's stdout: a consumer that stalls.
  void PauseStdout(bool paused) { stdout_paused_ = paused; }
  void Signal(int sig);

  // Waits until `pred` holds for this process's stdout lines (complete lines,
  // without LF), pumping every live process's pipes meanwhile.
  bool WaitLines(const std::function<bool(const std::vector<std::string>&)>& pred,
                 int timeout_ms);
  bool WaitLineCount(size_t n, int timeout_ms);
  bool WaitStderr(const std::string& needle, int timeout_ms);
  // Exit status (or 128 + signal), -1 if still running after timeout_ms.
  int Wait(int timeout_ms);

  const std::vector<std::string>& lines() const { return lines_; }
  const std::string& err() const { return err_; }
  pid_t pid() const { return pid_; }

  // Reads whatever every live process has written, for up to `ms`.
  static void PumpAll(int ms);

 private:
  Proc() = default;
  void Pump(bool* got_any);

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, errfd_ = -1;
  bool stdout_paused_ = false;
  std::string out_partial_;
  std::vector<std::string> lines_;
  std::string err_;
  int status_ = -1;
};

// Runs the binary to completion with `stdin_data`; returns the exit status
// and fills *out and *err. -1 if it ran longer than timeout_ms (then killed).
int RunToEnd(const std::vector<std::string>& args, const std::string& stdin_data,
             std::string* out, std::string* err, int timeout_ms = 10000);

// A plain TCP client for speaking (or mis-speaking) the protocol.
class RawClient {
 public:
  explicit RawClient(int port);
  // Takes over an accepted connection.
  static std::unique_ptr<RawClient> Adopt(int fd);
  ~RawClient();
  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  void ShutdownWrite();  // half-close: "I send nothing more", still reading
  // True if the server closed the connection within timeout_ms (reads and
  // discards anything it sends meanwhile).
  bool WaitClosed(int timeout_ms);
  // Reads what has arrived within timeout_ms; false once the peer closed.
  bool Receive(int timeout_ms);
  std::string received() const { return received_; }
  std::string& buffer() { return received_; }

 private:
  RawClient() = default;
  int fd_ = -1;
  std::string received_;
};

// A listening socket on 127.0.0.1, for tests that play the node a floodchat
// process connects to.
class Listener {
 public:
  Listener();
  ~Listener();
  int port() const { return port_; }
  std::unique_ptr<RawClient> Accept(int timeout_ms);

 private:
  int fd_ = -1;
  int port_ = -1;
};

long long NowMs();

// A file in a fresh temporary directory, removed with it; mode 0600 unless
// told otherwise (a key file).
class TempFile {
 public:
  explicit TempFile(const std::string& content, mode_t mode = 0600);
  ~TempFile();
  const std::string& path() const { return path_; }
  // Replaces the content in place (same path, same mode), as an editor that
  // writes the file again does.
  void Rewrite(const std::string& content);

 private:
  std::string dir_, path_;
};

// Occurrences of `needle` in `haystack`.
size_t Count(const std::string& haystack, const std::string& needle);
size_t CountLine(const std::vector<std::string>& lines, const std::string& line);
// Waits until `node` has reported `peers` completed handshakes in all.
bool WaitConnected(Proc* node, size_t peers, int timeout_ms = 5000);
// Until `node` has said "connected to ... (nick)" `times` times in all. A
// dialler says "connected" once the other end's hello has arrived, which can
// be before the other end has read the dialler's: a line typed there at that
// moment is not sent on the new connection. A test that types at the other
// end waits for this too.
bool WaitConnectedTo(Proc* node, const std::string& nick, size_t times, int timeout_ms = 5000);
// Pumps every process's pipes for `ms` (PumpAll returns at the first output).
void PumpFor(int ms);
// PumpFor a moment, so that a late duplicate would show up before exact
// counts are checked.
void Settle();
// A /stats counter from a node's stderr (its latest report), -1 if none.
long long Stat(Proc* node, const std::string& name);
// A port on 127.0.0.1 that was free a moment ago, below the range the
// system gives outgoing connections (see harness.cc).
int FreePort();

// From /proc: a process's open descriptors, and a "Vm..." field of its
// status in KiB (-1 if absent).
size_t OpenDescriptors(pid_t pid);
// Under AddressSanitizer (make sanitize) a node's memory also holds shadow
// memory, redzones and a quarantine of freed blocks: memory bounds that tests
// assert are multiplied by this so that they still catch unbounded growth.
#if defined(__SANITIZE_ADDRESS__)
constexpr long kMemoryScale = 3;
#else
constexpr long kMemoryScale = 1;
#endif
long StatusKiB(pid_t pid, const std::string& field);

// Protocol bytes, for tests that play a peer by hand.
std::string HelloBytes(uint64_t node_id, const std::string& nick);
std::string MessageBytes(uint64_t node_id, uint64_t n, const std::string& nick,
                         const std::string& text, uint8_t hops = 1, uint8_t limit = 64);
// Decodes the message frames at the head of `bytes` (consuming them) and
// returns their texts; skips other frames.
std::vector<std::string> TakeMessages(std::string* bytes);
// A plain base64 decoder (RFC 4648), written for the tests; stops at '='.
std::string FromBase64(const std::string& in);

}  // namespace floodchat_test

#endif  // FLOODCHAT_TESTS_HARNESS_H_
