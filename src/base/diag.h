// Lines on standard error. Each is formatted in full first and written with
// one call, so that it reaches stderr in one piece: C libraries differ in how
// they write a long printf to an unbuffered stream (musl's goes out in pieces
// of 80 bytes), and readers of stderr, tests among them, see whole lines.
#ifndef FLOODCHAT_BASE_DIAG_H_
#define FLOODCHAT_BASE_DIAG_H_

#include <cstddef>
#include <string>
#include <vector>

// Lets the compiler check printf-style calls. MinGW's plain `printf`
// archetype is Microsoft's, which lacks %zu and %llu; the build uses MinGW's
// C99 printf (__USE_MINGW_ANSI_STDIO), whose archetype is gnu_printf.
#ifdef __MINGW32__
#define FLOODCHAT_PRINTF(format_arg, first_arg) \
  __attribute__((format(gnu_printf, format_arg, first_arg)))
#else
#define FLOODCHAT_PRINTF(format_arg, first_arg) \
  __attribute__((format(printf, format_arg, first_arg)))
#endif

namespace floodchat {

// Writes the formatted text, which should end in a newline, to stderr. Text
// beyond 4 KiB is cut, and the line still ends in a newline.
void ErrPrintf(const char* format, ...) FLOODCHAT_PRINTF(1, 2);

// While set, what ErrPrintf (and so every Log) writes goes to `sink`
// instead, whole lines at a time: the console's, while its line editor owns
// the terminal stderr shares, so that diagnostics are printed above the
// input line. Null: stderr again.
using StderrSink = void (*)(void* context, const char* text, size_t size);
void SetStderrSink(StderrSink sink, void* context);

// How much a diagnostic matters: -q shows kError only, the default kInfo
// too, -v kDebug as well.
enum class Level { kError = 0, kInfo = 1, kDebug = 2 };

// A node's diagnostics, "floodchat: TEXT" lines on stderr up to a verbosity
// (0 quiet, 1 normal, 2 verbose; below 0 nothing at all, as the simulator's
// nodes have). The policies write through one, so that tests can read what
// they said and the simulator can silence a hundred thousand of them.
class Log {
 public:
  explicit Log(int verbosity = 1) : verbosity_(verbosity) {}

  bool Shows(Level level) const { return static_cast<int>(level) <= verbosity_; }
  // Formats and writes one line if `level` is shown (nothing is formatted
  // otherwise). Lines are cut at 1 KiB.
  void Say(Level level, const char* format, ...) const FLOODCHAT_PRINTF(3, 4);

  // Tests: lines that would be shown go to `lines` (without the prefix and
  // the newline) instead of stderr.
  void CaptureInto(std::vector<std::string>* lines) { capture_ = lines; }

 private:
  int verbosity_;
  std::vector<std::string>* capture_ = nullptr;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BASE_DIAG_H_
