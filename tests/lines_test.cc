#include "wire/lines.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace floodchat {
namespace {

// Collects events as "line" or "!N" (too long, N bytes).
struct Collector {
  std::vector<std::string> got;
  void operator()(const LineEvent& e) {
    got.push_back(e.too_long ? "!" + std::to_string(e.length) : std::string(e.line));
  }
};

std::vector<std::string> Split(size_t max, const std::vector<std::string>& pieces, bool finish) {
  LineSplitter s(max);
  Collector c;
  for (const auto& p : pieces) s.Feed(p.data(), p.size(), [&](const LineEvent& e) { c(e); });
  if (finish) s.Finish([&](const LineEvent& e) { c(e); });
  return c.got;
}

TEST(LineSplitterTest, SplitsOnLfAndDropsOneCr) {
  EXPECT_EQ(Split(100, {"a\nb\r\n\nc\r\r\n"}, false),
            (std::vector<std::string>{"a", "b", "", "c\r"}));
}

// Found by tests/fuzz/lines_fuzz.cc: an overlong line's reported length
// counted its CR, unlike every other line's.
TEST(LineSplitterTest, OverlongCrLfLineLengthLeavesOutTheCr) {
  EXPECT_EQ(Split(4, {"abcdefgh\r\n"}, false), std::vector<std::string>{"!8"});
  EXPECT_EQ(Split(4, {"abcdefgh\r", "\n"}, false), std::vector<std::string>{"!8"});
  EXPECT_EQ(Split(4, {"abcd\r", "\r\n"}, false), std::vector<std::string>{"!5"});
  EXPECT_EQ(Split(4, {"abcdefgh\r"}, true), std::vector<std::string>{"!8"});
}

TEST(LineSplitterTest, EverySplitPoint) {
  const std::string in("hello\r\nworld\n\nx\0y\nlast", 22);
  std::vector<std::string> want = Split(100, {in}, true);
  ASSERT_EQ(want.size(), 5u);
  EXPECT_EQ(want[3], std::string("x\0y", 3));
  for (size_t cut = 0; cut <= in.size(); ++cut)
    EXPECT_EQ(Split(100, {in.substr(0, cut), in.substr(cut)}, true), want) << cut;
}

TEST(LineSplitterTest, LastLineWithoutLfOnFinish) {
  EXPECT_EQ(Split(100, {"a\nb"}, false), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Split(100, {"a\nb"}, true), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Split(100, {"a\n"}, true), (std::vector<std::string>{"a"}));
}

TEST(LineSplitterTest, LineAtTheLimitPasses) {
  std::string at(10, 'x');
  EXPECT_EQ(Split(10, {at + "\n"}, false), (std::vector<std::string>{at}));
  EXPECT_EQ(Split(10, {at + "\r\n"}, false), (std::vector<std::string>{at}));
  EXPECT_EQ(Split(10, {at.substr(0, 4), at.substr(4) + "\r", "\n"}, false),
            (std::vector<std::string>{at}));
}

TEST(LineSplitterTest, OverlongLineIsReportedNotDelivered) {
  std::string over(11, 'x');
  EXPECT_EQ(Split(10, {over + "\nok\n"}, false), (std::vector<std::string>{"!11", "ok"}));
  // Arriving in pieces, the splitter stops buffering and still counts.
  EXPECT_EQ(Split(10, {"xxxxxxxx", "xxxxxxxx", "xxxx\nok\n"}, false),
            (std::vector<std::string>{"!20", "ok"}));
}

TEST(LineSplitterTest, MemoryStaysBoundedWithoutNewlines) {
  LineSplitter s(64);
  std::string chunk(1000, 'z');
  int events = 0;
  for (int i = 0; i < 1000; ++i) {
    s.Feed(chunk.data(), chunk.size(), [&](const LineEvent&) { ++events; });
    ASSERT_LE(s.pending(), 65u);
  }
  EXPECT_EQ(events, 0);
  s.Feed("\n", 1, [&](const LineEvent& e) {
    ++events;
    EXPECT_TRUE(e.too_long);
    EXPECT_EQ(e.length, 1000000u);
  });
  EXPECT_EQ(events, 1);
}

TEST(LineSplitterTest, OverlongUnterminatedLineOnFinish) {
  EXPECT_EQ(Split(3, {"abcdefg"}, true), (std::vector<std::string>{"!7"}));
}

}  // namespace
}  // namespace floodchat
