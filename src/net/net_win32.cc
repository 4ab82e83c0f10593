// Winsock half of the platform layer (Windows, built with MinGW-w64). The
// whole file is guarded so that both build systems can list every platform
// file.
//
// What differs from POSIX, and why:
//  - Windows cannot wait on a console or pipe handle and on sockets in one
//    call. A reader thread (the program's one other thread) copies stdin into
//    one end of a loopback TCP connection; the loop polls and reads the other
//    end like any peer. Backpressure is kept: the thread blocks in send() when
//    the loop stops reading.
//  - Waiting is select(), which is the call that reliably reports a failed
//    non-blocking connect (in the exception set; WSAPoll misses it on older
//    Windows). FD_SETSIZE is raised below past the largest --max-peers.
//  - Ctrl+C, Ctrl+Break and closing the console set the stop flag and wake
//    select() through a second loopback connection.
//  - Writes to stdout block (a console or a pipe cannot be polled). A console
//    is switched to UTF-8 output while the node runs.
//  - Winsock error codes are mapped to the same few outcomes as errno on
//    POSIX, with the same texts for the common ones.
#ifdef _WIN32

// select() on up to this many sockets: --max-peers (at most 1000), the
// connections being refused, the listener, stdin and the wake-up socket.
#define FD_SETSIZE 1100

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <fcntl.h>
#include <time.h>
#include <io.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "crypto/crypto.h"
#include "net/net.h"

namespace floodchat {
namespace net {

namespace {

volatile LONG stop_requested = 0;
SOCKET wake_send = INVALID_SOCKET;     // written by the console handler
SOCKET wake_receive = INVALID_SOCKET;  // polled by the loop
SOCKET stdin_feed = INVALID_SOCKET;    // written by the stdin thread
SOCKET stdin_loop = INVALID_SOCKET;    // read by the loop
UINT saved_output_cp = 0;              // the console's code page, restored at exit

std::string ErrorText(int code) {
  switch (code) {
    case WSAECONNREFUSED: return "Connection refused";
    case WSAECONNRESET: return "Connection reset by peer";
    case WSAECONNABORTED: return "Software caused connection abort";
    case WSAETIMEDOUT: return "Connection timed out";
    case WSAEADDRINUSE: return "Address already in use";
    case WSAEADDRNOTAVAIL: return "Cannot assign requested address";
    case WSAENETUNREACH: return "Network is unreachable";
    case WSAEHOSTUNREACH: return "No route to host";
    case WSAEMFILE: return "Too many open sockets";
    case WSAENOBUFS: return "No buffer space available";
    case WSAEAFNOSUPPORT: return "Address family not supported";
    case WSAHOST_NOT_FOUND: return "Name or service not known";
    case WSATRY_AGAIN: return "Temporary failure in name resolution";
    case WSANO_DATA: return "No address associated with hostname";
    default: break;
  }
  char text[256];
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                           static_cast<DWORD>(code), 0, text, sizeof text, nullptr);
  while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == '\n' || text[n - 1] == '.')) --n;
  if (n == 0) {
    snprintf(text, sizeof text, "error %d", code);
    return text;
  }
  return std::string(text, n);
}

std::string LastError() { return ErrorText(WSAGetLastError()); }

const sockaddr* AsSockaddr(const Address& a) {
  return reinterpret_cast<const sockaddr*>(a.bytes);
}

bool SetNonBlocking(SOCKET s) {
  u_long one = 1;
  return ioctlsocket(s, FIONBIO, &one) == 0;
}

// A fresh TCP socket, not inherited by child processes.
SOCKET NewSocket(int family) {
  SOCKET s = socket(family, SOCK_STREAM, IPPROTO_TCP);
  if (s != INVALID_SOCKET)
    SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
  return s;
}

void NoDelay(SOCKET s) {
  BOOL one = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
}

// Two ends of a blocking TCP connection on 127.0.0.1: Windows has no pipe
// that select() accepts.
bool LoopbackPair(SOCKET* a, SOCKET* b, std::string* error) {
  SOCKET listener = NewSocket(AF_INET);
  if (listener == INVALID_SOCKET) {
    *error = LastError();
    return false;
  }
  sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int len = sizeof addr;
  *a = *b = INVALID_SOCKET;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      listen(listener, 1) == 0 &&
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    *a = NewSocket(AF_INET);
    if (*a != INVALID_SOCKET &&
        connect(*a, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
      *b = accept(listener, nullptr, nullptr);
  }
  if (*b == INVALID_SOCKET) {
    *error = LastError();
    if (*a != INVALID_SOCKET) closesocket(*a);
    closesocket(listener);
    *a = INVALID_SOCKET;
    return false;
  }
  closesocket(listener);
  SetHandleInformation(reinterpret_cast<HANDLE>(*b), HANDLE_FLAG_INHERIT, 0);
  NoDelay(*a);
  return true;
}

BOOL WINAPI OnConsoleEvent(DWORD) {
  InterlockedExchange(&stop_requested, 1);
  char byte = 1;
  send(wake_send, &byte, 1, 0);
  return TRUE;  // handled: the loop drains and exits by itself
}

// The stdin thread: copies stdin into stdin_feed until end of input (or an
// error, or the loop closing its end), then closes its sending side, which
// the loop reads as end of input.
DWORD WINAPI PumpStdin(LPVOID) {
  HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  static char chunk[64 * 1024];
  if (in != nullptr && in != INVALID_HANDLE_VALUE) {
    for (;;) {
      DWORD got = 0;
      if (!ReadFile(in, chunk, sizeof chunk, &got, nullptr) || got == 0) break;
      DWORD sent = 0;
      while (sent < got) {
        int n = send(stdin_feed, chunk + sent, static_cast<int>(got - sent), 0);
        if (n <= 0) break;
        sent += static_cast<DWORD>(n);
      }
      if (sent < got) break;
    }
  }
  shutdown(stdin_feed, SD_SEND);
  return 0;
}

}  // namespace

void PrepareStdio() {
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
}

std::string ResolveErrorText(int code) { return ErrorText(code); }

const char* UserName() {
  const char* user = getenv("USER");
  return user != nullptr ? user : getenv("USERNAME");
}

size_t RaiseDescriptorLimit(size_t wanted) {
  // Sockets are not counted against a per-process limit here; select() is
  // bounded by FD_SETSIZE, which is above the largest --max-peers.
  return wanted;
}

bool Startup(std::string* error) {
  WSADATA data;
  int rc = WSAStartup(MAKEWORD(2, 2), &data);
  if (rc != 0) {
    *error = "WSAStartup: " + ErrorText(rc);
    return false;
  }
  if (!LoopbackPair(&wake_send, &wake_receive, error)) return false;
  SetNonBlocking(wake_receive);
  if (!LoopbackPair(&stdin_feed, &stdin_loop, error)) return false;
  SetNonBlocking(stdin_loop);
  // Small buffers, so that input the loop is not taking stays in the pipe or
  // console it came from, as on POSIX, instead of piling up in the connection.
  int buffer = 64 * 1024;
  setsockopt(stdin_feed, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&buffer),
             sizeof buffer);
  setsockopt(stdin_loop, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&buffer),
             sizeof buffer);
  HANDLE thread = CreateThread(nullptr, 0, PumpStdin, nullptr, 0, nullptr);
  if (thread == nullptr) {
    *error = "stdin thread: " + ErrorText(static_cast<int>(GetLastError()));
    return false;
  }
  CloseHandle(thread);
  SetConsoleCtrlHandler(OnConsoleEvent, TRUE);
  // Messages are UTF-8: a console shows them as such only in code page 65001.
  // The setting belongs to the console, not the process, so it is put back.
  UINT cp = GetConsoleOutputCP();
  if (cp != 0 && cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8)) saved_output_cp = cp;
  return true;
}

void Cleanup() {
  // The stdin thread may still be blocked reading; process exit ends it.
  SetConsoleCtrlHandler(OnConsoleEvent, FALSE);
  if (saved_output_cp != 0) SetConsoleOutputCP(saved_output_cp);
  saved_output_cp = 0;
  WSACleanup();
}

Socket Listen(const Address& address, bool* in_use, std::string* error) {
  *in_use = false;
  const sockaddr* sa = AsSockaddr(address);
  SOCKET s = NewSocket(sa->sa_family);
  if (s == INVALID_SOCKET || !SetNonBlocking(s)) {
    *error = LastError();
    if (s != INVALID_SOCKET) closesocket(s);
    return kNoSocket;
  }
  // No SO_REUSEADDR: on Windows it would let another socket bind the port
  // while this one listens. No SO_EXCLUSIVEADDRUSE either: it keeps a
  // restarted node off its port until the old connections have died out,
  // which is what POSIX's SO_REUSEADDR is set to avoid (libuv makes the same
  // choice).
  if (bind(s, sa, static_cast<int>(address.size)) != 0 || listen(s, 128) != 0) {
    int code = WSAGetLastError();
    *in_use = code == WSAEADDRINUSE || code == WSAEACCES;
    *error = ErrorText(code);
    closesocket(s);
    return kNoSocket;
  }
  return s;
}

bool LocalAddress(Socket socket, Address* out) {
  int len = sizeof out->bytes;
  if (getsockname(socket, reinterpret_cast<sockaddr*>(out->bytes), &len) != 0) return false;
  out->size = static_cast<unsigned>(len);
  return true;
}

Io Accept(Socket listener, Socket* out, Address* from, std::string* error) {
  int len = sizeof from->bytes;
  SOCKET s = accept(listener, reinterpret_cast<sockaddr*>(from->bytes), &len);
  if (s == INVALID_SOCKET) {
    int code = WSAGetLastError();
    // WSAECONNRESET: the client gave up before we got to it; try the next.
    if (code == WSAEWOULDBLOCK || code == WSAEINTR || code == WSAECONNRESET)
      return Io::kWouldBlock;
    *error = ErrorText(code);
    return Io::kFailed;
  }
  from->size = static_cast<unsigned>(len);
  SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
  if (!SetNonBlocking(s)) {
    *error = LastError();
    closesocket(s);
    return Io::kFailed;
  }
  NoDelay(s);
  *out = s;
  return Io::kDone;
}

Io Connect(const Address& address, Socket* out, std::string* error) {
  const sockaddr* sa = AsSockaddr(address);
  SOCKET s = NewSocket(sa->sa_family);
  if (s == INVALID_SOCKET || !SetNonBlocking(s)) {
    *error = LastError();
    if (s != INVALID_SOCKET) closesocket(s);
    return Io::kFailed;
  }
  NoDelay(s);
  *out = s;
  if (connect(s, sa, static_cast<int>(address.size)) == 0) return Io::kDone;
  int code = WSAGetLastError();
  if (code == WSAEWOULDBLOCK || code == WSAEINPROGRESS) return Io::kWouldBlock;
  *error = ErrorText(code);
  closesocket(s);
  *out = kNoSocket;
  return Io::kFailed;
}

Io ConnectResult(Socket socket, std::string* error) {
  int err = 0;
  int len = sizeof err;
  if (getsockopt(socket, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) != 0)
    err = WSAGetLastError();
  if (err == 0) return Io::kDone;
  if (err == WSAEWOULDBLOCK || err == WSAEINPROGRESS) return Io::kWouldBlock;
  *error = ErrorText(err);
  return Io::kFailed;
}

Io Send(Socket socket, const uint8_t* data, size_t size, size_t* sent, std::string* error) {
  *sent = 0;
  int n = send(socket, reinterpret_cast<const char*>(data),
               static_cast<int>(size > INT_MAX ? INT_MAX : size), 0);
  if (n >= 0) {
    *sent = static_cast<size_t>(n);
    return Io::kDone;
  }
  int code = WSAGetLastError();
  if (code == WSAEWOULDBLOCK || code == WSAEINTR) return Io::kWouldBlock;
  *error = ErrorText(code);
  if (code == WSAECONNRESET || code == WSAECONNABORTED || code == WSAESHUTDOWN)
    return Io::kClosed;
  return Io::kFailed;
}

Io Recv(Socket socket, uint8_t* data, size_t size, size_t* got, std::string* error) {
  *got = 0;
  int n = recv(socket, reinterpret_cast<char*>(data),
               static_cast<int>(size > INT_MAX ? INT_MAX : size), 0);
  if (n > 0) {
    *got = static_cast<size_t>(n);
    return Io::kDone;
  }
  if (n == 0) return Io::kClosed;
  int code = WSAGetLastError();
  if (code == WSAEWOULDBLOCK || code == WSAEINTR) return Io::kWouldBlock;
  *error = ErrorText(code);
  return Io::kFailed;
}

void ShutdownWrite(Socket socket) { shutdown(socket, SD_SEND); }

void Close(Socket socket) {
  if (socket != kNoSocket) closesocket(socket);
}

Socket StdinHandle() { return stdin_loop; }

Io ReadStdin(uint8_t* data, size_t size, size_t* got, std::string* error) {
  Io r = Recv(stdin_loop, data, size, got, error);
  if (r == Io::kFailed) *error = "stdin: " + *error;
  return r;
}

Socket StdoutHandle() { return kNoSocket; }
bool StdoutPollable() { return false; }

Io WriteStdout(const uint8_t* data, size_t size, size_t* written, std::string* error) {
  *written = 0;
  HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
  while (*written < size) {
    DWORD chunk = static_cast<DWORD>(size - *written > (1u << 30) ? (1u << 30) : size - *written);
    DWORD n = 0;
    if (!WriteFile(out, data + *written, chunk, &n, nullptr)) {
      DWORD code = GetLastError();
      *error = code == ERROR_BROKEN_PIPE || code == ERROR_NO_DATA
                   ? std::string("Broken pipe")
                   : ErrorText(static_cast<int>(code));
      return code == ERROR_BROKEN_PIPE || code == ERROR_NO_DATA ? Io::kClosed : Io::kFailed;
    }
    *written += n;
  }
  return Io::kDone;
}

bool Poll(std::vector<PollEntry>* entries, int timeout_ms, std::string* error) {
  // Filled by hand rather than with FD_SET, which scans the set for
  // duplicates on every insert. Static: each set holds FD_SETSIZE sockets.
  static fd_set readers, writers, failed;
  readers.fd_count = writers.fd_count = failed.fd_count = 0;
  for (const PollEntry& e : *entries) {
    if (e.want_read && readers.fd_count < FD_SETSIZE - 1)
      readers.fd_array[readers.fd_count++] = e.socket;
    if (e.want_write && writers.fd_count < FD_SETSIZE) {
      writers.fd_array[writers.fd_count++] = e.socket;
      failed.fd_array[failed.fd_count++] = e.socket;  // a failed connect shows here
    }
  }
  readers.fd_array[readers.fd_count++] = wake_receive;
  if (InterlockedCompareExchange(&stop_requested, 0, 0) != 0) timeout_ms = 0;
  timeval tv;
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  int rc = select(0, &readers, &writers, &failed, timeout_ms < 0 ? nullptr : &tv);
  if (rc == SOCKET_ERROR) {
    *error = LastError();
    return false;
  }
  for (PollEntry& e : *entries) {
    e.readable = e.want_read && FD_ISSET(e.socket, &readers);
    e.writable = e.want_write && (FD_ISSET(e.socket, &writers) || FD_ISSET(e.socket, &failed));
  }
  if (FD_ISSET(wake_receive, &readers)) {
    char drain[64];
    while (recv(wake_receive, drain, sizeof drain, 0) > 0) {
    }
  }
  return true;
}

bool StopRequested() { return InterlockedCompareExchange(&stop_requested, 0, 0) != 0; }

// Windows has no SIGUSR1 or SIGHUP (PORTABILITY in the man page).
bool TakeRequest(Request) { return false; }

uint64_t NowMs() { return GetTickCount64(); }

}  // namespace net
}  // namespace floodchat

#endif  // _WIN32
