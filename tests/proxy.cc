#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

namespace floodchat_test {

namespace {

// What one direction of a connection holds: read from `src`, not yet
// written to `dst`. Bounded, so that a stalled or slow direction pushes back
// on its sender through TCP as a real link would.
constexpr size_t kDirBuffer = 64 * 1024;

uint64_t MonoUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

struct Dir {
  int src = -1, dst = -1;
  std::string buf;
  bool eof = false;    // src said it sends no more
  bool shut = false;   // ... and dst was told, once buf was out
  double allowance = 0;  // bytes it may still write under a rate limit
};

struct Conn {
  int client = -1, upstream = -1;
  Dir up, down;  // client -> upstream, upstream -> client
  bool dead = false;
  ~Conn() {
    if (client >= 0) close(client);
    if (upstream >= 0) close(upstream);
  }
};

void NonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  NonBlocking(fd);
  return fd;
}

// Moves what it can of one direction. False on an error: the connection
// is done with.
bool Move(Dir* d, bool readable, bool writable, uint64_t rate, std::atomic<uint64_t>* forwarded) {
  if (readable && !d->eof && d->buf.size() < kDirBuffer) {
    char chunk[kDirBuffer];
    ssize_t n = read(d->src, chunk, kDirBuffer - d->buf.size());
    if (n > 0) {
      d->buf.append(chunk, static_cast<size_t>(n));
    } else if (n == 0) {
      d->eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
      return false;
    }
  }
  if (writable && !d->buf.empty()) {
    size_t want = d->buf.size();
    if (rate != 0 && want > d->allowance) want = static_cast<size_t>(d->allowance);
    if (want > 0) {
      ssize_t n = send(d->dst, d->buf.data(), want, MSG_NOSIGNAL);
      if (n > 0) {
        d->buf.erase(0, static_cast<size_t>(n));
        if (rate != 0) d->allowance -= static_cast<double>(n);
        *forwarded += static_cast<uint64_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return false;
      }
    }
  }
  if (d->eof && d->buf.empty() && !d->shut) {
    shutdown(d->dst, SHUT_WR);
    d->shut = true;
  }
  return true;
}

}  // namespace

Proxy::Proxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return;
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(listen_fd_);
    listen_fd_ = -1;
    return;
  }
  NonBlocking(listen_fd_);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { Run(); });
}

Proxy::~Proxy() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void Proxy::Run() {
  std::vector<std::unique_ptr<Conn>> conns;
  uint64_t last_us = MonoUs();
  while (!stop_.load()) {
    Mode mode = mode_.load();
    uint64_t rate = rate_.load();
    uint64_t now_us = MonoUs();
    double earned = static_cast<double>(rate) * static_cast<double>(now_us - last_us) / 1e6;
    last_us = now_us;
    // A rate limit allows bursts of a 20th of a second at most.
    double cap = rate / 20.0 > 1500 ? rate / 20.0 : 1500;
    if (mode == Mode::kCut) conns.clear();
    std::vector<pollfd> fds;
    fds.push_back({listen_fd_, POLLIN, 0});
    for (auto& c : conns) {
      for (Dir* d : {&c->up, &c->down}) {
        d->allowance = d->allowance + earned > cap ? cap : d->allowance + earned;
      }
      short cev = 0, uev = 0;
      if (mode == Mode::kForward) {
        if (!c->up.eof && c->up.buf.size() < kDirBuffer) cev |= POLLIN;
        if (!c->down.eof && c->down.buf.size() < kDirBuffer) uev |= POLLIN;
        if (!c->down.buf.empty() && (rate == 0 || c->down.allowance >= 1)) cev |= POLLOUT;
        if (!c->up.buf.empty() && (rate == 0 || c->up.allowance >= 1)) uev |= POLLOUT;
      }
      fds.push_back({c->client, cev, 0});
      fds.push_back({c->upstream, uev, 0});
    }
    if (poll(fds.data(), fds.size(), 5) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      for (;;) {
        int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) break;
        if (mode_.load() == Mode::kCut) {  // a link that is down
          close(fd);
          continue;
        }
        int up = ConnectLoopback(target_port_);
        if (up < 0) {
          close(fd);
          continue;
        }
        NonBlocking(fd);
        auto c = std::make_unique<Conn>();
        c->client = fd;
        c->upstream = up;
        c->up.src = fd;
        c->up.dst = up;
        c->down.src = up;
        c->down.dst = fd;
        conns.push_back(std::move(c));
        ++accepted_;
      }
    }
    if (mode != Mode::kForward) continue;
    for (size_t i = 0; i < conns.size() && 1 + 2 * i + 1 < fds.size(); ++i) {
      Conn* c = conns[i].get();
      const pollfd& cf = fds[1 + 2 * i];
      const pollfd& uf = fds[2 + 2 * i];
      bool c_err = (cf.revents & (POLLERR | POLLNVAL)) != 0;
      bool u_err = (uf.revents & (POLLERR | POLLNVAL)) != 0;
      bool c_in = (cf.revents & (POLLIN | POLLHUP)) != 0;
      bool u_in = (uf.revents & (POLLIN | POLLHUP)) != 0;
      if (c_err || u_err || !Move(&c->up, c_in, (uf.revents & POLLOUT) != 0, rate, &forwarded_) ||
          !Move(&c->down, u_in, (cf.revents & POLLOUT) != 0, rate, &forwarded_)) {
        c->dead = true;
      }
      if (c->up.shut && c->down.shut) c->dead = true;
    }
    for (size_t i = conns.size(); i-- > 0;)
      if (conns[i]->dead) conns.erase(conns.begin() + static_cast<long>(i));
  }
}

}  // namespace floodchat_test
