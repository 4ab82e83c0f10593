#include "options.h"
#include "node_limits.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace floodchat {
namespace {

struct Parsed {
  ParseOutcome outcome;
  Options options;
  std::string error;
};

Parsed Parse(std::vector<const char*> args, const char* user = "tester") {
  args.insert(args.begin(), "floodchat");
  Parsed p;
  p.outcome = ParseOptions(static_cast<int>(args.size()), args.data(), user, &p.options, &p.error);
  return p;
}

TEST(OptionsTest, Defaults) {
  Parsed p = Parse({});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun);
  EXPECT_TRUE(p.options.listen);
  EXPECT_FALSE(p.options.listen_explicit);
  EXPECT_EQ(p.options.listen_at.host, "0.0.0.0");
  EXPECT_EQ(p.options.listen_at.port, 55555);
  EXPECT_EQ(p.options.nick, "tester");
  EXPECT_EQ(p.options.format, Format::kChat);
  EXPECT_EQ(p.options.hops, 64);
  EXPECT_EQ(p.options.seen, 65536u);
  EXPECT_EQ(p.options.max_size, 65536u);
  EXPECT_EQ(p.options.verbosity, 1);
  EXPECT_FALSE(p.options.raw);
  EXPECT_FALSE(p.options.relay);
  EXPECT_EQ(p.options.peers, 5u);
  EXPECT_EQ(p.options.max_peers, 32u);
  EXPECT_EQ(p.options.queue_max, 16u << 20);
  EXPECT_EQ(p.options.stdout_max, 4u << 20);
  EXPECT_EQ(p.options.handshake_timeout, 10);
  EXPECT_EQ(p.options.keepalive_s, 10);
  EXPECT_EQ(p.options.store, 32u << 20);
  EXPECT_EQ(p.options.broadcast, BroadcastMode::kTree);
}

TEST(OptionsTest, BroadcastMode) {
  EXPECT_EQ(Parse({"--broadcast", "flood"}).options.broadcast, BroadcastMode::kFlood);
  EXPECT_EQ(Parse({"--broadcast=tree"}).options.broadcast, BroadcastMode::kTree);
  Parsed bad = Parse({"--broadcast", "gossip"});
  EXPECT_EQ(bad.outcome, ParseOutcome::kUsageError);
  EXPECT_EQ(bad.error, "--broadcast: gossip: expected tree or flood");
}

TEST(OptionsTest, LimitOptions) {
  Parsed p = Parse({"--queue-max", "1048576", "--stdout-max=1073741824", "--handshake-timeout",
                    "1"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  EXPECT_EQ(p.options.queue_max, 1048576u);
  EXPECT_EQ(p.options.stdout_max, 1073741824u);
  EXPECT_EQ(p.options.handshake_timeout, 1);
  EXPECT_EQ(Parse({"--handshake-timeout", "3600"}).options.handshake_timeout, 3600);
  EXPECT_EQ(Parse({"--keepalive", "1"}).options.keepalive_s, 1);
  EXPECT_EQ(Parse({"--keepalive=3600"}).options.keepalive_s, 3600);
  EXPECT_EQ(LimitsFor(Parse({"--keepalive", "2"}).options).keepalive_ms, 2000u);
  EXPECT_EQ(Parse({"--store", "0"}).options.store, 0u);
  EXPECT_EQ(Parse({}).options.history, 0u);
  EXPECT_EQ(Parse({"--history", "50"}).options.history, 50u);
  EXPECT_EQ(Parse({"--store=1073741824"}).options.store, size_t{1} << 30);
}

TEST(OptionsTest, PeersAndMaxPeers) {
  Parsed p = Parse({"--peers", "0"});
  EXPECT_EQ(p.options.peers, 0u);
  EXPECT_EQ(p.options.max_peers, 32u);
  p = Parse({"--peers=8", "--max-peers", "100"});
  EXPECT_EQ(p.options.peers, 8u);
  EXPECT_EQ(p.options.max_peers, 100u);
  // One given alone over or under the other's default: the default gives way.
  p = Parse({"--peers", "50"});
  EXPECT_EQ(p.outcome, ParseOutcome::kRun);
  EXPECT_EQ(p.options.max_peers, 50u);
  p = Parse({"--max-peers", "2"});
  EXPECT_EQ(p.outcome, ParseOutcome::kRun);
  EXPECT_EQ(p.options.peers, 2u);
  EXPECT_EQ(Parse({"--max-peers", "1000"}).options.max_peers, 1000u);
}

TEST(OptionsTest, KeyFileAndGenKey) {
  EXPECT_TRUE(Parse({}).options.key_file.empty());
  EXPECT_EQ(Parse({"-k", "/etc/net.key"}).options.key_file, "/etc/net.key");
  EXPECT_EQ(Parse({"--key-file=k"}).options.key_file, "k");
  EXPECT_EQ(Parse({"-qkmykeys"}).options.key_file, "mykeys");
  Parsed p = Parse({"-k", ""});
  EXPECT_EQ(p.outcome, ParseOutcome::kUsageError);
  EXPECT_EQ(p.error, "-k: empty file name");
  p = Parse({"-k"});
  EXPECT_EQ(p.outcome, ParseOutcome::kUsageError);
  EXPECT_EQ(p.error, "-k: missing value");
  EXPECT_EQ(Parse({"--gen-key"}).outcome, ParseOutcome::kGenKey);
  p = Parse({"--gen-key", "-k", "x"});
  EXPECT_EQ(p.outcome, ParseOutcome::kUsageError);
  EXPECT_EQ(p.error, "--gen-key: takes no other option");
  EXPECT_EQ(Parse({"--gen-key", "--help"}).outcome, ParseOutcome::kHelp);
  EXPECT_EQ(Parse({"--gen-key=1"}).outcome, ParseOutcome::kUsageError);
}

TEST(OptionsTest, NickFallsBackToAnon) {
  EXPECT_EQ(Parse({}, nullptr).options.nick, "anon");
  EXPECT_EQ(Parse({}, "").options.nick, "anon");
  EXPECT_EQ(Parse({}, "bad\x01user").options.nick, "anon");
  EXPECT_EQ(Parse({}, std::string(33, 'u').c_str()).options.nick, "anon");
}

TEST(OptionsTest, LongShortAndEqualsForms) {
  Parsed p = Parse({"-l", "127.0.0.1:0", "--nick=al", "-c", "h:1", "--connect", "[::1]:2",
                    "-fjson", "--hops", "3", "--seen=10", "--max-size", "100", "-qr", "--relay"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  EXPECT_EQ(p.options.listen_at.host, "127.0.0.1");
  EXPECT_EQ(p.options.listen_at.port, 0);
  EXPECT_TRUE(p.options.listen_explicit);
  EXPECT_EQ(p.options.nick, "al");
  ASSERT_EQ(p.options.connect.size(), 2u);
  EXPECT_EQ(p.options.connect[0].host, "h");
  EXPECT_EQ(p.options.connect[0].port, 1);
  EXPECT_EQ(p.options.connect[1].host, "::1");
  EXPECT_EQ(EndpointText(p.options.connect[1]), "[::1]:2");
  EXPECT_EQ(p.options.format, Format::kJson);
  EXPECT_EQ(p.options.hops, 3);
  EXPECT_EQ(p.options.seen, 10u);
  EXPECT_EQ(p.options.max_size, 100u);
  EXPECT_EQ(p.options.verbosity, 0);
  EXPECT_TRUE(p.options.raw);
  EXPECT_TRUE(p.options.relay);
}

TEST(OptionsTest, ListenPortOnly) {
  Parsed p = Parse({"--listen", "6000"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun);
  EXPECT_EQ(p.options.listen_at.host, "0.0.0.0");
  EXPECT_EQ(p.options.listen_at.port, 6000);
}

TEST(OptionsTest, NoListen) {
  Parsed p = Parse({"--no-listen", "-c", "a:1"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun);
  EXPECT_FALSE(p.options.listen);
}

TEST(OptionsTest, HelpAndVersion) {
  EXPECT_EQ(Parse({"-h"}).outcome, ParseOutcome::kHelp);
  EXPECT_EQ(Parse({"--help", "--bogus-later"}).outcome, ParseOutcome::kUsageError);
  EXPECT_EQ(Parse({"-V"}).outcome, ParseOutcome::kVersion);
  EXPECT_EQ(Parse({"--version", "-h"}).outcome, ParseOutcome::kHelp);
}

TEST(OptionsTest, UsageErrors) {
  struct Case {
    std::vector<const char*> args;
    const char* error_start;
  };
  const Case cases[] = {
      {{"--no-such-flag"}, "--no-such-flag: unknown option"},
      {{"-x"}, "-x: unknown option"},
      {{"-c"}, "-c: missing value"},
      {{"--nick"}, "--nick: missing value"},
      {{"-c", "nocolon"}, "-c: nocolon: expected HOST:PORT"},
      {{"-c", "h:99999"}, "-c: h:99999: port must be"},
      {{"-c", "h:0"}, "-c: h:0: port 0"},
      {{"-c", ":5"}, "-c: :5: empty host"},
      {{"-c", "::1:5"}, "-c: ::1:5: write an IPv6 address as [ADDRESS]:PORT"},
      {{"-c", "[::1]5"}, "-c: [::1]5: expected [ADDRESS]:PORT"},
      // Found by tests/fuzz/command_fuzz.cc: these printed back as text that
      // parsed differently.
      {{"-c", "[[x]:1"}, "-c: [[x]:1: bad character in host"},
      {{"-c", "]:1"}, "-c: ]:1: bad character in host"},
      {{"-c", "a b:1"}, "-c: a b:1: bad character in host"},
      {{"-l", "x:-1"}, "-l: x:-1: port must be"},
      {{"-n", ""}, "-n: must be 1 to 32 bytes"},
      {{"-n", "abcdefghijabcdefghijabcdefghijabc"}, "-n: must be 1 to 32 bytes"},
      {{"-n", "a\tb"}, "-n: must not contain control characters"},
      {{"-f", "xml"}, "-f: xml: expected chat, text or json"},
      {{"--hops", "0"}, "--hops: 0: not a number from 1 to 255"},
      {{"--hops", "256"}, "--hops: 256: not a number from 1 to 255"},
      {{"--hops", "1x"}, "--hops: 1x: not a number"},
      {{"--seen", "0"}, "--seen: 0: not a number"},
      {{"--seen", "99999999999999999999999"}, "--seen: 99999999999999999999999: not a number"},
      {{"--max-size", "-5"}, "--max-size: -5: not a number"},
      {{"--max-size", "16777217"}, "--max-size: 16777217: not a number from 1 to 16777216"},
      {{"--raw=yes"}, "--raw: takes no value"},
      {{"stray"}, "stray: unexpected argument"},
      {{"--no-listen", "-l", "5"}, "--no-listen: conflicts with -l"},
      {{"--no-listen", "--relay"}, "--relay: with --no-listen it needs at least one -c"},
      {{"--peers", "-1"}, "--peers: -1: not a number from 0 to 1000"},
      {{"--peers", "1001"}, "--peers: 1001: not a number from 0 to 1000"},
      {{"--max-peers", "0"}, "--max-peers: 0: not a number from 1 to 1000"},
      {{"--peers", "9", "--max-peers", "8"}, "--peers: 9: more than --max-peers 8"},
      {{"--queue-max", "1048575"}, "--queue-max: 1048575: not a number from 1048576 to 1073741824"},
      {{"--stdout-max", "1073741825"}, "--stdout-max: 1073741825: not a number from 1048576"},
      {{"--handshake-timeout", "0"}, "--handshake-timeout: 0: not a number from 1 to 3600"},
      {{"--keepalive", "0"}, "--keepalive: 0: not a number from 1 to 3600"},
      {{"--keepalive", "3601"}, "--keepalive: 3601: not a number from 1 to 3600"},
      {{"--keepalive"}, "--keepalive"},
      {{"--store", "1073741825"}, "--store: 1073741825: not a number from 0 to 1073741824"},
      {{"--store", "-1"}, "--store: -1: not a number"},
      {{"--history", "10001"}, "--history: 10001: not a number from 0 to 10000"},
  };
  for (const Case& c : cases) {
    Parsed p = Parse(c.args);
    EXPECT_EQ(p.outcome, ParseOutcome::kUsageError) << c.args[0];
    EXPECT_EQ(p.error.rfind(c.error_start, 0), 0u) << "got: " << p.error;
    EXPECT_EQ(p.error.find('\n'), std::string::npos);
  }
}

TEST(OptionsTest, LimitsAtTheirBounds) {
  EXPECT_EQ(Parse({"--hops", "1"}).options.hops, 1);
  EXPECT_EQ(Parse({"--hops", "255"}).options.hops, 255);
  EXPECT_EQ(Parse({"--max-size", "16777216"}).options.max_size, 16777216u);
  EXPECT_EQ(Parse({"--seen", "16777216"}).options.seen, 16777216u);
  EXPECT_EQ(Parse({"-n", std::string(32, 'n').c_str()}).outcome, ParseOutcome::kRun);
}

TEST(OptionsTest, ValidNickAllowsUtf8) {
  std::string why;
  EXPECT_TRUE(ValidNick("zo\xc3\xab", &why));
  EXPECT_FALSE(ValidNick("del\x7f", &why));
}

TEST(OptionsTest, UsageNamesEveryOption) {
  for (const char* name : {"--listen", "--no-listen", "--connect", "--nick", "--format", "--raw",
                           "--relay", "--hops", "--seen", "--max-size", "--quiet", "--verbose",
                           "--peers", "--max-peers", "--queue-max", "--stdout-max",
                           "--handshake-timeout", "--keepalive", "--store", "--history",
                           "--help", "--version"}) {
    EXPECT_NE(std::string(kUsageText).find(name), std::string::npos) << name;
  }
}

TEST(OptionsTest, MetricsTakesHostAndPort) {
  Parsed off = Parse({});
  EXPECT_FALSE(off.options.metrics);
  Parsed p = Parse({"--metrics", "127.0.0.1:9100"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun);
  EXPECT_TRUE(p.options.metrics);
  EXPECT_EQ(p.options.metrics_at.host, "127.0.0.1");
  EXPECT_EQ(p.options.metrics_at.port, 9100);
  Parsed v6 = Parse({"--metrics=[::1]:0"});
  ASSERT_EQ(v6.outcome, ParseOutcome::kRun);
  EXPECT_EQ(v6.options.metrics_at.host, "::1");
  EXPECT_EQ(v6.options.metrics_at.port, 0);
  // A bare port would mean every interface: the address must be said.
  Parsed bare = Parse({"--metrics", "9100"});
  ASSERT_EQ(bare.outcome, ParseOutcome::kUsageError);
  EXPECT_EQ(bare.error, "--metrics: 9100: expected HOST:PORT");
  Parsed missing = Parse({"--metrics"});
  ASSERT_EQ(missing.outcome, ParseOutcome::kUsageError);
  EXPECT_EQ(missing.error, "--metrics: missing value");
}

}  // namespace
}  // namespace floodchat
