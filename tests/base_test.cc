// The small helpers every part uses: the report throttle, the backlog
// tracker, the log, and the limits made from the options.
#include <gtest/gtest.h>

#include "base/backlog.h"
#include "base/diag.h"
#include "base/throttle.h"
#include "node_limits.h"

namespace floodchat {
namespace {

TEST(ReportThrottleTest, FirstReportAtOnceThenAtMostOnceASecondWithTheCount) {
  ReportThrottle t;
  EXPECT_EQ(t.Deadline(), UINT64_MAX);
  EXPECT_FALSE(t.Due(5));
  EXPECT_TRUE(t.Note(5));
  EXPECT_EQ(t.Take(5), 1u);
  EXPECT_FALSE(t.Note(6));
  EXPECT_FALSE(t.Note(900, 3));
  EXPECT_EQ(t.Deadline(), 1005u);
  EXPECT_FALSE(t.Due(1004));
  EXPECT_TRUE(t.Due(1005));
  EXPECT_EQ(t.Take(1005), 4u);
  EXPECT_EQ(t.Deadline(), UINT64_MAX);
  EXPECT_TRUE(t.Note(2005));
}

TEST(RepeatFilterTest, EachKindOnceThenOnceAMinuteWithWhatWasHeldBack) {
  RepeatFilter f;
  uint64_t held = 99;
  EXPECT_TRUE(f.Show("refused: no key", 1000, &held));
  EXPECT_EQ(held, 0u);
  EXPECT_TRUE(f.Show("timed out", 1001, &held));  // another kind: its own first
  EXPECT_EQ(held, 0u);
  for (uint64_t t = 2000; t < 61000; t += 1000) EXPECT_FALSE(f.Show("refused: no key", t, &held));
  EXPECT_TRUE(f.Show("refused: no key", 61000, &held));
  EXPECT_EQ(held, 59u);
  EXPECT_FALSE(f.Show("refused: no key", 61001, &held));
  EXPECT_FALSE(f.Show("timed out", 2000, &held));
  // Many kinds: the one shown longest ago is forgotten first, and a forgotten
  // kind is new again.
  for (size_t i = 0; i < RepeatFilter::kKinds; ++i)
    EXPECT_TRUE(f.Show("kind " + std::to_string(i), 70000 + i, &held)) << i;
  EXPECT_TRUE(f.Show("timed out", 70100, &held));  // forgotten, so shown at once
  EXPECT_EQ(held, 0u);
  EXPECT_FALSE(f.Show("kind 15", 70200, &held));  // still remembered
}

TEST(BacklogTest, HoldsInputBackUntilStalledOrStopped) {
  BacklogLimits l;
  l.soft = 100;
  l.stall_ms = 1000;
  l.stopped_ms = 250;
  Backlog b;
  b.Track(100, 10, l);
  EXPECT_FALSE(b.active());
  EXPECT_EQ(b.Deadline(l), UINT64_MAX);
  b.Track(101, 10, l);
  EXPECT_TRUE(b.active());
  EXPECT_TRUE(b.HoldsInputBack(101, 10, l));
  // No progress: stopped after stopped_ms.
  EXPECT_EQ(b.Deadline(l), 260u);
  EXPECT_FALSE(b.HoldsInputBack(101, 260, l));
  // Progress moves the stopped deadline, never past the stall deadline.
  b.Progress(200);
  EXPECT_EQ(b.Deadline(l), 450u);
  b.Progress(900);
  EXPECT_EQ(b.Deadline(l), 1010u);
  // Back under the bound: the backlog is over; a new one starts afresh.
  b.Track(50, 1100, l);
  EXPECT_FALSE(b.active());
  EXPECT_FALSE(b.HoldsInputBack(50, 1100, l));
  b.Track(150, 2000, l);
  EXPECT_EQ(b.Deadline(l), 2250u);
  EXPECT_EQ(b.WakeAt(2000, l), 2250u);
  EXPECT_EQ(b.WakeAt(2250, l), UINT64_MAX);
}

TEST(LogTest, ShowsUpToItsVerbosityAndCaptures) {
  std::vector<std::string> lines;
  Log quiet(0);
  quiet.CaptureInto(&lines);
  quiet.Say(Level::kError, "e %d", 1);
  quiet.Say(Level::kInfo, "i");
  Log verbose(2);
  verbose.CaptureInto(&lines);
  verbose.Say(Level::kDebug, "d %s", "x");
  Log none(-1);
  none.CaptureInto(&lines);
  none.Say(Level::kError, "never");
  EXPECT_EQ(lines, (std::vector<std::string>{"e 1", "d x"}));
  EXPECT_FALSE(none.Shows(Level::kError));
}

TEST(LimitsTest, OptionsSetTheirLimitsAndNothingElse) {
  Options o;
  o.queue_max = 3 << 20;
  o.stdout_max = 5 << 20;
  o.handshake_timeout = 7;
  Limits l = LimitsFor(o);
  EXPECT_EQ(l.queue_hard, size_t{3} << 20);
  EXPECT_EQ(l.stdout_max, size_t{5} << 20);
  EXPECT_EQ(l.handshake_ms, 7000u);
  EXPECT_EQ(l.connect_ms, 7000u);
  // The rest are the man page's fixed bounds.
  Limits d;
  EXPECT_EQ(l.backlog.soft, d.backlog.soft);
  EXPECT_EQ(l.backlog.soft, size_t{1} << 20);
  EXPECT_EQ(l.backlog.stall_ms, 1000u);
  EXPECT_EQ(l.backlog.stopped_ms, 250u);
  EXPECT_EQ(l.read_chunk, size_t{256} << 10);
  EXPECT_EQ(l.stdin_chunk, size_t{64} << 10);
  EXPECT_EQ(l.pending_max, size_t{1} << 20);
  EXPECT_EQ(l.max_refusing, 16u);
  EXPECT_EQ(l.refuse_linger_ms, 2000u);
  EXPECT_EQ(l.drain_ms, 5000u);
  EXPECT_EQ(l.accept_pause_ms, 100u);
  // Defaults for default options.
  Limits def = LimitsFor(Options());
  EXPECT_EQ(def.queue_hard, kDefaultQueueMax);
  EXPECT_EQ(def.stdout_max, kDefaultStdoutMax);
  EXPECT_EQ(def.handshake_ms, kDefaultHandshakeTimeout * 1000u);
}

}  // namespace
}  // namespace floodchat
