// Presence on real processes: joins, a nick change, a clean leave and a crash
// are seen once on every node that should see them; /who after the churn; the
// json objects and nothing in the text format; a nick used twice is warned
// about.
#include <gtest/gtest.h>

#include <signal.h>

#include <string>
#include <vector>

#include "harness.h"

namespace floodchat_test {
namespace {

using Node = std::unique_ptr<Proc>;

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

// Presence objects of `type` from `from` among a node's json lines.
size_t Events(const Proc* p, const std::string& type, const std::string& from) {
  size_t n = 0;
  for (const std::string& l : p->lines())
    if (l.rfind("{\"type\":\"" + type + "\",", 0) == 0 &&
        l.find("\"from\":\"" + from + "\"") != std::string::npos)
      ++n;
  return n;
}

bool WaitEvent(Proc* p, const std::string& type, const std::string& from, int timeout_ms) {
  return p->WaitLines([&](const std::vector<std::string>&) { return Events(p, type, from) > 0; },
                      timeout_ms);
}

Node Start(const std::string& nick, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"-l", "127.0.0.1:0", "-n", nick, "--peers", "0",
                                   "--heartbeat", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  Node n = Proc::Start(args);
  EXPECT_GT(n->Port(), 0) << n->err();
  return n;
}

TEST(Presence, JoinNickLeaveAndCrashAreSeenOnceOnEveryNode) {
  // A star around a; each node joins once the one before is up, so that who
  // hears whose join is fixed: a node's join goes to its first peer and on
  // from there.
  Node a = Start("a", {"-f", "json", "--presence"});
  int port = a->Port();
  Node b = Start("b", {"-f", "json", "--presence", "-c", Addr(port)});
  ASSERT_TRUE(WaitConnected(a.get(), 1)) << a->err();
  ASSERT_TRUE(WaitEvent(b.get(), "joined", "a", 5000)) << b->err();
  Node c = Start("c", {"-f", "json", "--presence", "-c", Addr(port)});
  ASSERT_TRUE(WaitConnected(a.get(), 2)) << a->err();
  ASSERT_TRUE(WaitEvent(b.get(), "joined", "c", 5000)) << b->err();
  Node d = Start("d", {"-f", "json", "--presence", "-c", Addr(port)});
  ASSERT_TRUE(WaitConnected(a.get(), 3)) << a->err();
  for (Proc* p : {a.get(), b.get(), c.get()}) ASSERT_TRUE(WaitEvent(p, "joined", "d", 5000));
  Node t = Start("t", {"-f", "text", "--presence", "-c", Addr(port)});
  ASSERT_TRUE(WaitConnected(a.get(), 4)) << a->err();
  for (Proc* p : {a.get(), b.get(), c.get(), d.get()})
    ASSERT_TRUE(WaitEvent(p, "joined", "t", 5000)) << p->err();
  EXPECT_EQ(Events(a.get(), "joined", "b"), 1u);
  EXPECT_EQ(Events(a.get(), "joined", "c"), 1u);
  EXPECT_EQ(Events(b.get(), "joined", "a"), 1u);
  EXPECT_EQ(Events(b.get(), "joined", "c"), 1u);
  EXPECT_EQ(Events(c.get(), "joined", "b"), 0u);  // b joined before c was there
  EXPECT_EQ(Events(d.get(), "joined", "t"), 1u);

  b->Write("/nick bobby\n");
  for (Proc* p : {a.get(), c.get(), d.get()}) {
    ASSERT_TRUE(WaitEvent(p, "nick", "bobby", 5000)) << p->err();
    EXPECT_NE(p->lines().back().find("\"was\":\"b\""), std::string::npos) << p->lines().back();
  }

  // Two heartbeats: every node knows every other, also those that joined
  // before it did.
  PumpFor(2500);
  d->Write("/who\n");
  ASSERT_TRUE(d->WaitStderr("who: 5 nodes\n", 5000)) << d->err();
  // The rows are written one by one, by nick.
  for (const char* row : {"  a      heard from ", "  bobby  heard from ", "  c      heard from ",
                          "  d      this node\n", "  t      heard from "})
    EXPECT_TRUE(d->WaitStderr(row, 3000)) << row << "\n" << d->err();

  // A clean leave, then a crash.
  c->CloseStdin();
  EXPECT_EQ(c->Wait(5000), 0) << c->err();
  for (Proc* p : {a.get(), b.get(), d.get()}) ASSERT_TRUE(WaitEvent(p, "left", "c", 5000));
  d->Signal(SIGKILL);
  d->Wait(5000);
  // Gone after 3 heartbeats and 2 s: 5 s here.
  long long killed = NowMs();
  for (Proc* p : {a.get(), b.get()}) ASSERT_TRUE(WaitEvent(p, "gone", "d", 15000)) << p->err();
  EXPECT_GE(NowMs() - killed, 3000);
  PumpFor(1500);  // a second report would show up by now
  for (Proc* p : {a.get(), b.get()}) {
    EXPECT_EQ(Events(p, "left", "c"), 1u);
    EXPECT_EQ(Events(p, "gone", "d"), 1u);
    EXPECT_EQ(Events(p, "left", "d"), 0u);
    EXPECT_EQ(Events(p, "nick", "bobby"), p == b.get() ? 0u : 1u);
  }
  a->Write("/who\n");
  ASSERT_TRUE(a->WaitStderr("who: 3 nodes\n", 5000)) << a->err();
  ASSERT_TRUE(a->WaitStderr("  t      heard from ", 3000)) << a->err();
  EXPECT_EQ(a->err().find("  d "), std::string::npos) << a->err();
  // The text format prints messages only: t has seen none.
  EXPECT_TRUE(t->lines().empty()) << t->lines()[0];
  // Presence takes nothing from the message counters.
  EXPECT_EQ(Stat(a.get(), "received"), 0);
  EXPECT_EQ(Stat(a.get(), "sent"), 0);
}

TEST(Presence, ANickUsedTwiceIsWarnedAboutOnBothNodes) {
  Node a = Start("same", {});
  Node b = Start("same", {"-c", Addr(a->Port())});
  const std::string warning = "uses the nick same too; /nick NAME picks another";
  ASSERT_TRUE(a->WaitStderr(warning, 5000)) << a->err();
  ASSERT_TRUE(b->WaitStderr(warning, 5000)) << b->err();
  PumpFor(2500);  // heartbeats and messages do not repeat it
  b->Write("hello\n");
  ASSERT_TRUE(a->WaitLineCount(1, 5000));
  EXPECT_EQ(Count(a->err(), warning), 1u) << a->err();
  EXPECT_EQ(Count(b->err(), warning), 1u) << b->err();
  // Taking a nick in use is warned about at once.
  Node c = Start("carol", {"-c", Addr(a->Port())});
  ASSERT_TRUE(WaitConnected(c.get(), 1));
  PumpFor(1500);  // c has heard a's heartbeat
  c->Write("/nick same\n");
  ASSERT_TRUE(c->WaitStderr(warning, 5000)) << c->err();
}

}  // namespace
}  // namespace floodchat_test
