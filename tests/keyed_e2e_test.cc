// Keyed mode (-k), end to end on 127.0.0.1: nodes with the same key chat;
// nodes with a wrong key or none are refused and see nothing; a proxy that
// carries the traffic finds no text in it; one flipped byte closes that one
// connection; a node with two keys talks to nodes holding either; the key
// file's errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace floodchat_test {
namespace {

using Node = std::unique_ptr<Proc>;

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

const char kKey1[] = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const char kKey2[] = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

// A TCP proxy on 127.0.0.1 in a thread of its own: it forwards every
// connection it accepts to `target`, keeps a copy of all the bytes it
// carries, and can flip one byte of the first connection's client-to-server
// stream.
class Proxy {
 public:
  Proxy(int target, long flip_at = -1) : target_(target), flip_at_(flip_at) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        listen(listen_fd_, 8) == 0 &&
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~Proxy() {
    stop_ = true;
    thread_.join();
    for (const Pair& p : pairs_) {
      if (p.client >= 0) close(p.client);
      if (p.server >= 0) close(p.server);
    }
    close(listen_fd_);
  }
  int port() const { return port_; }
  int connections() const { return accepted_; }
  bool flipped() const { return flipped_; }
  std::string Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  struct Pair {
    int client, server;
    long client_bytes = 0;  // carried client -> server
    bool first;
  };
  void Run() {
    while (!stop_) {
      std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
      for (const Pair& p : pairs_) {
        fds.push_back({p.client, POLLIN, 0});
        fds.push_back({p.server, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      size_t polled = pairs_.size();  // Accept() may add one
      if (fds[0].revents & POLLIN) Accept();
      for (size_t i = 0; i < polled; ++i) {
        Pair& p = pairs_[i];
        if (fds[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) Forward(&p, true);
        if (fds[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) Forward(&p, false);
      }
    }
  }
  void Accept() {
    int c = accept(listen_fd_, nullptr, nullptr);
    if (c < 0) return;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(target_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(c);
      close(s);
      return;
    }
    pairs_.push_back({c, s, 0, accepted_ == 0});
    ++accepted_;
  }
  void Forward(Pair* p, bool from_client) {
    char buf[65536];
    int from = from_client ? p->client : p->server, to = from_client ? p->server : p->client;
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) {
      // Either end gone: close both, as a proxy does. (poll skips the -1s.)
      close(p->client);
      close(p->server);
      p->client = p->server = -1;
      return;
    }
    if (from_client && p->first && flip_at_ >= p->client_bytes && flip_at_ < p->client_bytes + n) {
      buf[flip_at_ - p->client_bytes] ^= 0x01;
      flipped_ = true;
    }
    if (from_client) p->client_bytes += n;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.append(buf, static_cast<size_t>(n));
    }
    ssize_t done = 0;
    while (done < n) {
      ssize_t w = send(to, buf + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
      if (w <= 0) break;
      done += w;
    }
  }

  int target_;
  long flip_at_;
  int listen_fd_ = -1;
  int port_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<bool> flipped_{false};
  std::vector<Pair> pairs_;  // the proxy thread's own
  std::mutex mu_;
  std::string seen_;
  std::thread thread_;  // last: it starts once everything above exists
};

Node StartNode(const std::string& nick, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"-l", "127.0.0.1:0", "-n", nick, "--peers", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Proc::Start(args);
}

bool WaitFor(Proc* p, const std::string& line, int timeout_ms = 10000) {
  return p->WaitLines([&](const std::vector<std::string>& l) { return CountLine(l, line) > 0; },
                      timeout_ms);
}

TEST(Keyed, NodesWithTheKeyChatAndOthersAreRefusedAndSeeNothing) {
  TempFile k1(std::string("# the network key\n") + kKey1 + "\n");
  TempFile k2(std::string(kKey2) + "\n");
  // A mesh that dials: -c only, plus the automatic dialling (--peers 5).
  Node a = Proc::Start({"-l", "127.0.0.1:0", "-n", "a", "-k", k1.path()});
  int port = a->Port();
  ASSERT_GT(port, 0) << a->err();
  Node b = Proc::Start({"-l", "127.0.0.1:0", "-n", "b", "-k", k1.path(), "-c", Addr(port)});
  Node c = Proc::Start({"-l", "127.0.0.1:0", "-n", "c", "-k", k1.path(), "-c", Addr(port)});
  ASSERT_TRUE(WaitConnected(b.get(), 1)) << b->err();
  ASSERT_TRUE(WaitConnected(c.get(), 1)) << c->err();
  // A wrong key and no key, both dialling A with a long handshake timeout:
  // the refusal must come from the key exchange, not the timeout.
  Node w = StartNode("w", {"-k", k2.path(), "-c", Addr(port), "--handshake-timeout", "60"});
  Node o = StartNode("o", {"-c", Addr(port), "--handshake-timeout", "60"});
  EXPECT_TRUE(a->WaitStderr("authentication failed", 5000)) << a->err();
  EXPECT_TRUE(a->WaitStderr("refused: the peer has no network key", 5000)) << a->err();
  EXPECT_TRUE(w->WaitStderr("during the key exchange", 5000)) << w->err();
  EXPECT_TRUE(o->WaitStderr("refused: the peer uses a network key (-k) and this node has none",
                            5000))
      << o->err();

  // a is the hub of every path: it must have b's and c's hellos too, not
  // only they a's (b and c may be dialling each other meanwhile).
  ASSERT_TRUE(WaitConnected(a.get(), 2)) << a->err();
  a->Write("from a\n");
  b->Write("from b\n");
  c->Write("from c\n");
  ASSERT_TRUE(WaitFor(a.get(), "b: from b")) << a->err();
  ASSERT_TRUE(WaitFor(a.get(), "c: from c")) << a->err();
  ASSERT_TRUE(WaitFor(b.get(), "a: from a")) << b->err();
  ASSERT_TRUE(WaitFor(b.get(), "c: from c")) << b->err();
  ASSERT_TRUE(WaitFor(c.get(), "a: from a")) << c->err();
  ASSERT_TRUE(WaitFor(c.get(), "b: from b")) << c->err();
  Settle();
  EXPECT_EQ(a->lines().size(), 2u);
  EXPECT_EQ(b->lines().size(), 2u);
  EXPECT_EQ(c->lines().size(), 2u);
  w->Write("from w\n");
  o->Write("from o\n");
  PumpFor(500);
  EXPECT_TRUE(w->lines().empty()) << w->lines()[0];
  EXPECT_TRUE(o->lines().empty()) << o->lines()[0];
  for (Proc* p : {a.get(), b.get(), c.get()})
    for (const std::string& l : p->lines()) EXPECT_EQ(l.find("from w"), std::string::npos) << l;
  a->Write("/stats\n");
  EXPECT_TRUE(a->WaitStderr("auth_failed=", 3000));
  EXPECT_GE(Stat(a.get(), "auth_failed"), 1);
  EXPECT_EQ(Stat(a.get(), "peers"), 2);
  // The dialler with the wrong key counts its refusal too: the other end
  // closed during the key exchange, which is how an unknown key is refused.
  EXPECT_GE(Stat(w.get(), "auth_failed"), 1) << w->err();
}

TEST(Keyed, AProxyFindsNoTextAndAnOpenNetworkShowsIt) {
  for (bool keyed : {true, false}) {
    TempFile k1(std::string(kKey1) + "\n");
    std::vector<std::string> key;
    if (keyed) key = {"-k", k1.path()};
    Node a = StartNode("alice-the-sender", key);
    int port = a->Port();
    ASSERT_GT(port, 0) << a->err();
    Proxy proxy(port);
    Node b = StartNode("bob-the-reader", key);
    b->Write("/connect " + Addr(proxy.port()) + "\n");
    ASSERT_TRUE(WaitConnected(b.get(), 1)) << b->err();
    std::vector<std::string> texts;
    std::string from_a, from_b;
    for (int i = 0; i < 100; ++i) {
      texts.push_back("secret-line-" + std::to_string(i) + "-of-the-plan");
      (i % 2 ? from_a : from_b) += texts.back() + "\n";
    }
    a->Write(from_a);
    b->Write(from_b);
    ASSERT_TRUE(a->WaitLineCount(50, 10000)) << a->err();
    ASSERT_TRUE(b->WaitLineCount(50, 10000)) << b->err();
    std::string seen = proxy.Seen();
    EXPECT_GT(seen.size(), 100u * 20);
    size_t found = 0;
    for (const std::string& t : texts) found += seen.find(t) != std::string::npos;
    found += seen.find("alice-the-sender") != std::string::npos;
    found += seen.find("bob-the-reader") != std::string::npos;
    if (keyed) {
      EXPECT_EQ(found, 0u) << "plaintext on a keyed wire";
      EXPECT_EQ(seen.find("secret-line"), std::string::npos);
    } else {
      EXPECT_EQ(found, texts.size() + 2) << "the proxy should see an open network's text";
    }
  }
}

TEST(Keyed, AFlippedByteClosesThatConnectionAndTheNodesCarryOn) {
  TempFile k1(std::string(kKey1) + "\n");
  Node a = StartNode("a", {"-k", k1.path()});
  int port = a->Port();
  ASSERT_GT(port, 0) << a->err();
  // The flip falls in B's messages, past the key hello, both hellos and the
  // address frames.
  Proxy proxy(port, 1500);
  Node b = StartNode("b", {"-k", k1.path(), "-c", "127.0.0.1:" + std::to_string(proxy.port())});
  ASSERT_TRUE(WaitConnected(b.get(), 1)) << b->err();
  std::string burst;
  for (int i = 0; i < 40; ++i)
    burst += "before " + std::to_string(i) + " " + std::string(40, 'x') + "\n";
  b->Write(burst);
  EXPECT_TRUE(a->WaitStderr("authentication failed", 5000)) << a->err();
  EXPECT_TRUE(proxy.flipped());
  // Both keep running; B dials again (through the proxy, which no longer
  // flips) and the network works.
  EXPECT_EQ(a->Wait(0), -1);
  EXPECT_EQ(b->Wait(0), -1);
  ASSERT_TRUE(WaitConnected(b.get(), 2, 10000)) << b->err();
  b->Write("after the flip\n");
  a->Write("a is fine\n");
  EXPECT_TRUE(WaitFor(a.get(), "b: after the flip")) << a->err();
  EXPECT_TRUE(WaitFor(b.get(), "a: a is fine")) << b->err();
  EXPECT_GE(proxy.connections(), 2);
  // Nothing after the flip on the broken connection was taken; what it did
  // not deliver was repaired on the new one (anti-entropy): every line
  // arrived once, in order.
  Settle();
  size_t before = 0;
  for (const std::string& l : a->lines())
    if (l.rfind("b: before ", 0) == 0) {
      EXPECT_EQ(l, "b: before " + std::to_string(before) + " " + std::string(40, 'x'));
      ++before;
    }
  EXPECT_EQ(before, 40u);
  EXPECT_GT(Stat(b.get(), "resent"), 0);
}

TEST(Keyed, AFullNodeTellsOutsidersNothing) {
  // Open, a full node answers any connection with a full frame listing
  // addresses; keyed, it sends nothing before a key exchange, so an outsider
  // learns no member's address. (That members are pointed elsewhere is the
  // mesh test FullNodeRefusesAndPointsElsewhere, which .ci/run also runs
  // with every node keyed.)
  for (bool keyed : {false, true}) {
    TempFile k1(std::string(kKey1) + "\n");
    std::vector<std::string> key;
    if (keyed) key = {"-k", k1.path()};
    std::vector<std::string> a_args = key;
    a_args.insert(a_args.end(), {"--max-peers", "1"});
    Node a = StartNode("a", a_args);
    int port = a->Port();
    ASSERT_GT(port, 0) << a->err();
    std::vector<std::string> b_args = key;
    b_args.insert(b_args.end(), {"-c", Addr(port)});
    Node b = StartNode("b", b_args);
    ASSERT_TRUE(WaitConnected(a.get(), 1)) << a->err();
    RawClient outsider(port);
    ASSERT_TRUE(outsider.connected());
    outsider.Receive(500);
    if (keyed) {
      EXPECT_EQ(outsider.received().size(), 0u);
    } else {
      ASSERT_GE(outsider.received().size(), 5u);
      EXPECT_EQ(outsider.received()[4], '\x04') << "a full frame";
    }
  }
}

// A node refused again and again (a neighbour that retries with the wrong
// key, a scanner) is said once, not on every attempt; -v says every one.
TEST(Keyed, RepeatedRefusalsAreSaidOnceAMinute) {
  TempFile k1(std::string(kKey1) + "\n");
  for (bool verbose : {false, true}) {
    std::vector<std::string> args = {"-k", k1.path()};
    if (verbose) args.push_back("-v");
    Node a = StartNode("a", args);
    int port = a->Port();
    ASSERT_GT(port, 0) << a->err();
    const int kTries = 6;
    for (int i = 0; i < kTries; ++i) {
      RawClient plain(port);
      ASSERT_TRUE(plain.connected());
      plain.Send(HelloBytes(100 + static_cast<uint64_t>(i), "plain"));
      EXPECT_TRUE(plain.WaitClosed(5000)) << i;
    }
    EXPECT_EQ(Stat(a.get(), "auth_failed"), kTries);  // every one is counted
    const std::string refusal = "refused: the peer has no network key (-k) and this node requires one";
    long long until = NowMs() + 3000;
    while (verbose && Count(a->err(), refusal) < static_cast<size_t>(kTries) && NowMs() < until)
      Proc::PumpAll(20);
    EXPECT_EQ(Count(a->err(), refusal), verbose ? static_cast<size_t>(kTries) : 1u) << a->err();
  }
}

TEST(Keyed, RotationANodeWithTwoKeysTalksToNodesWithEither) {
  TempFile k21(std::string(kKey2) + "\n" + kKey1 + "\n");
  TempFile k1(std::string(kKey1) + "\n");
  TempFile k2(std::string(kKey2) + "\n");
  // B holds [k2, k1]: it accepts both. A holds only the old key and dials B
  // (B accepts k1); C holds only the new one, and B dials it (with k2).
  Node b = StartNode("b", {"-k", k21.path()});
  int port = b->Port();
  ASSERT_GT(port, 0) << b->err();
  Node c = StartNode("c", {"-k", k2.path()});
  int c_port = c->Port();
  ASSERT_GT(c_port, 0) << c->err();
  Node a = StartNode("a", {"-k", k1.path(), "-c", Addr(port)});
  b->Write("/connect " + Addr(c_port) + "\n");
  ASSERT_TRUE(WaitConnected(b.get(), 2)) << b->err();
  a->Write("old key here\n");
  c->Write("new key here\n");
  b->Write("both keys here\n");
  EXPECT_TRUE(WaitFor(c.get(), "a: old key here")) << c->err();
  EXPECT_TRUE(WaitFor(a.get(), "c: new key here")) << a->err();
  EXPECT_TRUE(WaitFor(a.get(), "b: both keys here"));
  EXPECT_TRUE(WaitFor(c.get(), "b: both keys here"));
  EXPECT_TRUE(WaitFor(b.get(), "a: old key here"));
  EXPECT_TRUE(WaitFor(b.get(), "c: new key here"));
  Settle();
  EXPECT_EQ(a->lines().size(), 2u);
  EXPECT_EQ(b->lines().size(), 2u);
  EXPECT_EQ(c->lines().size(), 2u);
  // And A, which has only the old key, cannot reach C directly.
  a->Write("/connect " + Addr(c_port) + "\n");
  EXPECT_TRUE(c->WaitStderr("authentication failed", 5000)) << c->err();
}

TEST(Keyed, KeyFileErrorsExitTwoNamingFileAndLine) {
  std::string out, err;
  TempFile bad(std::string("# ok\n") + kKey1 + "\nnot a key\n");
  EXPECT_EQ(RunToEnd({"-k", bad.path(), "--no-listen"}, "", &out, &err), 2);
  EXPECT_EQ(err, "floodchat: " + bad.path() + ":3: not a key: expected 64 hex digits " +
                     "(floodchat --gen-key makes one)\n");
  TempFile empty("# nothing here\n\n");
  EXPECT_EQ(RunToEnd({"-k", empty.path(), "--no-listen"}, "", &out, &err), 2);
  EXPECT_NE(err.find(empty.path() + ": no key in the file"), std::string::npos) << err;
  EXPECT_EQ(RunToEnd({"-k", "/nonexistent/keys", "--no-listen"}, "", &out, &err), 2);
  EXPECT_EQ(err, "floodchat: /nonexistent/keys: No such file or directory\n");
  EXPECT_EQ(RunToEnd({"-k", "/tmp", "--no-listen"}, "", &out, &err), 2);
  EXPECT_EQ(Count(err, "\n"), 1u) << err;
}

// POSIX only: Windows keeps access rights in ACLs, and the node does not
// look at them (see the man page, PORTABILITY).
TEST(Keyed, KeyFileReadableByOthersDrawsAWarning) {
  std::string out, err;
  TempFile open_file(std::string(kKey1) + "\n", 0644);
  EXPECT_EQ(RunToEnd({"-k", open_file.path(), "--no-listen"}, "", &out, &err), 0);
  EXPECT_NE(err.find(open_file.path() + ": warning: readable by group or others"),
            std::string::npos)
      << err;
}

TEST(Keyed, GenKeyPrintsAFreshKey) {
  std::string out1, out2, err;
  ASSERT_EQ(RunToEnd({"--gen-key"}, "", &out1, &err), 0) << err;
  ASSERT_EQ(RunToEnd({"--gen-key"}, "", &out2, &err), 0) << err;
  ASSERT_EQ(out1.size(), 65u);
  EXPECT_EQ(out1.back(), '\n');
  EXPECT_EQ(out1.find_first_not_of("0123456789abcdef"), 64u);
  EXPECT_NE(out1, out2);
  // It is a key the node takes.
  TempFile k(out1);
  EXPECT_EQ(RunToEnd({"-k", k.path(), "--no-listen"}, "", &out2, &err), 0) << err;
  EXPECT_EQ(RunToEnd({"--gen-key", "-n", "x"}, "", &out2, &err), 2);
  EXPECT_EQ(err, "floodchat: --gen-key: takes no other option\n");
}

}  // namespace
}  // namespace floodchat_test
