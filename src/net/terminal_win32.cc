// Windows: the console (no line editor: it stays in its cooked mode) and the
// wall clock. Guarded as net_win32.cc is.
#ifdef _WIN32

#include <windows.h>

#include <time.h>

#include <cstdio>
#include <string>

#include "net/net.h"

namespace floodchat {
namespace net {

// The console stays in its cooked mode (PORTABILITY in the man page): the
// line editor is for POSIX terminals.
bool InteractiveTerminal() { return false; }
bool StderrSharesTerminal() { return false; }
bool StdoutIsTerminal() {
  DWORD mode = 0;
  return GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) != 0;
}
bool EnterRawMode(std::string* error) {
  *error = "not available on Windows";
  return false;
}
void LeaveRawMode() {}
int TerminalColumns() { return 0; }

uint64_t WallClockMs() {
  FILETIME f;
  GetSystemTimeAsFileTime(&f);
  uint64_t t = (static_cast<uint64_t>(f.dwHighDateTime) << 32) | f.dwLowDateTime;
  return t / 10000 - 11644473600000ull;  // 100 ns units since 1601
}

std::string LocalClock(uint64_t wall_ms) {
  time_t t = static_cast<time_t>(wall_ms / 1000);
  tm local;
  char text[16];
  if (localtime_s(&local, &t) != 0) return "--:--:--";
  snprintf(text, sizeof text, "%02d:%02d:%02d", local.tm_hour, local.tm_min, local.tm_sec);
  return text;
}

}  // namespace net
}  // namespace floodchat

#endif  // _WIN32
