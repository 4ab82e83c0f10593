#include "console/command.h"

#include <gtest/gtest.h>

namespace floodchat {
namespace {

TEST(CommandTest, PlainTextIsSent) {
  Command c = ParseCommand("hello world", false);
  EXPECT_EQ(c.kind, CommandKind::kSend);
  EXPECT_EQ(c.arg, "hello world");
}

TEST(CommandTest, EmptyLineIsNothing) { EXPECT_EQ(ParseCommand("", false).kind, CommandKind::kNothing); }

TEST(CommandTest, DoubleSlashSendsOneSlash) {
  Command c = ParseCommand("//etc/passwd", false);
  EXPECT_EQ(c.kind, CommandKind::kSend);
  EXPECT_EQ(c.arg, "/etc/passwd");
  EXPECT_EQ(ParseCommand("//", false).arg, "/");
}

TEST(CommandTest, Commands) {
  EXPECT_EQ(ParseCommand("/peers", false).kind, CommandKind::kPeers);
  EXPECT_EQ(ParseCommand("/stats", false).kind, CommandKind::kStats);
  EXPECT_EQ(ParseCommand("/quit", false).kind, CommandKind::kQuit);
  EXPECT_EQ(ParseCommand("/help", false).kind, CommandKind::kHelp);
  Command c = ParseCommand("/connect  host:5 ", false);
  EXPECT_EQ(c.kind, CommandKind::kConnect);
  EXPECT_EQ(c.arg, "host:5");
  c = ParseCommand("/nick\tzed", false);
  EXPECT_EQ(c.kind, CommandKind::kNick);
  EXPECT_EQ(c.arg, "zed");
}

TEST(CommandTest, Errors) {
  Command c = ParseCommand("/frobnicate now", false);
  EXPECT_EQ(c.kind, CommandKind::kError);
  EXPECT_EQ(c.name, "/frobnicate");
  EXPECT_EQ(ParseCommand("/", false).kind, CommandKind::kError);
  EXPECT_EQ(ParseCommand("/connect", false).kind, CommandKind::kError);
  EXPECT_EQ(ParseCommand("/nick   ", false).kind, CommandKind::kError);
  EXPECT_EQ(ParseCommand("/quit now", false).kind, CommandKind::kError);
  EXPECT_EQ(ParseCommand("/Peers", false).kind, CommandKind::kError);  // case matters
}

TEST(CommandTest, RawSendsEverything) {
  Command c = ParseCommand("/quit", true);
  EXPECT_EQ(c.kind, CommandKind::kSend);
  EXPECT_EQ(c.arg, "/quit");
  EXPECT_EQ(ParseCommand("//x", true).arg, "//x");
  EXPECT_EQ(ParseCommand("", true).kind, CommandKind::kNothing);
}

}  // namespace
}  // namespace floodchat
