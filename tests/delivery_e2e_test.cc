// Delivery, end to end on 127.0.0.1: links that go quiet without closing,
// through a proxy the test controls (proxy.h). Times are printed as figures;
// the bounds asserted are the documented ones with room for a loaded machine.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "proxy.h"

namespace floodchat_test {
namespace {

using Node = std::unique_ptr<Proc>;

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

void Report(const std::string& what) {
  printf("[ figures  ] %s\n", what.c_str());
  fflush(stdout);
}

const char kKey[] = "5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d";

// A node on 127.0.0.1 port 0 that makes no connections of its own, with
// `extra` arguments.
Node Start(const std::string& nick, std::vector<std::string> extra) {
  std::vector<std::string> args = {"-l", "127.0.0.1:0", "-n", nick, "--peers", "0", "-f", "text"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Proc::Start(args);
}

// a <- proxy <- b, both with --keepalive 1 (a keepalive each idle second, a
// peer silent for 3 s closed). The proxy then stops forwarding without
// closing: both ends close the link on their own, within the documented
// 3 s of their last news of the other.
void SilentPeerIsDetected(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--keepalive", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  Node a = Start("a", args);
  int a_port = a->Port();
  ASSERT_GT(a_port, 0) << a->err();
  Proxy proxy(a_port);
  ASSERT_GT(proxy.port(), 0);
  std::vector<std::string> b_args = args;
  b_args.push_back("-c");
  b_args.push_back(Addr(proxy.port()));
  Node b = Start("b", b_args);
  ASSERT_GT(b->Port(), 0) << b->err();
  ASSERT_TRUE(WaitConnectedTo(a.get(), "b", 1)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(b.get(), "a", 1)) << b->err();
  b->Write("before\n");
  ASSERT_TRUE(a->WaitLineCount(1, 5000));
  // Idle for 4 s, longer than the silence that closes: keepalives hold it.
  PumpFor(4000);
  EXPECT_EQ(Count(a->err(), "nothing received"), 0u) << a->err();
  EXPECT_EQ(Count(b->err(), "nothing received"), 0u) << b->err();
  b->Write("idle\n");
  ASSERT_TRUE(a->WaitLineCount(2, 5000)) << a->err();

  proxy.SetMode(Proxy::Mode::kStall);
  long long t0 = NowMs();
  const std::string said = "nothing received for 3 s; closed";
  ASSERT_TRUE(a->WaitStderr(said, 10000)) << a->err();
  long long a_ms = NowMs() - t0;
  ASSERT_TRUE(b->WaitStderr(said, 10000)) << b->err();
  long long b_ms = NowMs() - t0;
  // Nothing was heard after the stall began, and the last news before it is
  // at most a keepalive time (1 s) old: closed no sooner than 2 s after.
  EXPECT_GE(a_ms, 1900);
  EXPECT_GE(b_ms, 1900);
  EXPECT_EQ(Stat(a.get(), "peers"), 0);
  EXPECT_EQ(Stat(b.get(), "peers"), 0);
  // The link back: b dials again through the proxy and the two talk.
  proxy.SetMode(Proxy::Mode::kForward);
  ASSERT_TRUE(WaitConnectedTo(a.get(), "b", 2, 15000)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(b.get(), "a", 2, 15000)) << b->err();
  b->Write("after\n");
  ASSERT_TRUE(a->WaitLineCount(3, 5000)) << a->err();
  EXPECT_EQ(a->lines()[2], "after");
  char figures[200];
  snprintf(figures, sizeof figures,
           "silent peer%s, --keepalive 1: closed by a %lld ms and by b %lld ms after the link "
           "went silent (bound 3000 after the last news)",
           extra.empty() ? "" : " (keyed)", a_ms, b_ms);
  Report(figures);
}

TEST(Delivery, SilentPeerIsDetectedAndClosed) { SilentPeerIsDetected({}); }

TEST(Delivery, SilentPeerIsDetectedAndClosedKeyed) {
  TempFile key(std::string(kKey) + "\n");
  SilentPeerIsDetected({"-k", key.path()});
}

}  // namespace
}  // namespace floodchat_test
