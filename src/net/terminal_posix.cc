// POSIX: the terminal (the line editor's modes, kept safe across signals)
// and the wall clock. Guarded as net_posix.cc is.
#ifndef _WIN32

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "net/net.h"

namespace floodchat {
namespace net {

// ---- the terminal ------------------------------------------------------------------

namespace {

struct termios terminal_found;
volatile sig_atomic_t terminal_raw = 0;
const int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};
struct sigaction fatal_before[sizeof kFatalSignals / sizeof kFatalSignals[0]];

// Async-signal-safe: tcsetattr is.
void RestoreTerminal() {
  if (terminal_raw == 0) return;
  tcsetattr(STDIN_FILENO, TCSADRAIN, &terminal_found);
  terminal_raw = 0;
}

bool ApplyRawMode() {
  struct termios t = terminal_found;
  t.c_iflag &= ~static_cast<tcflag_t>(ICRNL | INLCR | IGNCR | IXON | ISTRIP);
  t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);
  // Ctrl-C, Ctrl-Z and Ctrl-\ stay signals, without flushing what was written.
  t.c_lflag |= ISIG | NOFLSH;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) != 0) return false;
  terminal_raw = 1;
  return true;
}

void OnFatalSignal(int sig) {
  RestoreTerminal();
  // The handler found before (the default, or a sanitizer's) takes over: a
  // fault happens again on return, another signal is raised again.
  for (size_t i = 0; i < sizeof kFatalSignals / sizeof kFatalSignals[0]; ++i)
    if (kFatalSignals[i] == sig) sigaction(sig, &fatal_before[i], nullptr);
  raise(sig);
}

void OnStopSignal(int) {
  int saved = errno;
  bool was_raw = terminal_raw != 0;
  RestoreTerminal();
  // Stop as the default action would, with the terminal as it was found.
  signal(SIGTSTP, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTSTP);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(SIGTSTP);
  // Continued (SIGCONT also asks for the redraw).
  sigprocmask(SIG_BLOCK, &set, nullptr);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTSTP, &sa, nullptr);
  if (was_raw) ApplyRawMode();
  errno = saved;
}

}  // namespace

bool InteractiveTerminal() {
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) return false;
  const char* term = getenv("TERM");
  return term != nullptr && *term != '\0' && strcmp(term, "dumb") != 0;
}

bool StdoutIsTerminal() { return isatty(STDOUT_FILENO) != 0; }

bool StderrSharesTerminal() {
  struct stat out, err;
  return isatty(STDERR_FILENO) && fstat(STDOUT_FILENO, &out) == 0 &&
         fstat(STDERR_FILENO, &err) == 0 && out.st_rdev == err.st_rdev;
}

bool EnterRawMode(std::string* error) {
  if (terminal_raw != 0) return true;
  if (tcgetattr(STDIN_FILENO, &terminal_found) != 0) {
    *error = strerror(errno);
    return false;
  }
  static bool installed = false;
  if (!installed) {
    installed = true;
    atexit(RestoreTerminal);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = OnFatalSignal;
    for (size_t i = 0; i < sizeof kFatalSignals / sizeof kFatalSignals[0]; ++i)
      sigaction(kFatalSignals[i], &sa, &fatal_before[i]);
    sa.sa_handler = OnStopSignal;
    sigaction(SIGTSTP, &sa, nullptr);
  }
  if (!ApplyRawMode()) {
    *error = strerror(errno);
    return false;
  }
  return true;
}

void LeaveRawMode() { RestoreTerminal(); }

int TerminalColumns() {
  struct winsize w;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != 0) return 0;
  return w.ws_col;
}

uint64_t WallClockMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec / 1000000);
}

std::string LocalClock(uint64_t wall_ms) {
  time_t t = static_cast<time_t>(wall_ms / 1000);
  tm local;
  char text[16];
  if (localtime_r(&t, &local) == nullptr) return "--:--:--";
  snprintf(text, sizeof text, "%02d:%02d:%02d", local.tm_hour, local.tm_min, local.tm_sec);
  return text;
}

}  // namespace net
}  // namespace floodchat

#endif  // _WIN32
