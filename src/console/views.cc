#include "console/views.h"

#include "base/diag.h"
#include "console/format.h"

namespace floodchat {

void PrintPeers(const PeersView& v) {
  ErrPrintf("peers: %zu connected, %zu addresses known\n", v.connected, v.known);
  for (const PeerRow& p : v.peers) {
    ErrPrintf("  %s %s %s\n", p.label.c_str(), p.nick.empty() ? "-" : TerminalSafe(p.nick).c_str(),
              p.state);
  }
  // -c and /connect addresses waiting for their next attempt.
  for (const WaitingTarget& t : v.waiting) {
    ErrPrintf("  %s - retrying in %.1f s after %u failures\n", t.text.c_str(),
              static_cast<double>(t.wait_ms) / 1000, t.failures);
  }
}

void PrintStats(const StatsView& v) {
  auto u = [](uint64_t n) { return static_cast<unsigned long long>(n); };
  ErrPrintf(
      "stats: sent=%llu received=%llu duplicates=%llu bytes_in=%llu bytes_out=%llu "
      "peers=%zu stdout_dropped=%llu seen=%zu/%zu evicted=%llu known=%zu attempts=%llu "
      "failures=%llu reconnects=%llu refused=%llu late=%llu auth_failed=%llu\n",
      u(v.sent), u(v.received), u(v.duplicates), u(v.bytes_in), u(v.bytes_out), v.peers,
      u(v.stdout_dropped), v.seen, v.seen_capacity, u(v.evicted), v.known, u(v.attempts),
      u(v.failures), u(v.reconnects), u(v.refused), u(v.late), u(v.auth_failed));
}

}  // namespace floodchat
