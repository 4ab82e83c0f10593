// Running a hub like a service, end to end on 127.0.0.1: SIGUSR1 prints the
// /stats and /peers views of a --relay node; --metrics answers scrapes with
// the /stats counters, and hostile connections to it neither stall relaying
// nor outlive their timeout; SIGHUP reloads the key file, letting new keys
// in without touching established connections, and keeps the old keys when
// the file is broken.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
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

// The port from "floodchat: metrics on http://127.0.0.1:PORT/metrics".
int MetricsPort(Proc* node, int timeout_ms = 5000) {
  const std::string needle = "metrics on http://127.0.0.1:";
  if (!node->WaitStderr(needle, timeout_ms)) return -1;
  return atoi(node->err().c_str() + node->err().find(needle) + needle.size());
}

// One request on a fresh connection; the whole answer, read until the node
// closes (bounded).
std::string Ask(int port, const std::string& request) {
  RawClient c(port);
  if (!c.connected()) return "";
  c.Send(request);
  c.WaitClosed(8000);
  return c.received();
}

std::map<std::string, long long> Samples(const std::string& answer) {
  std::map<std::string, long long> out;
  size_t body = answer.find("\r\n\r\n");
  if (body == std::string::npos) return out;
  std::istringstream text(answer.substr(body + 4));
  std::string line;
  while (std::getline(text, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find(' ');
    out[line.substr(0, sp)] = atoll(line.c_str() + sp + 1);
  }
  return out;
}

std::map<std::string, long long> Scrape(int port) {
  return Samples(Ask(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
}

TEST(Service, Sigusr1PrintsTheStatsAndPeersOfARelay) {
  Node hub = Proc::Start({"--relay", "-l", "127.0.0.1:0", "--peers", "0"});
  int port = hub->Port();
  ASSERT_GT(port, 0);
  std::vector<Node> peers;
  for (const char* nick : {"p1", "p2", "p3"})
    peers.push_back(Proc::Start({"--no-listen", "--peers", "0", "-c", Addr(port), "-n", nick}));
  ASSERT_TRUE(WaitConnected(hub.get(), 3));
  for (Node& p : peers) ASSERT_TRUE(WaitConnected(p.get(), 1));
  peers[0]->Write("one\n");
  ASSERT_TRUE(peers[1]->WaitLineCount(1, 5000));
  ASSERT_TRUE(peers[2]->WaitLineCount(1, 5000));

  hub->Signal(SIGUSR1);
  // The view's lines are written one by one: wait for the last row.
  long long until = NowMs() + 5000;
  while ((hub->err().find("peers: 3 connected") == std::string::npos ||
          Count(hub->err(), " inbound") < 3) &&
         NowMs() < until)
    Proc::PumpAll(20);
  ASSERT_NE(hub->err().find("peers: 3 connected"), std::string::npos) << hub->err();
  const std::string& e = hub->err();
  size_t stats = e.find("stats: sent=0 ");
  ASSERT_NE(stats, std::string::npos) << e;
  EXPECT_NE(e.find(" received=1 ", stats), std::string::npos) << e;
  EXPECT_NE(e.find(" duplicates=0\n", stats), std::string::npos) << e;
  EXPECT_NE(e.find(" peers=3\n", stats), std::string::npos) << e;
  size_t view = e.find("peers: 3 connected");
  EXPECT_LT(stats, view);  // stats first, then the peers
  // Each row ends with its link's state in the tree, (eager) or (lazy).
  for (const char* nick : {" p1 inbound (", " p2 inbound (", " p3 inbound ("})
    EXPECT_NE(e.find(nick, view), std::string::npos) << nick << "\n" << e;
  // Again, and the node carries on.
  hub->Signal(SIGUSR1);
  long long end = NowMs() + 5000;
  while (Count(hub->err(), "stats: ") < 2 && NowMs() < end) Proc::PumpAll(20);
  EXPECT_EQ(Count(hub->err(), "stats: "), 2u);
  peers[2]->Write("two\n");
  EXPECT_TRUE(peers[0]->WaitLineCount(1, 5000));
  EXPECT_EQ(hub->Wait(0), -1);  // still running
}

TEST(Service, MetricsServeTheStatsCountersAndNothingElse) {
  Node a = Proc::Start({"-l", "127.0.0.1:0", "--peers", "0", "--metrics", "127.0.0.1:0", "-n", "a"});
  int port = a->Port();
  ASSERT_GT(port, 0);
  int mport = MetricsPort(a.get());
  ASSERT_GT(mport, 0) << a->err();
  Node b = Proc::Start({"--no-listen", "--peers", "0", "-c", Addr(port), "-n", "b"});
  ASSERT_TRUE(WaitConnected(a.get(), 1));
  ASSERT_TRUE(WaitConnected(b.get(), 1));
  b->Write("1\n2\n3\n");
  a->Write("x\ny\n");
  ASSERT_TRUE(a->WaitLineCount(3, 5000));
  ASSERT_TRUE(b->WaitLineCount(2, 5000));
  Settle();

  // /stats between two scrapes that agree, so that nothing moved meanwhile.
  std::map<std::string, long long> m;
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::map<std::string, long long> before = Scrape(mport);
    size_t reports = Count(a->err(), "stats: ");
    a->Write("/stats\n");
    long long until = NowMs() + 3000;
    while (Count(a->err(), "stats: ") == reports && NowMs() < until) Proc::PumpAll(20);
    ASSERT_GT(Count(a->err(), "stats: "), reports);
    m = Scrape(mport);
    if (before == m) break;
    m.clear();
  }
  ASSERT_EQ(m.size(), 33u) << a->err();
  const std::map<std::string, std::string> stat_of = {
      {"floodchat_messages_sent_total", "sent"},
      {"floodchat_messages_received_total", "received"},
      {"floodchat_duplicates_total", "duplicates"},
      {"floodchat_bytes_received_total", "bytes_in"},
      {"floodchat_bytes_sent_total", "bytes_out"},
      {"floodchat_peers", "peers"},
      {"floodchat_stdout_dropped_total", "stdout_dropped"},
      {"floodchat_seen_ids", "seen"},
      {"floodchat_seen_evicted_total", "evicted"},
      {"floodchat_known_addresses", "known"},
      {"floodchat_dial_attempts_total", "attempts"},
      {"floodchat_dial_failures_total", "failures"},
      {"floodchat_reconnects_total", "reconnects"},
      {"floodchat_refused_total", "refused"},
      {"floodchat_late_duplicates_total", "late"},
      {"floodchat_auth_failed_total", "auth_failed"},
      {"floodchat_origins", "origins"},
      {"floodchat_store_bytes", "store"},
      {"floodchat_stored_messages", "stored"},
      {"floodchat_resent_total", "resent"},
      {"floodchat_repaired_total", "repaired"},
      {"floodchat_sync_bytes_total", "sync_bytes"},
      {"floodchat_shed_bytes_total", "shed"},
      {"floodchat_unrecovered_total", "unrecovered"},
      {"floodchat_payloads_total", "payloads"},
      {"floodchat_ihave_frames_total", "ihave"},
      {"floodchat_ihave_ids_total", "ihave_ids"},
      {"floodchat_grafts_total", "grafts"},
      {"floodchat_prunes_total", "prunes"},
      {"floodchat_eager_peers", "eager"},
      {"floodchat_lazy_peers", "lazy"},
  };
  const std::string& e = a->err();
  size_t line = e.rfind("stats: ");
  ASSERT_NE(line, std::string::npos);
  for (const auto& [metric, stat] : stat_of) {
    size_t at = e.find(" " + stat + "=", line);  // "stats: sent=" has it too
    ASSERT_NE(at, std::string::npos) << stat;
    EXPECT_EQ(m[metric], atoll(e.c_str() + at + stat.size() + 2)) << metric << "\n" << e;
  }
  EXPECT_EQ(m["floodchat_messages_sent_total"], 2);
  EXPECT_EQ(m["floodchat_messages_received_total"], 3);
  EXPECT_EQ(m["floodchat_peers"], 1);
  EXPECT_EQ(m["floodchat_seen_ids_capacity"], 65536);
  EXPECT_EQ(m["floodchat_store_bytes_capacity"], 32 << 20);
  EXPECT_GT(m["floodchat_stored_messages"], 0);

  // The format: HELP and TYPE for each, the content type of the text format.
  std::string answer = Ask(mport, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_EQ(Count(answer, "# HELP floodchat_"), 33u);
  EXPECT_EQ(Count(answer, "# TYPE floodchat_"), 33u);
  // Everything else gets a short error.
  EXPECT_EQ(Ask(mport, "GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404 ", 0), 0u);
  EXPECT_EQ(Ask(mport, "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405 ", 0), 0u);
  EXPECT_EQ(Ask(mport, "\x16\x03\x01\x00\xa5\x01").rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(Ask(mport, std::string(5000, 'A')).rfind("HTTP/1.1 431 ", 0), 0u);
  std::string head = Ask(mport, "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");  // no body
  // The chat carried on.
  b->Write("4\n");
  EXPECT_TRUE(a->WaitLineCount(4, 5000));
}

TEST(Service, MetricsOptionErrors) {
  std::string out, err;
  EXPECT_EQ(RunToEnd({"--metrics", "9100"}, "", &out, &err), 2);
  EXPECT_EQ(err, "floodchat: --metrics: 9100: expected HOST:PORT\n");
  // A port that is taken: exit 1 with the reason, as for -l.
  Node a = Proc::Start({"--relay", "-l", "127.0.0.1:0"});
  int port = a->Port();
  ASSERT_GT(port, 0);
  EXPECT_EQ(RunToEnd({"--relay", "--no-listen", "-c", Addr(port), "--metrics", Addr(port)}, "", &out,
                     &err),
            1);
  EXPECT_NE(err.find("floodchat: --metrics 127.0.0.1:" + std::to_string(port) + ": "),
            std::string::npos)
      << err;
}

// A relay in the middle of a chain, timed for `count` lines from one end to
// the other; returns the milliseconds, -1 if not all arrived in 30 s.
long long Carry(Proc* from, Proc* to, int count, int first) {
  std::string lines;
  for (int i = 0; i < count; ++i) lines += "m" + std::to_string(first + i) + "\n";
  size_t before = to->lines().size();
  long long start = NowMs();
  from->Write(lines);
  if (!to->WaitLineCount(before + count, 30000)) return -1;
  return NowMs() - start;
}

TEST(Service, HostileScrapersNeitherStallRelayingNorOutliveTheirTimeout) {
  Node hub = Proc::Start({"--relay", "-l", "127.0.0.1:0", "--peers", "0", "--metrics",
                          "127.0.0.1:0"});
  int port = hub->Port();
  ASSERT_GT(port, 0);
  int mport = MetricsPort(hub.get());
  ASSERT_GT(mport, 0);
  Node a = Proc::Start({"--no-listen", "--peers", "0", "-c", Addr(port), "-n", "a"});
  Node c = Proc::Start({"--no-listen", "--peers", "0", "-c", Addr(port), "-n", "c", "-f", "text"});
  ASSERT_TRUE(WaitConnected(hub.get(), 2));
  ASSERT_TRUE(WaitConnected(a.get(), 1));
  ASSERT_TRUE(WaitConnected(c.get(), 1));
  const int kLines = 20000;
  long long quiet_ms = Carry(a.get(), c.get(), kLines, 0);
  ASSERT_GE(quiet_ms, 0);

  // First two that ask, get their answer, then send as fast as they can, from
  // threads of their own, until the node closes them: the node must cut them
  // off after a few KiB rather than read them to the timeout.
  long long opened = NowMs();
  std::atomic<long long> flood_closed_ms[2] = {{-1}, {-1}};
  std::atomic<bool> flood_answered[2] = {{false}, {false}};
  std::vector<std::thread> flooders;
  for (int f = 0; f < 2; ++f) {
    flooders.emplace_back([mport, f, opened, &flood_closed_ms, &flood_answered] {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(mport));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
      const std::string request = "GET /metrics HTTP/1.1\r\n\r\n";
      send(fd, request.data(), request.size(), MSG_NOSIGNAL);
      std::string got;
      char buf[4096];
      while (got.find("\r\n\r\n") == std::string::npos && NowMs() - opened < 3000) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      flood_answered[f] = got.rfind("HTTP/1.1 200 ", 0) == 0;
      const std::string chunk(4096, 'y');
      while (NowMs() - opened < 10000) {
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        if (send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
      }
      flood_closed_ms[f] = NowMs() - opened;
      close(fd);
    });
  }
  while (!(flood_answered[0] && flood_answered[1]) && NowMs() - opened < 3000) Proc::PumpAll(20);
  ASSERT_TRUE(flood_answered[0] && flood_answered[1]);

  // 50 connections: silent ones, slow ones that never finish their head, and
  // ones that send binary garbage; the first few ask properly and then send
  // without end (a flood the node must not spend its turns on).
  std::vector<std::unique_ptr<RawClient>> hostile;
  for (int i = 0; i < 50; ++i) {
    hostile.push_back(std::make_unique<RawClient>(mport));
    ASSERT_TRUE(hostile.back()->connected());
    if (i < 3) hostile.back()->Send("GET /metrics HTTP/1.1\r\n\r\n" + std::string(60000, 'x'));
    else if (i % 3 == 1) hostile.back()->Send("GET /metrics HTTP/1.1\r\nX-Slow: ");
    else if (i % 3 == 2) hostile.back()->Send(std::string("\x00\xff\x13garbage", 10));
  }
  long long storm_ms = Carry(a.get(), c.get(), kLines, kLines);
  ASSERT_GE(storm_ms, 0) << "the relay stalled under the storm";
  printf("relaying %d lines: %lld ms quiet, %lld ms with 50 hostile metrics connections\n", kLines,
         quiet_ms, storm_ms);

  // Every one is closed: garbage and those over the bound at once, the
  // others at the timeout (5 s after accept), not before it.
  int held = 0, busy = 0, bad = 0, served = 0;
  for (auto& h : hostile) {
    // Each gets at least a moment, however late the loop gets here.
    int left = static_cast<int>(opened + 5000 + 3000 - NowMs());
    ASSERT_TRUE(h->WaitClosed(left > 200 ? left : 200))
        << "a metrics connection outlived its timeout";
    const std::string& got = h->received();
    if (got.empty()) ++held;  // closed at the timeout, no answer
    if (got.rfind("HTTP/1.1 503 ", 0) == 0) ++busy;
    if (got.rfind("HTTP/1.1 400 ", 0) == 0) ++bad;
    if (got.rfind("HTTP/1.1 200 ", 0) == 0) ++served;
  }
  for (std::thread& t : flooders) t.join();
  for (auto& closed : flood_closed_ms) {
    // Cut off once its 16 KiB are read, long before the 5 s timeout.
    EXPECT_GE(closed.load(), 0);
    EXPECT_LT(closed.load(), 3000) << "a flooding client was read until its timeout";
  }
  long long all_closed = NowMs() - opened;
  EXPECT_GE(all_closed, 5000 - 200) << "closed before the timeout";
  EXPECT_EQ(held + busy + bad + served, 50);
  EXPECT_EQ(served, 3);  // the flooders got their answer, then were closed
  EXPECT_LE(held, 8);  // kMaxScrapers at a time, held to the timeout
  EXPECT_GT(busy, 0);
  EXPECT_GT(bad, 0);
  // And a scrape gets its answer again.
  std::map<std::string, long long> m = Scrape(mport);
  EXPECT_EQ(m["floodchat_messages_received_total"], 2 * kLines);
  EXPECT_EQ(m["floodchat_peers"], 2);
}

// Milliseconds of CPU a process has used (user and system, from /proc).
long long CpuMs(pid_t pid) {
  FILE* f = fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return -1;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char* p = strrchr(buf, ')');  // after the command name
  if (p == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  // Fields 3 to 15 after the name; utime and stime are the 14th and 15th.
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return static_cast<long long>((utime + stime) * 1000 / sysconf(_SC_CLK_TCK));
}

// Out of descriptors, the metrics listener stays readable while accept
// fails: the node pauses it (1 s) rather than spinning, and serves again once
// descriptors are free.
TEST(Service, MetricsOutOfDescriptorsPauseInsteadOfSpinning) {
  Node a = Proc::Start({"-l", "127.0.0.1:0", "--peers", "0", "--max-peers", "200", "-v",
                        "--metrics", "127.0.0.1:0"},
                       32);
  int port = a->Port();
  ASSERT_GT(port, 0);
  int mport = MetricsPort(a.get());
  ASSERT_GT(mport, 0);
  std::vector<std::unique_ptr<RawClient>> storm;
  for (int k = 0; k < 60; ++k) storm.push_back(std::make_unique<RawClient>(port));
  ASSERT_TRUE(a->WaitStderr("; not accepting for 100 ms", 5000)) << a->err();
  for (int k = 0; k < 5; ++k) storm.push_back(std::make_unique<RawClient>(mport));
  ASSERT_TRUE(a->WaitStderr("metrics: accept: ", 5000)) << a->err();
  long long cpu_before = CpuMs(a->pid());
  size_t failures_before = Count(a->err(), "metrics: accept: ");
  PumpFor(2000);
  long long cpu = CpuMs(a->pid()) - cpu_before;
  // One failed accept a second (and -v says each); a node that spins fails
  // thousands of times, however little CPU a loaded machine gives it.
  EXPECT_LE(Count(a->err(), "metrics: accept: ") - failures_before, 3u) << a->err();
  printf("2 s out of descriptors with --metrics: %lld ms of CPU\n", cpu);
  storm.clear();
  PumpFor(1500);
  std::map<std::string, long long> m = Scrape(mport);
  EXPECT_EQ(m.size(), 33u) << a->err();
  EXPECT_EQ(a->Wait(0), -1);
}

TEST(Service, SighupReloadsTheKeysForNewConnectionsOnly) {
  TempFile file(std::string(kKey1) + "\n");
  TempFile k1(std::string(kKey1) + "\n");
  TempFile k2(std::string(kKey2) + "\n");
  // e holds only the new key and listens: a dials it, with its first key.
  Node e = Proc::Start({"-l", "127.0.0.1:0", "--peers", "0", "-k", k2.path(), "-n", "e"});
  int eport = e->Port();
  ASSERT_GT(eport, 0);
  Node a = Proc::Start({"-l", "127.0.0.1:0", "--peers", "0", "-k", file.path(), "-n", "a", "-c",
                        Addr(eport)});
  int port = a->Port();
  ASSERT_GT(port, 0);
  Node b = Proc::Start({"--no-listen", "--peers", "0", "-k", k1.path(), "-n", "b", "-c", Addr(port)});
  ASSERT_TRUE(WaitConnected(b.get(), 1));
  ASSERT_TRUE(WaitConnected(a.get(), 1));
  Node c = Proc::Start({"--no-listen", "--peers", "0", "-k", k2.path(), "-n", "c", "-c", Addr(port)});
  // c is refused by a, and a's dials to e fail, while a has only key 1.
  ASSERT_TRUE(a->WaitStderr("authentication failed", 5000)) << a->err();
  ASSERT_TRUE(c->WaitStderr("during the key exchange", 5000)) << c->err();
  EXPECT_EQ(Count(a->err(), "connected to"), 1u);

  file.Rewrite(std::string(kKey2) + "\n" + kKey1 + "\n");
  a->Signal(SIGHUP);
  ASSERT_TRUE(a->WaitStderr("2 network keys loaded", 5000)) << a->err();
  // c's next attempt gets in, and so does a's next dial to e (now with key 2).
  // Dials back off (1, 2, 4, 8 s, less jitter): 20 s covers the next one.
  ASSERT_TRUE(WaitConnected(c.get(), 1, 20000)) << c->err();
  ASSERT_TRUE(WaitConnected(e.get(), 1, 20000)) << e->err() << a->err();
  // And a has them up too (b, c, e), before anything is sent through it.
  ASSERT_TRUE(WaitConnected(a.get(), 3)) << a->err();
  // b's connection, made with key 1 before the reload, is the same one.
  EXPECT_EQ(Count(b->err(), "connected to"), 1u) << b->err();
  EXPECT_EQ(Count(b->err(), "closed"), 0u) << b->err();
  b->Write("from b\n");
  ASSERT_TRUE(c->WaitLines([](const std::vector<std::string>& l) { return CountLine(l, "b: from b") == 1; },
                           5000));
  ASSERT_TRUE(e->WaitLines([](const std::vector<std::string>& l) { return CountLine(l, "b: from b") == 1; },
                           5000));
  c->Write("from c\n");
  ASSERT_TRUE(b->WaitLines([](const std::vector<std::string>& l) { return CountLine(l, "c: from c") == 1; },
                           5000));

  // A broken file: the keys stay, and say so; nothing is closed.
  file.Rewrite(std::string(kKey2) + "\nnot a key\n");
  a->Signal(SIGHUP);
  ASSERT_TRUE(a->WaitStderr("still using the 2 keys read before", 5000)) << a->err();
  EXPECT_NE(a->err().find("floodchat: SIGHUP: " + file.path() + ":2: "), std::string::npos)
      << a->err();
  Node d = Proc::Start({"--no-listen", "--peers", "0", "-k", k1.path(), "-n", "d", "-c", Addr(port)});
  ASSERT_TRUE(WaitConnected(d.get(), 1, 5000)) << d->err();
  ASSERT_TRUE(WaitConnected(a.get(), 4)) << a->err();
  e->Write("from e\n");
  for (Proc* p : {b.get(), c.get(), d.get()})
    EXPECT_TRUE(p->WaitLines(
        [](const std::vector<std::string>& l) { return CountLine(l, "e: from e") == 1; }, 5000))
        << p->err() << "\na:\n" << a->err() << "\ne:\n" << e->err();
  EXPECT_EQ(Count(b->err(), "connected to"), 1u) << b->err();
}

TEST(Service, SighupWithoutAKeyFileSaysSoAndCarriesOn) {
  Node a = Proc::Start({"-l", "127.0.0.1:0", "--peers", "0", "-n", "a"});
  int port = a->Port();
  ASSERT_GT(port, 0);
  a->Signal(SIGHUP);
  ASSERT_TRUE(a->WaitStderr("floodchat: SIGHUP: no key file to reload", 5000)) << a->err();
  Node b = Proc::Start({"--no-listen", "--peers", "0", "-c", Addr(port), "-n", "b"});
  ASSERT_TRUE(WaitConnected(b.get(), 1));
  b->Write("hi\n");
  EXPECT_TRUE(a->WaitLines([](const std::vector<std::string>& l) { return CountLine(l, "b: hi") == 1; },
                           5000));
}

}  // namespace
}  // namespace floodchat_test
