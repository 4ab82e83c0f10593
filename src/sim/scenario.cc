#include "sim/scenario.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

#include "base/rng.h"
#include "sim/network.h"

namespace floodchat {
namespace sim {

namespace {

constexpr uint64_t kStartupMs = 5000;     // mesh: nodes start over this long
constexpr uint64_t kSettleMs = 10000;     // mesh: then the messages begin
constexpr uint64_t kWiredSettleMs = 2000;  // random:D
constexpr uint64_t kIntervalMs = 10;      // between two messages
constexpr uint64_t kBurstMs = 100;        // --burst: all messages within this
constexpr uint64_t kHealLingerMs = 130000;  // --partition: after the heal
// --partition: each sender's last message, after the heal, once every link
// is back (the diallers' backoff is at most 60 s), so that it reaches every
// node live: with time to spare for gaps to be given up (three 10 s digest
// intervals) before the run ends.
constexpr uint64_t kBookendMs = 65000;

bool Number(const char* text, uint64_t max, uint64_t* out) {
  if (*text == '\0') return false;
  char* end = nullptr;
  unsigned long long v = strtoull(text, &end, 10);
  if (*end != '\0' || text[0] == '-' || v > max) return false;
  *out = v;
  return true;
}

size_t NextPowerOfTwo(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

bool ParseScenario(int argc, const char* const* argv, Scenario* s, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    auto value = [&](const char** v) {
      if (i + 1 >= argc) {
        *error = name + ": needs a value";
        return false;
      }
      *v = argv[++i];
      return true;
    };
    const char* v = nullptr;
    uint64_t n = 0;
    if (name == "--burst") {
      s->burst = true;
    } else if (name == "--nodes" || name == "--peers" || name == "--messages" ||
               name == "--senders" || name == "--seed" || name == "--seen" || name == "--warm") {
      if (!value(&v)) return false;
      uint64_t max = name == "--seed" ? UINT64_MAX : name == "--nodes" ? 1000000 : 16777216;
      if (name == "--peers") max = 1000;
      if (!Number(v, max, &n)) {
        *error = name + ": " + v + ": not a number in range";
        return false;
      }
      if (name == "--nodes") s->nodes = n;
      if (name == "--peers") s->peers = n;
      if (name == "--messages") s->messages = n;
      if (name == "--senders") s->senders = n;
      if (name == "--seed") s->seed = n;
      if (name == "--seen") s->seen = n;
      if (name == "--warm") s->warm = n;
    } else if (name == "--graph") {
      if (!value(&v)) return false;
      if (strcmp(v, "mesh") == 0) {
        s->degree = 0;
      } else if (strncmp(v, "random:", 7) == 0 && Number(v + 7, 1000, &n) && n > 0) {
        s->degree = n;
      } else {
        *error = std::string("--graph: ") + v + ": expected mesh or random:D";
        return false;
      }
    } else if (name == "--broadcast") {
      if (!value(&v)) return false;
      if (strcmp(v, "flood") == 0) {
        s->flood = true;
      } else if (strcmp(v, "tree") == 0) {
        s->flood = false;
      } else {
        *error = std::string("--broadcast: ") + v + ": expected tree or flood";
        return false;
      }
    } else if (name == "--own-to-all") {
      s->own_to_all = true;
    } else if (name == "--churn") {
      if (!value(&v)) return false;
      char* end = nullptr;
      s->churn = strtod(v, &end);
      if (*end != '\0' || end == v || !(s->churn >= 0 && s->churn < 1)) {
        *error = std::string("--churn: ") + v + ": expected a fraction from 0 to below 1";
        return false;
      }
    } else if (name == "--partition" || name == "--store" || name == "--graft-floor-ms" ||
               name == "--swap-hops" || name == "--hops" || name == "--linger") {
      if (!value(&v)) return false;
      uint64_t max = name == "--partition" ? 3600
                     : name == "--store"   ? (uint64_t{1} << 30)
                     : name == "--swap-hops" || name == "--hops" ? 255
                     : name == "--linger" ? 3600
                                             : 2000;
      if (!Number(v, max, &n) || ((name == "--partition" || name == "--hops" || name == "--linger") && n == 0)) {
        *error = name + ": " + v + ": not a number in range";
        return false;
      }
      if (name == "--partition") s->partition_ms = n * 1000;
      if (name == "--store") s->store_bytes = static_cast<size_t>(n);
      if (name == "--graft-floor-ms") s->graft_floor_ms = n;
      if (name == "--swap-hops") s->swap_hops = static_cast<uint8_t>(n);
      if (name == "--hops") s->hop_limit = static_cast<uint8_t>(n);
      if (name == "--linger") s->linger_ms = n * 1000;
    } else if (name == "--latency-ms") {
      if (!value(&v)) return false;
      const char* dash = strchr(v, '-');
      uint64_t lo = 0, hi = 0;
      if (dash == nullptr || !Number(std::string(v, dash).c_str(), SimNetwork::kMaxLatencyMs, &lo) ||
          !Number(dash + 1, SimNetwork::kMaxLatencyMs, &hi) || lo == 0 || hi < lo) {
        *error = std::string("--latency-ms: ") + v + ": expected LO-HI, 1 <= LO <= HI <= 1000";
        return false;
      }
      s->latency_lo_ms = static_cast<uint32_t>(lo);
      s->latency_hi_ms = static_cast<uint32_t>(hi);
    } else {
      *error = name + ": unknown option";
      return false;
    }
  }
  if (s->nodes < 2) {
    *error = "--nodes: at least 2 are needed";
    return false;
  }
  if (s->senders == 0 || s->senders > s->nodes) {
    *error = "--senders: from 1 to --nodes";
    return false;
  }
  if (s->degree != 0 && (s->degree >= s->nodes || s->nodes * s->degree % 2 != 0)) {
    *error = "--graph: random:D needs D below --nodes and --nodes times D even";
    return false;
  }
  if (s->seen > 16777216) s->seen = 16777216;
  return true;
}

std::vector<std::pair<uint32_t, uint32_t>> RandomRegularGraph(uint32_t n, uint32_t d,
                                                              uint64_t seed) {
  // The configuration model: n * d stubs paired at random, then each loop
  // or repeated edge swapped with a random other edge until none is left.
  Rng rng(seed);
  std::vector<uint32_t> stubs;
  stubs.reserve(size_t{n} * d);
  for (uint32_t v = 0; v < n; ++v)
    for (uint32_t k = 0; k < d; ++k) stubs.push_back(v);
  for (size_t i = stubs.size(); i > 1; --i) std::swap(stubs[i - 1], stubs[rng.Below(i)]);
  std::vector<std::pair<uint32_t, uint32_t>> edges;
  for (size_t i = 0; i + 1 < stubs.size(); i += 2) edges.emplace_back(stubs[i], stubs[i + 1]);
  auto key = [](uint32_t a, uint32_t b) {
    return a < b ? uint64_t{a} << 32 | b : uint64_t{b} << 32 | a;
  };
  std::unordered_multiset<uint64_t> present;
  for (auto& e : edges) present.insert(key(e.first, e.second));
  auto bad = [&](const std::pair<uint32_t, uint32_t>& e) {
    return e.first == e.second || present.count(key(e.first, e.second)) > 1;
  };
  for (int round = 0; round < 1000; ++round) {
    bool fixed_all = true;
    for (size_t i = 0; i < edges.size(); ++i) {
      if (!bad(edges[i])) continue;
      fixed_all = false;
      size_t j = rng.Below(edges.size());
      uint32_t a = edges[i].first, b = edges[i].second, c = edges[j].first, e = edges[j].second;
      if (a == c || a == e || b == c || b == e) continue;
      if (present.count(key(a, c)) != 0 || present.count(key(b, e)) != 0) continue;
      present.erase(present.find(key(a, b)));
      present.erase(present.find(key(c, e)));
      edges[i] = {a, c};
      edges[j] = {b, e};
      present.insert(key(a, c));
      present.insert(key(b, e));
    }
    if (fixed_all) break;
  }
  for (auto& e : edges)
    if (e.first > e.second) std::swap(e.first, e.second);
  std::sort(edges.begin(), edges.end());
  return edges;
}

Result RunScenario(const Scenario& s) {
  auto wall_start = std::chrono::steady_clock::now();
  Rng rng(s.seed ^ 0x5eed);
  bool wired = s.degree != 0 || !s.edges.empty();
  SimConfig c;
  c.nodes = s.nodes;
  c.peers = wired ? 0 : s.peers;
  c.max_peers = std::max<size_t>(32, s.peers);
  c.latency_lo_ms = s.latency_lo_ms;
  c.latency_hi_ms = s.latency_hi_ms;
  c.seed = s.seed;
  c.seen = s.seen != 0 ? s.seen
                       : s.burst ? std::min<size_t>(65536, std::max<size_t>(512, NextPowerOfTwo(2 * s.messages)))
                                 : 512;
  c.book_capacity = s.nodes <= 2000 ? 1024 : 128;
  c.store_bytes = s.store_bytes;
  c.broadcast = s.flood ? BroadcastMode::kFlood : BroadcastMode::kTree;
  c.tree.graft_floor_ms = s.graft_floor_ms;
  c.tree.own_to_all = s.own_to_all;
  c.tree.swap_hops = s.swap_hops;
  c.hop_limit = s.hop_limit;
  c.origin_slots = std::min<size_t>(256, NextPowerOfTwo(std::max<size_t>(16, 2 * s.senders)));
  std::vector<std::pair<uint32_t, uint32_t>> edges = s.edges;
  if (edges.empty() && s.degree != 0)
    edges = RandomRegularGraph(static_cast<uint32_t>(s.nodes), static_cast<uint32_t>(s.degree),
                               s.seed);
  // A wired graph: each edge is a -c from its lower node, and --max-peers
  // takes the largest degree.
  std::vector<std::vector<uint32_t>> targets(s.nodes);
  std::vector<uint32_t> degree(s.nodes, 0);
  for (auto& e : edges) {
    if (e.first == e.second || e.first >= s.nodes || e.second >= s.nodes) continue;
    targets[e.first].push_back(e.second);
    ++degree[e.first];
    ++degree[e.second];
  }
  for (uint32_t d : degree) c.max_peers = std::max<size_t>(c.max_peers, d);
  SimNetwork net(c);

  const uint64_t t0 = SimNetwork::kEpochMs;
  uint64_t first_message;
  if (wired) {
    for (uint32_t v = 0; v < s.nodes; ++v) net.Start(v, t0, targets[v]);
    first_message = t0 + kWiredSettleMs;
  } else {
    // Start times at random over kStartupMs, node 0 first; each node names
    // one that started before it.
    std::vector<uint64_t> at(s.nodes);
    at[0] = t0;
    for (uint32_t v = 1; v < s.nodes; ++v) at[v] = t0 + 1 + rng.Below(kStartupMs);
    std::vector<uint32_t> order(s.nodes);
    for (uint32_t v = 0; v < s.nodes; ++v) order[v] = v;
    std::sort(order.begin() + 1, order.end(),
              [&at](uint32_t a, uint32_t b) { return at[a] != at[b] ? at[a] < at[b] : a < b; });
    net.Start(order[0], at[order[0]], {});
    for (size_t k = 1; k < order.size(); ++k)
      net.Start(order[k], at[order[k]], {order[rng.Below(k)]});
    first_message = t0 + kStartupMs + kSettleMs;
  }

  // Senders at random; churn never kills one.
  std::vector<uint32_t> nodes(s.nodes);
  for (uint32_t v = 0; v < s.nodes; ++v) nodes[v] = v;
  for (size_t i = nodes.size(); i > 1; --i) std::swap(nodes[i - 1], nodes[rng.Below(i)]);
  std::vector<uint32_t> senders(nodes.begin(), nodes.begin() + s.senders);
  uint64_t last_message = first_message;
  uint64_t heal = 0;
  if (s.partition_ms != 0) {
    heal = first_message + s.partition_ms;
    net.Partition(static_cast<uint32_t>(s.nodes / 2), first_message, heal);
  }
  for (size_t k = 0; k < s.messages; ++k) {
    uint64_t at = s.burst ? first_message + k * kBurstMs / s.messages : first_message + k * kIntervalMs;
    // During a partition: spread over the cut, a second clear of each end.
    if (heal != 0)
      at = first_message + 1000 + k * (s.partition_ms > 2000 ? s.partition_ms - 2000 : 1) / s.messages;
    net.Send(senders[k % s.senders], static_cast<uint32_t>(k), at);
    last_message = at;
  }
  // During a partition each sender also speaks once before the cut and once
  // after the heal, so every node knows every origin's sequence and what it
  // misses is a gap it knows of: printed later, or counted unrecovered.
  size_t bookends = 0;
  if (heal != 0) {
    for (size_t k = 0; k < s.senders; ++k) {
      net.Send(senders[k], static_cast<uint32_t>(s.messages + 2 * k), first_message - 1000);
      net.Send(senders[k], static_cast<uint32_t>(s.messages + 2 * k + 1), heal + kBookendMs);
    }
    bookends = 2 * s.senders;
  }
  // --warm: messages from other nodes in the 2 s before, as a real node's
  // presence event is sent when it starts, so the trees have formed.
  for (size_t k = 0; k < s.warm; ++k) {
    uint32_t from = s.nodes > s.senders ? nodes[s.senders + k % (s.nodes - s.senders)]
                                        : nodes[k % s.nodes];
    net.Send(from, static_cast<uint32_t>(s.messages + bookends + k),
             first_message - 2000 + k * 1500 / s.warm);
  }
  bookends += s.warm;
  uint64_t kill_at = first_message + (last_message - first_message) / 2;
  size_t killed = static_cast<size_t>(s.churn * static_cast<double>(s.nodes) + 0.5);
  if (killed > s.nodes - s.senders) killed = s.nodes - s.senders;
  for (size_t i = 0; i < killed; ++i) net.Kill(nodes[s.senders + i], kill_at);
  uint64_t end = heal != 0 ? heal + kHealLingerMs : last_message + s.linger_ms;

  Result r;
  net.RunUntil(first_message - 1);
  std::vector<uint32_t> degrees = net.Degrees();
  uint64_t sum = 0;
  r.degree_min = UINT32_MAX;
  for (uint32_t d : degrees) {
    sum += d;
    r.degree_min = std::min(r.degree_min, d);
    r.degree_max = std::max(r.degree_max, d);
  }
  r.degree_mean = static_cast<double>(sum) / static_cast<double>(degrees.size());
  net.RunUntil(end);

  const SimTotals& t = net.totals();
  r.nodes = s.nodes;
  r.messages = s.messages + bookends;
  r.deliveries = t.deliveries;
  r.missed = net.Missed();
  for (uint32_t v = 0; v < s.nodes; ++v) {
    uint64_t u = net.Unrecovered(v);
    r.unrecovered += u;
    if (net.Alive(v) && u != net.MissedBy(v)) ++r.unrecovered_mismatched;
  }
  r.duplicates_printed = t.duplicates_printed;
  r.payload_sends = t.payload_sends;
  r.control_bytes = t.control_bytes;
  r.rmr = t.deliveries == 0 ? 0
                            : static_cast<double>(t.payload_sends) / static_cast<double>(t.deliveries) - 1;
  uint64_t later_sends = 0, later_deliveries = 0;
  std::vector<uint64_t> took;
  for (size_t i = 0; i < net.messages().size(); ++i) {
    const MessageRecord& m = net.messages()[i];
    r.ldh = std::max<uint64_t>(r.ldh, m.max_hops);
    if (heal != 0 && i < s.messages && m.last_delivery > heal)
      r.repair_ms = std::max(r.repair_ms, m.last_delivery - heal);
    if (killed > 0 && m.sent_at >= kill_at && m.last_delivery > m.sent_at)
      r.repair_ms = std::max(r.repair_ms, m.last_delivery - m.sent_at);
    if (i < s.messages && m.sent_at != 0 && m.last_delivery > m.sent_at)
      took.push_back(m.last_delivery - m.sent_at);
    if (i >= 10 && i < s.messages) {
      later_sends += m.payload_sends;
      later_deliveries += m.deliveries;
    }
  }
  if (!took.empty()) {
    std::sort(took.begin(), took.end());
    r.last_delivery_ms_median = took[took.size() / 2];
    r.last_delivery_ms_max = took.back();
  }
  r.rmr_after_10 = later_deliveries == 0 ? 0
                                         : static_cast<double>(later_sends) /
                                                   static_cast<double>(later_deliveries) - 1;
  TreeCounters tree = net.TreeTotals();
  r.grafts = tree.grafts;
  r.graft_answers = tree.graft_answers;
  r.prunes = tree.prunes;
  r.swaps = tree.swaps;
  r.sim_seconds = static_cast<double>(end - t0) / 1000;
  r.events = t.events;
  r.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0) r.peak_rss_kib = static_cast<uint64_t>(usage.ru_maxrss);
  return r;
}

std::string ResultJson(const Result& r) {
  char line[768];
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  snprintf(line, sizeof line,
           "{\"nodes\":%llu,\"messages\":%llu,\"deliveries\":%llu,\"missed\":%llu,"
           "\"duplicates_printed\":%llu,\"payload_sends\":%llu,\"rmr\":%.4f,\"rmr_after_10\":%.4f,"
           "\"ldh\":%llu,\"last_delivery_ms_median\":%llu,\"last_delivery_ms_max\":%llu,"
           "\"control_bytes\":%llu,\"grafts\":%llu,\"graft_answers\":%llu,\"prunes\":%llu,"
           "\"swaps\":%llu,\"sim_seconds\":%.3f,\"wall_seconds\":%.3f,"
           "\"peak_rss_kib\":%llu,\"repair_ms\":%llu,\"unrecovered\":%llu,"
           "\"unrecovered_mismatched\":%llu}",
           u(r.nodes), u(r.messages), u(r.deliveries), u(r.missed), u(r.duplicates_printed),
           u(r.payload_sends), r.rmr, r.rmr_after_10, u(r.ldh),
           u(r.last_delivery_ms_median), u(r.last_delivery_ms_max), u(r.control_bytes), u(r.grafts), u(r.graft_answers), u(r.prunes), u(r.swaps), r.sim_seconds, r.wall_seconds,
           u(r.peak_rss_kib), u(r.repair_ms), u(r.unrecovered), u(r.unrecovered_mismatched));
  return line;
}

}  // namespace sim
}  // namespace floodchat
