// The console without a terminal: bytes fed in as stdin would bring them,
// requests recorded by a fake node, and the stdout queue read back.
#include "console/console.h"
#include "console/views.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/endian.h"

namespace floodchat {
namespace {

class FakeNode : public ConsoleActions {
 public:
  void SendLine(std::string_view text) override { log.push_back("send " + std::string(text)); }
  void Connect(const Endpoint& e) override { log.push_back("connect " + EndpointText(e)); }
  void ShowPeers() override { log.push_back("peers"); }
  void ShowStats() override { log.push_back("stats"); }
  void ShowWho() override { log.push_back("who"); }
  void SetNick(std::string_view nick) override { log.push_back("nick " + std::string(nick)); }
  void Quit() override { log.push_back("quit"); }
  void Disconnect(std::string_view what) override {
    log.push_back("disconnect " + std::string(what));
  }
  std::vector<std::string> log;
};

class ConsoleTest : public ::testing::Test {
 protected:
  ConsoleTest() { log_.CaptureInto(&said_); }
  std::unique_ptr<Console> Make(ConsoleConfig c) {
    return std::make_unique<Console>(c, &node_, &log_);
  }
  void Feed(Console* c, const std::string& bytes) { c->Feed(bytes.data(), bytes.size()); }
  Message M(const std::string& nick, const std::string& text) {
    Message m;
    PutU64(m.id.bytes, 1);
    m.hops = 1;
    m.hop_limit = 64;
    nick_ = nick;
    text_ = text;
    m.nick = nick_;
    m.text = text_;
    return m;
  }
  std::string Queued(const Console& c) {
    return std::string(reinterpret_cast<const char*>(c.queued().data()), c.queued().size());
  }

  FakeNode node_;
  std::vector<std::string> said_;
  Log log_{1};
  std::string nick_, text_;
};

TEST_F(ConsoleTest, LinesBecomeRequests) {
  auto c = Make(ConsoleConfig());
  Feed(c.get(), "hello\r\n\n/peers\n/stats\n/connect 10.0.0.1:7\n/nick bob\n//slash\n"
       "/disconnect  10.0.0.1:7 \n/Disconnect carol\n");
  EXPECT_EQ(node_.log, (std::vector<std::string>{"send hello", "peers", "stats",
                                                 "connect 10.0.0.1:7", "nick bob",
                                                 "send /slash", "disconnect 10.0.0.1:7",
                                                 "disconnect carol"}));
  EXPECT_TRUE(said_.empty());
}

TEST_F(ConsoleTest, BadCommandsSayWhyAndAskNothing) {
  auto c = Make(ConsoleConfig());
  Feed(c.get(),
       "/connect nowhere\n/connect 10.0.0.1:0\n/nick \x01x\n/frobnicate\n/conect a:1\n"
       "/\x1b[2Jx\n");
  EXPECT_TRUE(node_.log.empty());
  ASSERT_EQ(said_.size(), 6u);
  EXPECT_EQ(said_[0].rfind("/connect: ", 0), 0u);
  EXPECT_EQ(said_[1], "/connect: port 0 cannot be connected to");
  EXPECT_EQ(said_[2].rfind("/nick: ", 0), 0u);
  EXPECT_EQ(said_[3], "unknown command /frobnicate (/help lists them; //text sends /text)");
  EXPECT_EQ(said_[4], "unknown command /conect (did you mean /connect?)");
  // What was typed is shown with its control bytes made visible.
  EXPECT_EQ(said_[5].find('\x1b'), std::string::npos) << said_[5];
}

TEST_F(ConsoleTest, RawSendsEveryLineAndLongLinesAreRefused) {
  ConsoleConfig cfg;
  cfg.raw = true;
  cfg.max_text = 5;
  auto c = Make(cfg);
  Feed(c.get(), "/quit\n12345\n123456\n");
  std::string huge(Console::kMaxCommandLine + 10, 'x');
  Feed(c.get(), huge + "\n");
  EXPECT_EQ(node_.log, (std::vector<std::string>{"send /quit", "send 12345"}));
  ASSERT_EQ(said_.size(), 2u);
  EXPECT_EQ(said_[0], "line of 6 bytes not sent: longer than --max-size 5");
  EXPECT_EQ(said_[1], "line of 4106 bytes not sent: longer than --max-size 5");
}

TEST_F(ConsoleTest, QuitStopsReadingAndEndOfInputSendsTheLastLine) {
  auto c = Make(ConsoleConfig());
  Feed(c.get(), "one\n/quit\ntwo\n");
  EXPECT_EQ(node_.log, (std::vector<std::string>{"send one", "quit"}));
  EXPECT_FALSE(c->reading());
  auto d = Make(ConsoleConfig());
  node_.log.clear();
  Feed(d.get(), "no newline");
  EXPECT_TRUE(node_.log.empty());
  d->EndOfInput();
  EXPECT_EQ(node_.log, (std::vector<std::string>{"send no newline", "quit"}));
  d->EndOfInput();  // once
  EXPECT_EQ(node_.log.size(), 2u);
}

TEST_F(ConsoleTest, RelayReadsNothing) {
  ConsoleConfig cfg;
  cfg.read_stdin = false;
  auto c = Make(cfg);
  EXPECT_FALSE(c->reading());
}

TEST_F(ConsoleTest, MessagesAreQueuedInTheChosenFormat) {
  ConsoleConfig cfg;
  auto chat = Make(cfg);
  chat->Deliver(M("bob", "hi\x1b[2J"), 1);
  EXPECT_EQ(Queued(*chat), "bob: hi\\x1b[2J\n");
  cfg.format = Format::kText;
  auto text = Make(cfg);
  text->Deliver(M("bob", "hi"), 1);
  EXPECT_EQ(Queued(*text), "hi\n");
  EXPECT_TRUE(text->WantsWrite());
  EXPECT_FALSE(text->Drained());
}

TEST_F(ConsoleTest, AFullQueueDropsOnlyOnceItsBacklogStopsHoldingInputBack) {
  ConsoleConfig cfg;
  cfg.format = Format::kText;
  cfg.stdout_max = 2048;
  cfg.backlog.soft = 1024;
  cfg.backlog.stall_ms = 1000;
  cfg.backlog.stopped_ms = 250;
  auto c = Make(cfg);
  std::string line(99, 'x');  // 100 bytes a message
  for (int i = 0; i < 11; ++i) c->Deliver(M("n", line), 1000);
  // Over the soft bound: input is held back, for stopped_ms without progress.
  EXPECT_TRUE(c->HoldsInputBack(1000));
  EXPECT_TRUE(c->HoldsInputBack(1249));
  EXPECT_FALSE(c->HoldsInputBack(1250));
  // Past stdout_max while still holding back: nothing is dropped.
  for (int i = 0; i < 15; ++i) c->Deliver(M("n", line), 1100);
  EXPECT_EQ(c->dropped(), 0u);
  EXPECT_EQ(c->queued().size(), 2600u);
  // Once it no longer holds back, what arrives past stdout_max is dropped,
  // counted, and reported at most once a second.
  c->Deliver(M("n", line), 1300);
  c->Deliver(M("n", line), 1300);
  EXPECT_EQ(c->dropped(), 2u);
  EXPECT_EQ(c->queued().size(), 2600u);
  EXPECT_EQ(c->NextWake(1300), 0u);
  c->Tick(1300);
  ASSERT_EQ(said_.size(), 1u);
  EXPECT_EQ(said_[0], "stdout: 2 messages dropped: output not read fast enough (2 in all)");
  c->Deliver(M("n", line), 1400);
  c->Tick(1400);
  EXPECT_EQ(said_.size(), 1u);
  EXPECT_EQ(c->NextWake(1400), 2300u);  // the backlog's deadline is past: not a reason to wake
  c->Tick(2300);
  ASSERT_EQ(said_.size(), 2u);
  EXPECT_EQ(said_[1], "stdout: 1 messages dropped: output not read fast enough (3 in all)");
}

TEST(StatsTextTest, ThreeAlignedCellsARowEveryCounterOnce) {
  StatsView v;
  v.sent = 7;
  v.received = 1234567;
  v.bytes_in = 18446744073709551615ull;
  v.seen = 3;
  v.seen_capacity = 65536;
  v.auth_failed = 2;
  std::string t = StatsText(v);
  EXPECT_EQ(t,
            "stats: sent=7                         received=1234567  duplicates=0\n"
            "       bytes_in=18446744073709551615  bytes_out=0       peers=0\n"
            "       stdout_dropped=0               seen=3/65536      evicted=0\n"
            "       known=0                        attempts=0        failures=0\n"
            "       reconnects=0                   refused=0         late=0\n"
            "       auth_failed=2                  origins=0/0       store=0/0\n"
            "       stored=0                       resent=0          repaired=0\n"
            "       sync_bytes=0                   shed=0            unrecovered=0\n"
            "       payloads=0                     ihave=0           ihave_ids=0\n"
            "       grafts=0                       prunes=0          eager=0\n"
            "       lazy=0\n");
}

}  // namespace
}  // namespace floodchat
