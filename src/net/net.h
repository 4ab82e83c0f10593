// The platform layer: every socket, poll, clock, random and terminal call the
// program makes goes through here, so porting touches this header's
// implementations and nothing else: net_posix.cc and net_win32.cc (sockets,
// poll, stdio), system_posix.cc and system_win32.cc (the random source, the
// key file), each guarded whole so that every build lists them all, and
// net_address.cc, the socket-address conversions they share. Callers never see errno or
// WSAGetLastError(): each call answers with one of a few outcomes and, on
// failure, a reason in *error.
#ifndef FLOODCHAT_NET_NET_H_
#define FLOODCHAT_NET_NET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wire/address.h"

namespace floodchat {
namespace net {

#ifdef _WIN32
using Socket = uintptr_t;
#else
using Socket = int;
#endif
constexpr Socket kNoSocket = static_cast<Socket>(-1);

enum class Io {
  kDone,        // the call did its work (for Recv: got > 0 bytes)
  kWouldBlock,  // nothing now; poll and try again
  kClosed,      // the other side closed (Recv: end of stream)
  kFailed,      // an error; *error says which
};

// A socket address, opaque to callers (a sockaddr_storage inside).
struct Address {
  alignas(8) unsigned char bytes[128];
  unsigned size = 0;
};

// Called first thing in main: makes stdin, stdout and stderr carry bytes as
// they are (Windows would turn "\n" into "\r\n"), so that output is the same
// on every platform; on POSIX, ignores SIGUSR1 and SIGHUP until Startup
// handles them.
void PrepareStdio();
// The user's login name for the default nick ($USER; on Windows %USERNAME%
// when $USER is unset), or null.
const char* UserName();

// Process-wide set-up: SIGPIPE ignored, SIGINT and SIGTERM turned into a stop
// request, SIGUSR1 and SIGHUP into the requests of TakeRequest, each of which
// wakes Poll; stdout made non-blocking when it is not a terminal.
bool Startup(std::string* error);
// Undoes what Startup changed on shared file descriptions (stdout's flags).
void Cleanup();
// Raises the limit on open descriptors (RLIMIT_NOFILE's soft limit) to
// `wanted` if it is lower and the hard limit allows; returns the limit then in
// force, or `wanted` if there is no such limit.
size_t RaiseDescriptorLimit(size_t wanted);

// Resolves host (a name or a numeric address) and port. `passive` is for
// listening. At least one address on success.
bool Resolve(const std::string& host, uint16_t port, bool passive,
             std::vector<Address>* out, std::string* error);
// The text for a getaddrinfo() failure code; each platform file has its own,
// for Resolve in net_address.cc.
std::string ResolveErrorText(int code);
// Numeric "a.b.c.d:port" or "[v6]:port".
std::string AddressText(const Address& address);
// Between socket addresses and the mesh's plain form. An IPv4-mapped IPv6
// address becomes IPv4. False for anything that is not IPv4 or IPv6.
bool ToPeerAddress(const Address& address, PeerAddress* out);
Address FromPeerAddress(const PeerAddress& address);

// A non-blocking listening socket. *in_use is set when the port is taken.
Socket Listen(const Address& address, bool* in_use, std::string* error);
bool LocalAddress(Socket socket, Address* out);
// kDone with *out set (non-blocking, Nagle off), kWouldBlock when no
// connection is waiting, kFailed otherwise (e.g. out of file descriptors).
Io Accept(Socket listener, Socket* out, Address* from, std::string* error);

// Starts a non-blocking connect: kDone (connected at once), kWouldBlock (in
// progress: wait for writability, then ConnectResult), kFailed.
Io Connect(const Address& address, Socket* out, std::string* error);
Io ConnectResult(Socket socket, std::string* error);

Io Send(Socket socket, const uint8_t* data, size_t size, size_t* sent, std::string* error);
Io Recv(Socket socket, uint8_t* data, size_t size, size_t* got, std::string* error);
void ShutdownWrite(Socket socket);
void Close(Socket socket);

// stdin and stdout. StdinHandle() is pollable for reading. Stdout is polled
// for writing only when StdoutPollable(); otherwise writes block (a terminal).
Socket StdinHandle();
Io ReadStdin(uint8_t* data, size_t size, size_t* got, std::string* error);
Socket StdoutHandle();
bool StdoutPollable();
Io WriteStdout(const uint8_t* data, size_t size, size_t* written, std::string* error);

struct PollEntry {
  Socket socket = kNoSocket;
  bool want_read = false;
  bool want_write = false;
  // Results:
  bool readable = false;  // includes end of stream and errors: read to learn which
  bool writable = false;  // includes errors on a connecting socket
};
// Waits up to timeout_ms (-1: no limit) for any entry, or for a stop request.
// False only on an unexpected poll failure, with *error set.
bool Poll(std::vector<PollEntry>* entries, int timeout_ms, std::string* error);
// True once SIGINT or SIGTERM (or the Windows console equivalents) arrived.
bool StopRequested();
// What an operator may ask of a running node by signal (POSIX only; Windows
// has neither signal, and TakeRequest is always false there).
enum class Request {
  kStatus,  // SIGUSR1: print the /stats and /peers views
  kReload,  // SIGHUP: read the key file again
  kResize,  // SIGWINCH: the terminal's size changed
  kResume,  // SIGCONT: the process was stopped and goes on; redraw
};
// True if the request arrived since the last call that returned true for it.
// Several signals before one call count as one.
bool TakeRequest(Request request);

// The terminal, for the line editor (POSIX; the Windows console stays in
// its cooked mode, and InteractiveTerminal is false there).
// True when stdin and stdout are both terminals and $TERM names one that can
// move its cursor (set, and not "dumb").
bool InteractiveTerminal();
// True when stderr is the terminal stdout is.
bool StderrSharesTerminal();
// True when stdout is a terminal (on Windows, a console), whatever stdin is:
// what is printed there is read by a person.
bool StdoutIsTerminal();
// Puts stdin's terminal in the editor's mode: no echo, no line buffering,
// no CR-to-LF translation, no flow control; signals (Ctrl-C, Ctrl-Z, Ctrl-\)
// and output processing stay. The modes found are restored by LeaveRawMode,
// at exit(), on a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
// SIGQUIT) before it takes its course, and before the process stops
// (SIGTSTP; SIGCONT enters the mode again and is Request::kResume).
bool EnterRawMode(std::string* error);
void LeaveRawMode();
// The terminal's width in columns, 0 if unknown.
int TerminalColumns();

uint64_t NowMs();  // monotonic milliseconds
// The wall clock: milliseconds since 1970 (UTC), and that time of day in the
// local time zone as "HH:MM:SS" (for --timestamps).
uint64_t WallClockMs();
std::string LocalClock(uint64_t wall_ms);
// Fills `size` bytes from the OS random source; false if it is unavailable.
bool RandomBytes(void* out, size_t size);

// Reads a regular file of at most max_size bytes (the key file). False with
// *error for a missing, unreadable, special or larger file. *exposed is true
// when the file's permissions let its group or others read it (always false
// on Windows, which has no such mode bits).
bool ReadPrivateFile(const char* path, size_t max_size, std::string* text, bool* exposed,
                     std::string* error);

}  // namespace net
}  // namespace floodchat

#endif  // FLOODCHAT_NET_NET_H_
