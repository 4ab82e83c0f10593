// POSIX half of the platform layer (Linux, the BSDs, macOS). The whole file
// is guarded so that both build systems can list every platform file.
#ifndef _WIN32

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/crypto.h"
#include "net/net.h"

namespace floodchat {
namespace net {

namespace {

int wake_pipe[2] = {-1, -1};
volatile sig_atomic_t stop_requested = 0;
volatile sig_atomic_t status_requested = 0;
volatile sig_atomic_t reload_requested = 0;
volatile sig_atomic_t resize_requested = 0;
volatile sig_atomic_t resume_requested = 0;
int stdout_saved_flags = -1;
bool stdout_pollable = false;

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;
#else
constexpr int kSendFlags = 0;
#endif

void OnSignal(int sig) {
  int saved = errno;
  if (sig == SIGUSR1) {
    status_requested = 1;
  } else if (sig == SIGHUP) {
    reload_requested = 1;
  } else if (sig == SIGWINCH) {
    resize_requested = 1;
  } else if (sig == SIGCONT) {
    resume_requested = 1;
  } else {
    stop_requested = 1;
  }
  char byte = 1;
  // The pipe is non-blocking: if it is full a wake-up is already pending.
  ssize_t ignored = write(wake_pipe[1], &byte, 1);
  (void)ignored;
  errno = saved;
}

bool SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void SetCloseOnExec(int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }

bool AgainErrno(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

std::string ErrnoText(int e) { return strerror(e); }

const sockaddr* AsSockaddr(const Address& a) {
  return reinterpret_cast<const sockaddr*>(a.bytes);
}

// A fresh TCP socket for `family`, non-blocking and close-on-exec.
int NewSocket(int family, std::string* error) {
  int fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0) {
    *error = ErrnoText(errno);
    return -1;
  }
  SetCloseOnExec(fd);
  if (!SetNonBlocking(fd)) {
    *error = ErrnoText(errno);
    close(fd);
    return -1;
  }
  return fd;
}

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

void PrepareStdio() {
  // Until Startup handles them, the operator's signals must not end the
  // process (their default): a reload sent just after a service started.
  signal(SIGUSR1, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
}

std::string ResolveErrorText(int code) {
  return code == EAI_SYSTEM ? ErrnoText(errno) : gai_strerror(code);
}

const char* UserName() { return getenv("USER"); }

size_t RaiseDescriptorLimit(size_t wanted) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return wanted;
  if (r.rlim_cur >= wanted) return static_cast<size_t>(r.rlim_cur);
  rlim_t raised = r.rlim_max == RLIM_INFINITY || r.rlim_max >= wanted ? wanted : r.rlim_max;
  if (raised > r.rlim_cur) {
    rlim_t before = r.rlim_cur;
    r.rlim_cur = raised;
    if (setrlimit(RLIMIT_NOFILE, &r) != 0) r.rlim_cur = before;
  }
  return static_cast<size_t>(r.rlim_cur);
}

bool Startup(std::string* error) {
  signal(SIGPIPE, SIG_IGN);
  if (pipe(wake_pipe) != 0) {
    *error = ErrnoText(errno);
    return false;
  }
  for (int fd : wake_pipe) {
    SetCloseOnExec(fd);
    SetNonBlocking(fd);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: a call a signal interrupts returns EINTR, which every
  // caller here treats as "try again".
  // SIGWINCH and SIGCONT ask the line editor (terminal_posix.cc) to redraw.
  for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGHUP, SIGWINCH, SIGCONT}) sigaction(sig, &sa, nullptr);
  // A terminal is left blocking: its file description is shared with the
  // shell, and terminal writes do not stall for long. Pipes, sockets and files
  // are made non-blocking so that a slow reader never stalls the loop; the
  // old flags are restored on exit.
  if (!isatty(STDOUT_FILENO)) {
    int flags = fcntl(STDOUT_FILENO, F_GETFL, 0);
    if (flags >= 0 && fcntl(STDOUT_FILENO, F_SETFL, flags | O_NONBLOCK) == 0) {
      stdout_saved_flags = flags;
      stdout_pollable = true;
    }
  }
  return true;
}

void Cleanup() {
  if (stdout_saved_flags >= 0) fcntl(STDOUT_FILENO, F_SETFL, stdout_saved_flags);
  stdout_saved_flags = -1;
}

Socket Listen(const Address& address, bool* in_use, std::string* error) {
  *in_use = false;
  const sockaddr* sa = AsSockaddr(address);
  int fd = NewSocket(sa->sa_family, error);
  if (fd < 0) return kNoSocket;
  int one = 1;
  // Lets a restarted node take its port back while old connections sit in
  // TIME_WAIT; it does not let two listeners share a port.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, sa, address.size) != 0) {
    *in_use = errno == EADDRINUSE;
    *error = ErrnoText(errno);
    close(fd);
    return kNoSocket;
  }
  if (listen(fd, 128) != 0) {
    *in_use = errno == EADDRINUSE;
    *error = ErrnoText(errno);
    close(fd);
    return kNoSocket;
  }
  return fd;
}

bool LocalAddress(Socket socket, Address* out) {
  socklen_t len = sizeof out->bytes;
  if (getsockname(socket, reinterpret_cast<sockaddr*>(out->bytes), &len) != 0) return false;
  out->size = len;
  return true;
}

Io Accept(Socket listener, Socket* out, Address* from, std::string* error) {
  socklen_t len = sizeof from->bytes;
  int fd = accept(listener, reinterpret_cast<sockaddr*>(from->bytes), &len);
  if (fd < 0) {
    // ECONNABORTED: the client gave up before we got to it; try the next.
    if (AgainErrno(errno) || errno == ECONNABORTED) return Io::kWouldBlock;
    *error = ErrnoText(errno);
    return Io::kFailed;
  }
  from->size = len;
  SetCloseOnExec(fd);
  if (!SetNonBlocking(fd)) {
    *error = ErrnoText(errno);
    close(fd);
    return Io::kFailed;
  }
  NoDelay(fd);
  *out = fd;
  return Io::kDone;
}

Io Connect(const Address& address, Socket* out, std::string* error) {
  const sockaddr* sa = AsSockaddr(address);
  int fd = NewSocket(sa->sa_family, error);
  if (fd < 0) return Io::kFailed;
  NoDelay(fd);
  *out = fd;
  if (connect(fd, sa, address.size) == 0) return Io::kDone;
  if (errno == EINPROGRESS || errno == EINTR) return Io::kWouldBlock;
  *error = ErrnoText(errno);
  close(fd);
  *out = kNoSocket;
  return Io::kFailed;
}

Io ConnectResult(Socket socket, std::string* error) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(socket, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) return Io::kDone;
  if (err == EINPROGRESS) return Io::kWouldBlock;
  *error = ErrnoText(err);
  return Io::kFailed;
}

Io Send(Socket socket, const uint8_t* data, size_t size, size_t* sent, std::string* error) {
  *sent = 0;
  ssize_t n = send(socket, data, size, kSendFlags);
  if (n >= 0) {
    *sent = static_cast<size_t>(n);
    return Io::kDone;
  }
  if (AgainErrno(errno)) return Io::kWouldBlock;
  if (errno == EPIPE || errno == ECONNRESET) {
    *error = ErrnoText(errno);
    return Io::kClosed;
  }
  *error = ErrnoText(errno);
  return Io::kFailed;
}

Io Recv(Socket socket, uint8_t* data, size_t size, size_t* got, std::string* error) {
  *got = 0;
  ssize_t n = recv(socket, data, size, 0);
  if (n > 0) {
    *got = static_cast<size_t>(n);
    return Io::kDone;
  }
  if (n == 0) return Io::kClosed;
  if (AgainErrno(errno)) return Io::kWouldBlock;
  *error = ErrnoText(errno);
  return Io::kFailed;
}

void ShutdownWrite(Socket socket) { shutdown(socket, SHUT_WR); }

void Close(Socket socket) {
  if (socket != kNoSocket) close(socket);
}

Socket StdinHandle() { return STDIN_FILENO; }

Io ReadStdin(uint8_t* data, size_t size, size_t* got, std::string* error) {
  *got = 0;
  ssize_t n = read(STDIN_FILENO, data, size);
  if (n > 0) {
    *got = static_cast<size_t>(n);
    return Io::kDone;
  }
  if (n == 0) return Io::kClosed;
  if (AgainErrno(errno)) return Io::kWouldBlock;
  *error = ErrnoText(errno);
  return Io::kFailed;
}

Socket StdoutHandle() { return STDOUT_FILENO; }
bool StdoutPollable() { return stdout_pollable; }

Io WriteStdout(const uint8_t* data, size_t size, size_t* written, std::string* error) {
  *written = 0;
  while (*written < size) {
    ssize_t n = write(STDOUT_FILENO, data + *written, size - *written);
    if (n > 0) {
      *written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && AgainErrno(errno)) return Io::kWouldBlock;
    if (n < 0 && errno == EPIPE) {
      *error = ErrnoText(errno);
      return Io::kClosed;
    }
    *error = n < 0 ? ErrnoText(errno) : "write returned 0";
    return Io::kFailed;
  }
  return Io::kDone;
}

bool Poll(std::vector<PollEntry>* entries, int timeout_ms, std::string* error) {
  // One pollfd per entry plus the signal pipe at the end. Reused between
  // calls so the loop allocates nothing per turn.
  static std::vector<pollfd> fds;
  fds.resize(entries->size() + 1);
  for (size_t i = 0; i < entries->size(); ++i) {
    const PollEntry& e = (*entries)[i];
    fds[i].fd = e.want_read || e.want_write ? e.socket : -1;
    fds[i].events = static_cast<short>((e.want_read ? POLLIN : 0) | (e.want_write ? POLLOUT : 0));
    fds[i].revents = 0;
  }
  fds.back().fd = wake_pipe[0];
  fds.back().events = POLLIN;
  fds.back().revents = 0;
  if (stop_requested) timeout_ms = 0;
  int rc = poll(fds.data(), static_cast<nfds_t>(fds.size()), timeout_ms);
  if (rc < 0) {
    if (errno == EINTR) rc = 0;
    else {
      *error = ErrnoText(errno);
      return false;
    }
  }
  for (size_t i = 0; i < entries->size(); ++i) {
    PollEntry& e = (*entries)[i];
    short r = fds[i].revents;
    bool trouble = (r & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    e.readable = e.want_read && ((r & POLLIN) || trouble);
    e.writable = e.want_write && ((r & POLLOUT) || trouble);
  }
  if (fds.back().revents & POLLIN) {
    char drain[64];
    while (read(wake_pipe[0], drain, sizeof drain) > 0) {
    }
  }
  return true;
}

bool StopRequested() { return stop_requested != 0; }

bool TakeRequest(Request request) {
  volatile sig_atomic_t* flag = &status_requested;
  switch (request) {
    case Request::kStatus:
      break;
    case Request::kReload:
      flag = &reload_requested;
      break;
    case Request::kResize:
      flag = &resize_requested;
      break;
    case Request::kResume:
      flag = &resume_requested;
      break;
  }
  if (*flag == 0) return false;
  *flag = 0;
  return true;
}

uint64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

}  // namespace net
}  // namespace floodchat

#endif  // _WIN32
