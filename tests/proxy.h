// A TCP proxy on 127.0.0.1 that a test controls: it forwards every
// connection it accepts to a target port, and can be told to stall (stop
// forwarding without closing anything, as a link that silently loses every
// packet), to cut (close every connection and each new one at once, as a
// link that is down), or to limit each direction to a byte rate (a slow
// link). It runs on its own thread with its own poll loop, so it works while
// the test waits on processes.
#ifndef FLOODCHAT_TESTS_PROXY_H_
#define FLOODCHAT_TESTS_PROXY_H_

#include <atomic>
#include <cstdint>
#include <thread>

namespace floodchat_test {

class Proxy {
 public:
  enum class Mode { kForward, kStall, kCut };

  // Listens on an ephemeral port of 127.0.0.1 and forwards to
  // 127.0.0.1:target_port. port() is -1 if that failed.
  explicit Proxy(int target_port);
  ~Proxy();  // stops the thread and closes everything
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  int port() const { return port_; }
  void SetMode(Mode mode) { mode_.store(mode); }
  // Bytes per second in each direction of each connection; 0: no limit.
  void SetRate(uint64_t bytes_per_second) { rate_.store(bytes_per_second); }
  // Bytes forwarded so far, both directions, all connections.
  uint64_t forwarded() const { return forwarded_.load(); }
  // Connections accepted so far.
  uint64_t accepted() const { return accepted_.load(); }

 private:
  void Run();

  int listen_fd_ = -1;
  int port_ = -1;
  int target_port_;
  std::atomic<Mode> mode_{Mode::kForward};
  std::atomic<uint64_t> rate_{0};
  std::atomic<uint64_t> forwarded_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace floodchat_test

#endif  // FLOODCHAT_TESTS_PROXY_H_
