#include "console/views.h"

#include "base/diag.h"
#include "console/format.h"

namespace floodchat {

void PrintPeers(const PeersView& v) {
  ErrPrintf("peers: %zu connected, %zu addresses known\n", v.connected, v.known);
  for (const PeerRow& p : v.peers) {
    ErrPrintf("  %s %s %s%s%s%s\n", p.label.c_str(),
              p.nick.empty() ? "-" : TerminalSafe(p.nick).c_str(), p.state,
              p.link != nullptr ? " (" : "", p.link != nullptr ? p.link : "",
              p.link != nullptr ? ")" : "");
  }
  // -c and /connect addresses waiting for their next attempt.
  for (const WaitingTarget& t : v.waiting) {
    ErrPrintf("  %s - retrying in %.1f s after %u failure%s\n", t.text.c_str(),
              static_cast<double>(t.wait_ms) / 1000, t.failures, t.failures == 1 ? "" : "s");
  }
}

std::string StatsText(const StatsView& v) {
  auto u = [](uint64_t n) { return std::to_string(n); };
  const std::string cells[] = {
      "sent=" + u(v.sent),
      "received=" + u(v.received),
      "duplicates=" + u(v.duplicates),
      "bytes_in=" + u(v.bytes_in),
      "bytes_out=" + u(v.bytes_out),
      "peers=" + u(v.peers),
      "stdout_dropped=" + u(v.stdout_dropped),
      "seen=" + u(v.seen) + "/" + u(v.seen_capacity),
      "evicted=" + u(v.evicted),
      "known=" + u(v.known),
      "attempts=" + u(v.attempts),
      "failures=" + u(v.failures),
      "reconnects=" + u(v.reconnects),
      "refused=" + u(v.refused),
      "late=" + u(v.late),
      "auth_failed=" + u(v.auth_failed),
      "origins=" + u(v.origins) + "/" + u(v.origins_capacity),
      "store=" + u(v.store_bytes) + "/" + u(v.store_capacity),
      "stored=" + u(v.stored),
      "resent=" + u(v.resent),
      "repaired=" + u(v.repaired),
      "sync_bytes=" + u(v.sync_bytes),
      "shed=" + u(v.shed),
      "unrecovered=" + u(v.unrecovered),
      "payloads=" + u(v.payloads),
      "ihave=" + u(v.ihave),
      "ihave_ids=" + u(v.ihave_ids),
      "grafts=" + u(v.grafts),
      "prunes=" + u(v.prunes),
      "eager=" + u(v.eager),
      "lazy=" + u(v.lazy),
  };
  // Three to a row, each column as wide as its widest cell and two spaces.
  const size_t kColumns = 3, n = sizeof cells / sizeof cells[0];
  size_t width[kColumns] = {};
  for (size_t i = 0; i < n; ++i)
    if (cells[i].size() > width[i % kColumns]) width[i % kColumns] = cells[i].size();
  std::string out = "stats: ";
  for (size_t i = 0; i < n; ++i) {
    out += cells[i];
    bool row_end = i % kColumns == kColumns - 1 || i == n - 1;
    if (row_end) {
      out += i == n - 1 ? "\n" : "\n       ";
    } else {
      out.append(width[i % kColumns] + 2 - cells[i].size(), ' ');
    }
  }
  return out;
}

void PrintWho(const std::vector<WhoRow>& rows) {
  size_t width = 0;
  std::vector<std::string> nicks;
  for (const WhoRow& r : rows) {
    nicks.push_back(TerminalSafe(r.nick));
    if (nicks.back().size() > width) width = nicks.back().size();
  }
  // A line each: a network of a thousand nodes is more than one write holds.
  ErrPrintf("who: %zu node%s\n", rows.size(), rows.size() == 1 ? "" : "s");
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string pad(width + 2 - nicks[i].size(), ' ');
    if (rows[i].self) {
      ErrPrintf("  %s%sthis node\n", nicks[i].c_str(), pad.c_str());
    } else {
      ErrPrintf("  %s%sheard from %llu s ago\n", nicks[i].c_str(), pad.c_str(),
                static_cast<unsigned long long>(rows[i].heard_ms_ago / 1000));
    }
  }
}

void PrintStats(const StatsView& v) { ErrPrintf("%s", StatsText(v).c_str()); }

}  // namespace floodchat
