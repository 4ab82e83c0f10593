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
  EXPECT_EQ(c.kind, CommandKind::kUnknown);
  EXPECT_EQ(c.name, "/frobnicate");
  EXPECT_EQ(c.suggestion, "");
  EXPECT_EQ(ParseCommand("/", false).kind, CommandKind::kUnknown);
  EXPECT_EQ(ParseCommand("/connect", false).kind, CommandKind::kError);
  EXPECT_EQ(ParseCommand("/connect", false).arg, "usage: /connect HOST:PORT");
  EXPECT_EQ(ParseCommand("/disconnect", false).kind, CommandKind::kError);
  EXPECT_EQ(ParseCommand("/nick   ", false).kind, CommandKind::kError);
  EXPECT_EQ(ParseCommand("/quit now", false).kind, CommandKind::kError);
  EXPECT_EQ(ParseCommand("/quit now", false).arg, "takes no argument");
}

TEST(CommandTest, NamesInAnyCase) {
  EXPECT_EQ(ParseCommand("/Peers", false).kind, CommandKind::kPeers);
  EXPECT_EQ(ParseCommand("/QUIT", false).kind, CommandKind::kQuit);
  Command c = ParseCommand("/DisConnect bob", false);
  EXPECT_EQ(c.kind, CommandKind::kDisconnect);
  EXPECT_EQ(c.arg, "bob");
  EXPECT_EQ(c.name, "/DisConnect");  // as typed, for messages
}

TEST(CommandTest, TyposSuggestTheClosestCommand) {
  struct Case {
    const char* line;
    const char* suggestion;
  } cases[] = {
      {"/conect x:1", "connect"},  // a letter missing
      {"/peeers", "peers"},        // one too many
      {"/stast", "stats"},         // two swapped
      {"/nikc bob", "nick"},
      {"/Qiut", "quit"},
      {"/disconect a:1", "disconnect"},
      {"/hlep", "help"},
      {"/dis x", "disconnect"},    // the start of one name only
      {"/q", "quit"},
      {"/xyz", ""},                // nothing close
      {"/frobnicate", ""},
      {"/pe", "peers"},
      {"/nuck", "nick"},
      {"/quiz", "quit"},
      {"/ab", ""},                 // two edits from many short names: too far
  };
  for (const Case& k : cases) {
    Command c = ParseCommand(k.line, false);
    EXPECT_EQ(c.kind, CommandKind::kUnknown) << k.line;
    EXPECT_EQ(c.suggestion, k.suggestion) << k.line;
  }
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
