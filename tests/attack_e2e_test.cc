// Hostile input, end to end: a node B between two honest peers A and C takes
// garbage, oversized frames, bad hop counts, silent and slow peers and a
// storm of connections. In each test B closes what it must, stays within its
// bounds, and A and C keep exchanging messages through it with none lost.
#include <signal.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "harness.h"

namespace floodchat_test {
namespace {

using Node = std::unique_ptr<Proc>;

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

struct Trio {
  Node a, b, c;
  int port = -1;  // B's
};

// A - B - C, a fixed line (--peers 0); `b_extra` are B's extra options.
// `b_open_files`, if not 0, is B's `ulimit -n`.
Trio StartTrio(const std::vector<std::string>& b_extra = {}, int b_open_files = 0) {
  Trio t;
  std::vector<std::string> args = {"-l", "127.0.0.1:0", "-n", "b", "--peers", "0"};
  args.insert(args.end(), b_extra.begin(), b_extra.end());
  t.b = Proc::Start(args, b_open_files);
  t.port = t.b->Port();
  EXPECT_GT(t.port, 0) << t.b->err();
  t.a = Proc::Start({"-l", "127.0.0.1:0", "-n", "a", "--peers", "0", "-c", Addr(t.port)});
  t.c = Proc::Start({"-l", "127.0.0.1:0", "-n", "c", "--peers", "0", "-c", Addr(t.port)});
  EXPECT_TRUE(WaitConnected(t.b.get(), 2)) << t.b->err();
  return t;
}

// `n` messages each way between A and C through B: every one arrives once.
void ExpectHonestTraffic(Trio* t, const std::string& tag, int n = 50) {
  std::string from_a, from_c;
  for (int i = 0; i < n; ++i) {
    from_a += tag + " a " + std::to_string(i) + "\n";
    from_c += tag + " c " + std::to_string(i) + "\n";
  }
  t->a->Write(from_a);
  t->c->Write(from_c);
  auto all_of = [&](Proc* p, const std::string& who) {
    return p->WaitLines(
        [&](const std::vector<std::string>& lines) {
          for (int i = 0; i < n; ++i)
            if (CountLine(lines, who + ": " + tag + " " + who + " " + std::to_string(i)) == 0)
              return false;
          return true;
        },
        10000);
  };
  ASSERT_TRUE(all_of(t->c.get(), "a")) << tag << "\n" << t->b->err();
  ASSERT_TRUE(all_of(t->a.get(), "c")) << tag << "\n" << t->b->err();
  Settle();
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(CountLine(t->c->lines(), "a: " + tag + " a " + std::to_string(i)), 1u);
    EXPECT_EQ(CountLine(t->a->lines(), "c: " + tag + " c " + std::to_string(i)), 1u);
  }
  EXPECT_EQ(t->b->Wait(0), -1) << "B exited";
}

TEST(Attack, RandomBytesFromManyConnections) {
  Trio t = StartTrio({"--handshake-timeout", "2"});
  std::mt19937 rng(2026);
  std::vector<std::unique_ptr<RawClient>> noise;
  for (int k = 0; k < 20; ++k) {
    auto r = std::make_unique<RawClient>(t.port);
    ASSERT_TRUE(r->connected());
    std::string junk(4096, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    r->Send(junk);
    noise.push_back(std::move(r));
  }
  ExpectHonestTraffic(&t, "during");
  // Each is closed: at once for a bad header or hello, at the handshake
  // timeout for bytes that look like the start of a long frame.
  for (auto& r : noise) EXPECT_TRUE(r->WaitClosed(5000));
  ExpectHonestTraffic(&t, "after");
}

TEST(Attack, FrameClaimingFourGiBIsRefusedFromItsHeader) {
  Trio t = StartTrio();
  long before = StatusKiB(t.b->pid(), "VmRSS");
  for (const char* type : {"\x01", "\x02"}) {
    RawClient r(t.port);
    ASSERT_TRUE(r.connected());
    r.Send(std::string("\xff\xff\xff\xff", 4) + type + std::string(1000, 'x'));
    EXPECT_TRUE(r.WaitClosed(3000));
  }
  // The same after a good hello.
  RawClient h(t.port);
  h.Send(HelloBytes(99, "h") + std::string("\xff\xff\xff\xf0\x02", 5));
  EXPECT_TRUE(h.WaitClosed(3000));
  EXPECT_TRUE(t.b->WaitStderr("frame longer than the limit", 3000)) << t.b->err();
  EXPECT_LT(StatusKiB(t.b->pid(), "VmRSS") - before, kMemoryScale * 8 * 1024)
      << "B buffered part of a huge frame";
  ExpectHonestTraffic(&t, "after");
}

TEST(Attack, ValidHelloThenGarbage) {
  Trio t = StartTrio();
  RawClient r(t.port);
  r.Send(HelloBytes(7, "mallory") + std::string("\x00\x00\x00\x02\x02\x00GARBAGE", 13));
  EXPECT_TRUE(r.WaitClosed(3000));
  EXPECT_TRUE(t.b->WaitStderr("(mallory): protocol error", 3000)) << t.b->err();
  ExpectHonestTraffic(&t, "after");
}

TEST(Attack, HopCountOverTheLimitIsRefusedNotRelayed) {
  Trio t = StartTrio();
  RawClient r(t.port);
  r.Send(HelloBytes(8, "hopper") + MessageBytes(8, 1, "hopper", "too far", 5, 4));
  EXPECT_TRUE(r.WaitClosed(3000));
  EXPECT_TRUE(t.b->WaitStderr("hop count out of range", 3000)) << t.b->err();
  RawClient z(t.port);
  z.Send(HelloBytes(9, "zero") + MessageBytes(9, 1, "zero", "no hops", 0, 4));
  EXPECT_TRUE(z.WaitClosed(3000));
  ExpectHonestTraffic(&t, "after");
  for (Proc* p : {t.a.get(), t.b.get(), t.c.get()}) {
    EXPECT_EQ(CountLine(p->lines(), "hopper: too far"), 0u);
    EXPECT_EQ(CountLine(p->lines(), "zero: no hops"), 0u);
  }
}

TEST(Attack, SilentPeerIsClosedAtTheHandshakeTimeout) {
  Trio t = StartTrio({"--handshake-timeout", "1"});
  RawClient r(t.port);
  ASSERT_TRUE(r.connected());
  long long t0 = NowMs();
  EXPECT_TRUE(r.WaitClosed(5000));
  long long took = NowMs() - t0;
  EXPECT_GE(took, 700);
  EXPECT_LE(took, 3000);
  EXPECT_TRUE(t.b->WaitStderr("no hello within the handshake timeout", 3000)) << t.b->err();
  ExpectHonestTraffic(&t, "after");
}

// Slowloris: a hello dribbled one byte at a time never completes within the
// timeout, however steadily the bytes come.
TEST(Attack, SlowHelloIsClosedAtTheHandshakeTimeout) {
  Trio t = StartTrio({"--handshake-timeout", "2"});
  RawClient r(t.port);
  ASSERT_TRUE(r.connected());
  const std::string hello = HelloBytes(10, "slowloris");
  long long t0 = NowMs();
  bool closed = false;
  for (size_t i = 0; i < hello.size() && !closed; ++i) {
    r.Send(hello.substr(i, 1));
    closed = r.WaitClosed(250);
  }
  if (!closed) closed = r.WaitClosed(3000);
  long long took = NowMs() - t0;
  EXPECT_TRUE(closed);
  EXPECT_GE(took, 1500);
  EXPECT_LE(took, 4500);
  EXPECT_EQ(Count(t.b->err(), "connected to slowloris"), 0u);
  ExpectHonestTraffic(&t, "after");
}

TEST(Attack, FiveHundredConnectionsAtOnce) {
  Trio t = StartTrio();
  const pid_t b = t.b->pid();
  size_t fds_before = OpenDescriptors(b);
  long rss_before = StatusKiB(b, "VmRSS");
  std::vector<std::unique_ptr<RawClient>> storm;
  size_t peak_fds = 0;
  for (int k = 0; k < 500; ++k) {
    storm.push_back(std::make_unique<RawClient>(t.port));
    if (k % 50 == 49) {
      Proc::PumpAll(0);
      peak_fds = std::max(peak_fds, OpenDescriptors(b));
    }
  }
  size_t connected = 0;
  for (auto& r : storm) connected += r->connected() ? 1 : 0;
  EXPECT_GT(connected, 400u);
  ExpectHonestTraffic(&t, "storm");
  peak_fds = std::max(peak_fds, OpenDescriptors(b));
  // At most --max-peers connections (32) and 16 being refused, besides the
  // listener, stdio and the wake-up pipe.
  EXPECT_LE(peak_fds, fds_before + 32 + 16) << "before " << fds_before;
  EXPECT_LT(StatusKiB(b, "VmRSS") - rss_before, kMemoryScale * 16 * 1024);
  EXPECT_GE(Stat(t.b.get(), "refused"), 400);
  // Refusals are reported at most once a second, not once each.
  EXPECT_LT(Count(t.b->err(), "refused: already"), 20u) << t.b->err();
  storm.clear();
  ExpectHonestTraffic(&t, "after");
  // The slots the storm held are free again.
  Node d = Proc::Start({"-l", "127.0.0.1:0", "-n", "d", "--peers", "0", "-c", Addr(t.port)});
  ASSERT_TRUE(WaitConnected(d.get(), 1, 5000)) << d->err();
}

// `ulimit -n 64` with --max-peers 200: B says at start that connections will
// fail early; when accept runs out of descriptors it reports that, pauses
// accepting instead of spinning or crashing, keeps relaying between A and C,
// and accepts again once descriptors are free.
TEST(Attack, OutOfFileDescriptors) {
  Trio t = StartTrio({"--max-peers", "200"}, 64);
  ASSERT_TRUE(t.b->WaitStderr("only 64 open files allowed (ulimit -n)", 2000)) << t.b->err();
  const pid_t b = t.b->pid();
  const size_t fds_before = OpenDescriptors(b);
  std::vector<std::unique_ptr<RawClient>> storm;
  for (int k = 0; k < 100; ++k) storm.push_back(std::make_unique<RawClient>(t.port));
  // The reason is the C library's text for EMFILE ("Too many open files" in
  // glibc, "No file descriptors available" in musl).
  ASSERT_TRUE(t.b->WaitStderr("; not accepting for 100 ms", 5000)) << t.b->err();
  EXPECT_NE(t.b->err().find("floodchat: accept: "), std::string::npos) << t.b->err();
  EXPECT_LE(OpenDescriptors(b), 64u);
  ExpectHonestTraffic(&t, "nofile");
  // Reported at most once a second, not once per failed accept.
  EXPECT_LT(Count(t.b->err(), "accept: "), 10u) << t.b->err();
  storm.clear();
  Node d = Proc::Start({"-l", "127.0.0.1:0", "-n", "d", "--peers", "0", "-c", Addr(t.port)});
  ASSERT_TRUE(WaitConnected(d.get(), 1, 5000)) << d->err() << t.b->err();
  ExpectHonestTraffic(&t, "freed");
  // The storm's connections are all closed: B holds only what it held before
  // and D's connection.
  size_t fds_after = OpenDescriptors(b);
  for (int i = 0; i < 30 && fds_after > fds_before + 1; ++i) {
    PumpFor(100);
    fds_after = OpenDescriptors(b);
  }
  EXPECT_EQ(fds_after, fds_before + 1);
  EXPECT_EQ(t.b->Wait(0), -1) << "B exited";
}

// The value of string field `name` in a line of json output, unescaped (the
// escapes floodchat writes: \" \\ \n \r \t and \u00XX).
std::string JsonField(const std::string& line, const std::string& name) {
  size_t at = line.find("\"" + name + "\":\"");
  if (at == std::string::npos) return "<missing>";
  std::string out;
  for (size_t i = at + name.size() + 4; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] != '\\' || i + 1 == line.size()) {
      out.push_back(line[i]);
      continue;
    }
    char e = line[++i];
    if (e == 'n') out.push_back('\n');
    else if (e == 'r') out.push_back('\r');
    else if (e == 't') out.push_back('\t');
    else if (e == 'u' && i + 4 < line.size()) {
      out.push_back(static_cast<char>(strtol(line.substr(i + 1, 4).c_str(), nullptr, 16)));
      i += 4;
    } else out.push_back(e);
  }
  return out;
}

// A peer that sends NUL bytes, invalid UTF-8 and terminal escape sequences,
// under a nick full of control characters: B (json) prints the exact bytes,
// A and C (chat) see them escaped, and the honest traffic goes on.
TEST(Attack, HostileTextAndNick) {
  Trio t = StartTrio({"-f", "json"});
  const std::string nick("m\x07\x1b]0;pwned\x07\r\x7f", 14);
  std::vector<std::string> texts = {
      std::string("nul\0in the middle", 17),
      "\xff\xfe invalid \xc0\xaf utf-8 \xed\xa0\x80 surrogate",
      "\x1b[2J\x1b[H clear screen \x1b]0;title\x07 \x9b""31m",
      "\xc2\x9b""31m C1 as UTF-8, then a lone continuation \x80",
      "back\bspace\rreturn\x7f\x1b",
  };
  std::string every_byte;
  for (int i = 0; i < 256; ++i)
    if (i != '\n') every_byte.push_back(static_cast<char>(i));
  texts.push_back(every_byte);
  RawClient r(t.port);
  std::string frames = HelloBytes(99, nick);
  for (size_t i = 0; i < texts.size(); ++i) frames += MessageBytes(99, i + 1, nick, texts[i]);
  r.Send(frames);
  ASSERT_TRUE(t.b->WaitLineCount(texts.size(), 5000)) << t.b->err();
  ASSERT_TRUE(t.a->WaitLineCount(texts.size(), 5000)) << t.a->err();
  ASSERT_TRUE(t.c->WaitLineCount(texts.size(), 5000)) << t.c->err();
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& json = t.b->lines()[i];
    // The exact bytes: from the escaped string when it is valid UTF-8, else
    // from the base64 copy that follows.
    std::string text = JsonField(json, "text"), from = JsonField(json, "from");
    if (json.find("\"text_base64\":") != std::string::npos)
      text = FromBase64(JsonField(json, "text_base64"));
    if (json.find("\"from_base64\":") != std::string::npos)
      from = FromBase64(JsonField(json, "from_base64"));
    EXPECT_EQ(text, texts[i]) << json;
    EXPECT_EQ(from, nick) << json;
    for (unsigned char ch : json) EXPECT_GE(ch, 0x20) << json;
  }
  // Invalid UTF-8 was replaced, so those lines carry a base64 copy.
  EXPECT_NE(t.b->lines()[1].find("\"text_base64\":"), std::string::npos);
  EXPECT_EQ(t.b->lines()[0].find("\"text_base64\":"), std::string::npos);
  for (Proc* p : {t.a.get(), t.c.get()}) {
    for (const std::string& line : p->lines()) {
      EXPECT_EQ(line.rfind("m\\x07\\x1b]0;pwned\\x07\\x0d\\x7f: ", 0), 0u) << line;
      for (unsigned char ch : line) {
        EXPECT_TRUE((ch >= 0x20 && ch != 0x7f) || ch == '\t') << line;  // tab is kept
      }
      // No UTF-8-encoded C1 control either.
      EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(t.a->lines()[0], "m\\x07\\x1b]0;pwned\\x07\\x0d\\x7f: nul\\x00in the middle");
  ExpectHonestTraffic(&t, "after");
  EXPECT_TRUE(r.connected());
}

}  // namespace
}  // namespace floodchat_test
