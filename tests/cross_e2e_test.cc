// A node built for another platform, run under an emulator, in a mesh with
// native nodes: the Windows build under Wine, the ARM builds under qemu-user.
// $FLOODCHAT_FOREIGN is the command that runs the foreign node, words split
// on spaces ("wine /path/floodchat.exe", "qemu-aarch64-static
// /path/floodchat-aarch64"); without it these tests are skipped, and .ci/run
// sets it for each build (and checks that nothing was skipped).
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

namespace floodchat_test {
namespace {

using Node = std::unique_ptr<Proc>;

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

std::vector<std::string> ForeignCommand() {
  const char* env = getenv("FLOODCHAT_FOREIGN");
  std::vector<std::string> words;
  std::istringstream in(env != nullptr ? env : "");
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// An emulator's first start can take seconds (Wine sets up its prefix).
constexpr int kForeignStartMs = 60000;

Node StartForeign(const std::vector<std::string>& args) {
  std::vector<std::string> command = ForeignCommand();
  command.insert(command.end(), args.begin(), args.end());
  return Proc::StartCommand(command);
}

bool Has(Proc* p, const std::string& line) {
  return p->WaitLines([&](const std::vector<std::string>& l) { return CountLine(l, line) > 0; },
                      10000);
}

// native A - foreign F - native B: F relays between A and B, and every node
// sends; then F leaves with /quit.
TEST(Cross, ForeignNodeRelaysBetweenNativeNodes) {
  if (ForeignCommand().empty()) GTEST_SKIP() << "FLOODCHAT_FOREIGN is not set";
  Node a = Proc::Start({"-l", "127.0.0.1:0", "-n", "a", "--peers", "0"});
  ASSERT_GT(a->Port(), 0) << a->err();
  Node f = StartForeign({"-l", "127.0.0.1:0", "-n", "f", "--peers", "0", "-c", Addr(a->Port())});
  int f_port = f->Port(kForeignStartMs);
  ASSERT_GT(f_port, 0) << f->err();
  Node b = Proc::Start({"-l", "127.0.0.1:0", "-n", "b", "--peers", "0", "-c", Addr(f_port)});
  ASSERT_TRUE(WaitConnected(f.get(), 2, 20000)) << f->err();

  a->Write("hello from a\n");
  b->Write("hello from b\n");
  ASSERT_TRUE(Has(f.get(), "a: hello from a")) << f->err();
  ASSERT_TRUE(Has(f.get(), "b: hello from b")) << f->err();
  ASSERT_TRUE(Has(b.get(), "a: hello from a")) << b->err();
  ASSERT_TRUE(Has(a.get(), "b: hello from b")) << a->err();
  f->Write("hello from f\n");
  ASSERT_TRUE(Has(a.get(), "f: hello from f")) << f->err();
  ASSERT_TRUE(Has(b.get(), "f: hello from f")) << f->err();

  // Many lines at once, in both directions through F.
  std::string burst_a, burst_b;
  for (int i = 0; i < 500; ++i) {
    burst_a += "a burst " + std::to_string(i) + "\n";
    burst_b += "b burst " + std::to_string(i) + "\n";
  }
  a->Write(burst_a);
  b->Write(burst_b);
  ASSERT_TRUE(Has(b.get(), "a: a burst 499"));
  ASSERT_TRUE(Has(a.get(), "b: b burst 499"));
  Settle();
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(CountLine(b->lines(), "a: a burst " + std::to_string(i)), 1u);
    EXPECT_EQ(CountLine(a->lines(), "b: b burst " + std::to_string(i)), 1u);
  }

  f->Write("goodbye\n/quit\n");
  EXPECT_EQ(f->Wait(20000), 0) << f->err();
  EXPECT_TRUE(Has(a.get(), "f: goodbye"));
  EXPECT_TRUE(Has(b.get(), "f: goodbye"));
}

// Keyed mode across platforms: the same key stream and tags whichever way
// ChaCha20 and Poly1305 are computed (AVX2 here, 128-bit vectors or plain
// integers there), and the same key exchange. native A - foreign F -
// native B, each link keyed; lines long enough for the vector paths.
TEST(Cross, KeyedForeignNodeRelaysBetweenNativeNodes) {
  if (ForeignCommand().empty()) GTEST_SKIP() << "FLOODCHAT_FOREIGN is not set";
  char dir[] = "/tmp/floodchat-cross-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string key = std::string(dir) + "/key";
  FILE* k = fopen(key.c_str(), "w");
  ASSERT_NE(k, nullptr);
  fputs("5f0e1d2c3b4a59687786958493a2b1c05f0e1d2c3b4a59687786958493a2b1c0\n", k);
  fclose(k);
  chmod(key.c_str(), 0600);
  {
    Node a = Proc::Start({"-l", "127.0.0.1:0", "-n", "a", "--peers", "0", "-k", key});
    ASSERT_GT(a->Port(), 0) << a->err();
    Node f = StartForeign(
        {"-l", "127.0.0.1:0", "-n", "f", "--peers", "0", "-k", key, "-c", Addr(a->Port())});
    int f_port = f->Port(kForeignStartMs);
    ASSERT_GT(f_port, 0) << f->err();
    Node b = Proc::Start(
        {"-l", "127.0.0.1:0", "-n", "b", "--peers", "0", "-k", key, "-c", Addr(f_port)});
    ASSERT_TRUE(WaitConnected(f.get(), 2, 20000)) << f->err();
    std::string burst_a, burst_b;
    for (int i = 0; i < 300; ++i) {
      std::string pad(static_cast<size_t>(i * 7 % 1500), static_cast<char>('a' + i % 26));
      burst_a += "a " + std::to_string(i) + " " + pad + "\n";
      burst_b += "b " + std::to_string(i) + " " + pad + "\n";
    }
    a->Write(burst_a);
    b->Write(burst_b);
    f->Write("from f\n");
    auto all = [](Proc* p, const std::string& who) {
      return p->WaitLines(
          [&](const std::vector<std::string>& l) {
            size_t n = 0;
            for (const std::string& line : l) n += line.rfind(who + ": " + who[0] + " ", 0) == 0;
            return n >= 300;
          },
          20000);
    };
    EXPECT_TRUE(all(b.get(), "a")) << b->err();
    EXPECT_TRUE(all(a.get(), "b")) << a->err();
    EXPECT_TRUE(all(f.get(), "a")) << f->err();
    EXPECT_TRUE(Has(a.get(), "f: from f"));
    EXPECT_TRUE(Has(b.get(), "f: from f"));
    Settle();
    for (int i = 0; i < 300; ++i) {
      std::string pad(static_cast<size_t>(i * 7 % 1500), static_cast<char>('a' + i % 26));
      EXPECT_EQ(CountLine(b->lines(), "a: a " + std::to_string(i) + " " + pad), 1u) << i;
      EXPECT_EQ(CountLine(a->lines(), "b: b " + std::to_string(i) + " " + pad), 1u) << i;
    }
    EXPECT_EQ(a->err().find("authentication failed"), std::string::npos) << a->err();
    EXPECT_EQ(b->err().find("authentication failed"), std::string::npos) << b->err();
  }
  unlink(key.c_str());
  rmdir(dir);
}

// A foreign node whose input ends: it delivers what it read, then exits 0.
TEST(Cross, ForeignNodeDeliversAndExitsAtEndOfInput) {
  if (ForeignCommand().empty()) GTEST_SKIP() << "FLOODCHAT_FOREIGN is not set";
  Node a = Proc::Start({"-l", "127.0.0.1:0", "-n", "a", "--peers", "0"});
  ASSERT_GT(a->Port(), 0) << a->err();
  Node f = StartForeign({"--no-listen", "-n", "piped", "--peers", "0", "-c", Addr(a->Port())});
  f->Write("one\ntwo\nthree\n");
  f->CloseStdin();
  EXPECT_EQ(f->Wait(kForeignStartMs), 0) << f->err();
  ASSERT_TRUE(Has(a.get(), "piped: three")) << a->err();
  EXPECT_EQ(CountLine(a->lines(), "piped: one"), 1u);
  EXPECT_EQ(CountLine(a->lines(), "piped: two"), 1u);
}

// Bad input is the same one-line error and exit status 2 everywhere.
TEST(Cross, ForeignNodeRejectsBadOptions) {
  if (ForeignCommand().empty()) GTEST_SKIP() << "FLOODCHAT_FOREIGN is not set";
  Node f = StartForeign({"--peers", "many"});
  EXPECT_EQ(f->Wait(kForeignStartMs), 2) << f->err();
  EXPECT_TRUE(f->WaitStderr("floodchat: --peers: ", 1000)) << f->err();
}

}  // namespace
}  // namespace floodchat_test
