// The metrics endpoint's pure parts: the HTTP request parser on byte
// strings (every split, garbage, an overlong head) and the exposition text.
#include "metrics/exposition.h"
#include "metrics/http.h"

#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace floodchat {
namespace {

HttpVerdict Judge(const std::string& bytes) {
  HttpVerdict v;
  EXPECT_EQ(ParseHttpRequest(bytes, &v), HttpParse::kDone) << bytes;
  return v;
}

TEST(HttpTest, AScrapersRequestIsAnsweredOnlyOnceItsHeadIsWholeAtEverySplit) {
  const std::string request =
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nUser-Agent: Prometheus/2.42.0\r\n"
      "Accept: text/plain;version=0.0.4\r\n\r\n";
  for (size_t cut = 0; cut < request.size(); ++cut) {
    HttpVerdict v;
    EXPECT_EQ(ParseHttpRequest(request.substr(0, cut), &v), HttpParse::kNeedMore) << cut;
  }
  HttpVerdict v = Judge(request);
  EXPECT_EQ(v.status, 200);
  EXPECT_FALSE(v.head);
}

TEST(HttpTest, BareLineFeedsAQueryAndHeadAreServed) {
  EXPECT_EQ(Judge("GET /metrics HTTP/1.0\n\n").status, 200);
  EXPECT_EQ(Judge("\r\nGET /metrics?name[]=x HTTP/1.1\r\n\r\n").status, 200);
  HttpVerdict head = Judge("HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.head);
}

TEST(HttpTest, EveryOtherRequestGetsItsError) {
  EXPECT_EQ(Judge("GET / HTTP/1.1\r\n\r\n").status, 404);
  EXPECT_EQ(Judge("GET /metricsx HTTP/1.1\r\n\r\n").status, 404);
  EXPECT_EQ(Judge("POST /metrics HTTP/1.1\r\n\r\n").status, 405);
  EXPECT_EQ(Judge("DELETE /metrics HTTP/1.1\r\n\r\n").status, 405);
  EXPECT_EQ(Judge("GET /metrics HTTP/2.0\r\n\r\n").status, 505);
  EXPECT_EQ(Judge("GET /metrics\r\n\r\n").status, 400);  // HTTP/0.9
  EXPECT_EQ(Judge("GET  /metrics HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(Judge("GET /metrics HTTP/1.1 x\r\n\r\n").status, 400);
  EXPECT_EQ(Judge("GET /metrics FTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(Judge("G(T /metrics HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(Judge(" GET /metrics HTTP/1.1\r\n\r\n").status, 400);
}

TEST(HttpTest, AWrongRequestLineIsAnsweredWithoutWaitingForTheHead) {
  // A bad request line is known bad at its line end: no need to wait.
  HttpVerdict v;
  ASSERT_EQ(ParseHttpRequest("hello there\n", &v), HttpParse::kDone);
  EXPECT_EQ(v.status, 400);
  // A control byte is known bad even before it.
  ASSERT_EQ(ParseHttpRequest(std::string("GET /m\0", 7), &v), HttpParse::kDone);
  EXPECT_EQ(v.status, 400);
  ASSERT_EQ(ParseHttpRequest("\x16\x03\x01\x02", &v), HttpParse::kDone);  // a TLS hello
  EXPECT_EQ(v.status, 400);
}

TEST(HttpTest, AnOverlongHeadIs431AndAnythingShorterWaits) {
  std::string line(kMaxRequestHeadBytes - 1, 'a');
  HttpVerdict v;
  EXPECT_EQ(ParseHttpRequest(line, &v), HttpParse::kNeedMore);
  line += 'a';
  ASSERT_EQ(ParseHttpRequest(line, &v), HttpParse::kDone);
  EXPECT_EQ(v.status, 431);
  // A good request line and then fields without end.
  std::string head = "GET /metrics HTTP/1.1\r\n";
  while (head.size() < kMaxRequestHeadBytes) head += "X-Filler: 0123456789\r\n";
  ASSERT_EQ(ParseHttpRequest(head, &v), HttpParse::kDone);
  EXPECT_EQ(v.status, 431);
}

TEST(HttpTest, GarbageNeverWaitsPastTheBoundAndNeverCrashes) {
  uint32_t x = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes;
    size_t n = round % 97 == 0 ? kMaxRequestHeadBytes + 10 : round % 300;
    for (size_t i = 0; i < n; ++i) {
      x = x * 1103515245 + 12345;
      bytes += static_cast<char>(x >> 24);
    }
    HttpVerdict v;
    HttpParse p = ParseHttpRequest(bytes, &v);
    if (bytes.size() >= kMaxRequestHeadBytes) {
      EXPECT_EQ(p, HttpParse::kDone);
    }
    if (p == HttpParse::kDone) {
      EXPECT_NE(v.status, 0);
    }
  }
}

TEST(HttpTest, TheAnswerCarriesItsLengthAndHeadHasNoBody) {
  std::string body = "floodchat_peers 3\n";
  std::string a = HttpAnswer(HttpVerdict{200, false}, body);
  EXPECT_EQ(a.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(a.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(a.find("Content-Length: 18\r\n"), std::string::npos);
  EXPECT_NE(a.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(a.substr(a.size() - body.size()), body);
  std::string h = HttpAnswer(HttpVerdict{200, true}, body);
  EXPECT_NE(h.find("Content-Length: 18\r\n"), std::string::npos);
  EXPECT_EQ(h.substr(h.size() - 4), "\r\n\r\n");
  std::string e = HttpAnswer(HttpVerdict{405, false}, body);
  EXPECT_EQ(e.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u);
  EXPECT_NE(e.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_EQ(e.find(body), std::string::npos);
  EXPECT_EQ(e.substr(e.size() - 23), "405 Method Not Allowed\n");
}

// The exposition, read back line by line as a scraper would.
TEST(ExpositionTest, EachMetricHasHelpTypeAndTheValueOfItsStatsField) {
  StatsView v;
  v.sent = 1;
  v.received = 2;
  v.duplicates = 3;
  v.bytes_in = 4;
  v.bytes_out = 5;
  v.peers = 6;
  v.stdout_dropped = 7;
  v.seen = 8;
  v.seen_capacity = 9;
  v.evicted = 10;
  v.known = 11;
  v.attempts = 12;
  v.failures = 13;
  v.reconnects = 14;
  v.refused = 15;
  v.late = 16;
  v.auth_failed = 18446744073709551615ull;
  v.origins = 19;
  v.origins_capacity = 4096;
  v.store_bytes = 20;
  v.store_capacity = 21;
  v.stored = 22;
  v.resent = 23;
  v.repaired = 29;
  v.sync_bytes = 24;
  v.shed = 25;
  v.unrecovered = 26;
  v.payloads = 30;
  v.ihave = 31;
  v.ihave_ids = 32;
  v.grafts = 33;
  v.prunes = 34;
  v.eager = 35;
  v.lazy = 36;
  std::istringstream text(RenderMetrics(v));
  std::map<std::string, std::string> help, type, value;
  std::string line;
  while (std::getline(text, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      std::string rest = line.substr(7);
      help[rest.substr(0, rest.find(' '))] = rest.substr(rest.find(' ') + 1);
    } else if (line.rfind("# TYPE ", 0) == 0) {
      std::string rest = line.substr(7);
      type[rest.substr(0, rest.find(' '))] = rest.substr(rest.find(' ') + 1);
    } else {
      ASSERT_NE(line.find(' '), std::string::npos) << line;
      value[line.substr(0, line.find(' '))] = line.substr(line.find(' ') + 1);
    }
  }
  EXPECT_EQ(value.size(), kMetricCount);
  EXPECT_EQ(value.size(), 33u);  // one for each /stats figure (seen's two, store's two)
  for (const auto& [name, val] : value) {
    EXPECT_EQ(help.count(name), 1u) << name;
    ASSERT_EQ(type.count(name), 1u) << name;
    bool total = name.size() > 6 && name.substr(name.size() - 6) == "_total";
    EXPECT_EQ(type[name], total ? "counter" : "gauge") << name;
    EXPECT_EQ(name.rfind("floodchat_", 0), 0u) << name;
    for (char c : name) EXPECT_TRUE(islower(static_cast<unsigned char>(c)) || c == '_') << name;
  }
  EXPECT_EQ(value["floodchat_messages_sent_total"], "1");
  EXPECT_EQ(value["floodchat_messages_received_total"], "2");
  EXPECT_EQ(value["floodchat_duplicates_total"], "3");
  EXPECT_EQ(value["floodchat_bytes_received_total"], "4");
  EXPECT_EQ(value["floodchat_bytes_sent_total"], "5");
  EXPECT_EQ(value["floodchat_peers"], "6");
  EXPECT_EQ(value["floodchat_stdout_dropped_total"], "7");
  EXPECT_EQ(value["floodchat_seen_ids"], "8");
  EXPECT_EQ(value["floodchat_seen_ids_capacity"], "9");
  EXPECT_EQ(value["floodchat_seen_evicted_total"], "10");
  EXPECT_EQ(value["floodchat_known_addresses"], "11");
  EXPECT_EQ(value["floodchat_dial_attempts_total"], "12");
  EXPECT_EQ(value["floodchat_dial_failures_total"], "13");
  EXPECT_EQ(value["floodchat_reconnects_total"], "14");
  EXPECT_EQ(value["floodchat_refused_total"], "15");
  EXPECT_EQ(value["floodchat_late_duplicates_total"], "16");
  EXPECT_EQ(value["floodchat_auth_failed_total"], "18446744073709551615");
  EXPECT_EQ(value["floodchat_origins"], "19");
  EXPECT_EQ(value["floodchat_store_bytes"], "20");
  EXPECT_EQ(value["floodchat_store_bytes_capacity"], "21");
  EXPECT_EQ(value["floodchat_stored_messages"], "22");
  EXPECT_EQ(value["floodchat_resent_total"], "23");
  EXPECT_EQ(value["floodchat_repaired_total"], "29");
  EXPECT_EQ(value["floodchat_sync_bytes_total"], "24");
  EXPECT_EQ(value["floodchat_payloads_total"], "30");
  EXPECT_EQ(value["floodchat_ihave_frames_total"], "31");
  EXPECT_EQ(value["floodchat_ihave_ids_total"], "32");
  EXPECT_EQ(value["floodchat_grafts_total"], "33");
  EXPECT_EQ(value["floodchat_prunes_total"], "34");
  EXPECT_EQ(value["floodchat_eager_peers"], "35");
  EXPECT_EQ(value["floodchat_lazy_peers"], "36");
  EXPECT_EQ(value["floodchat_shed_bytes_total"], "25");
  EXPECT_EQ(value["floodchat_unrecovered_total"], "26");
}

}  // namespace
}  // namespace floodchat
