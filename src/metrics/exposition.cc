#include "metrics/exposition.h"

#include <cstdio>

namespace floodchat {

// Each line says which /stats field it serves.
const MetricSpec kMetrics[] = {
    {"floodchat_messages_sent_total", true, "Messages this node originated (/stats sent).",
     [](const StatsView& v) -> uint64_t { return v.sent; }},
    {"floodchat_messages_received_total", true, "New messages received from peers (/stats received).",
     [](const StatsView& v) -> uint64_t { return v.received; }},
    {"floodchat_duplicates_total", true,
     "Messages dropped as already seen (/stats duplicates).",
     [](const StatsView& v) -> uint64_t { return v.duplicates; }},
    {"floodchat_late_duplicates_total", true,
     "Copies dropped after the table of seen IDs had forgotten them, known by their origin's record (/stats late).",
     [](const StatsView& v) -> uint64_t { return v.late; }},
    {"floodchat_bytes_received_total", true, "Bytes read from peers (/stats bytes_in).",
     [](const StatsView& v) -> uint64_t { return v.bytes_in; }},
    {"floodchat_bytes_sent_total", true, "Bytes written to peers (/stats bytes_out).",
     [](const StatsView& v) -> uint64_t { return v.bytes_out; }},
    {"floodchat_peers", false, "Connections carrying messages now (/stats peers).",
     [](const StatsView& v) -> uint64_t { return v.peers; }},
    {"floodchat_stdout_dropped_total", true,
     "Messages not printed because standard output was not read (/stats stdout_dropped).",
     [](const StatsView& v) -> uint64_t { return v.stdout_dropped; }},
    {"floodchat_seen_ids", false, "Message IDs in the table of seen IDs (/stats seen).",
     [](const StatsView& v) -> uint64_t { return v.seen; }},
    {"floodchat_seen_ids_capacity", false, "Capacity of the table of seen IDs (--seen).",
     [](const StatsView& v) -> uint64_t { return v.seen_capacity; }},
    {"floodchat_seen_evicted_total", true,
     "IDs evicted from the full table of seen IDs (/stats evicted).",
     [](const StatsView& v) -> uint64_t { return v.evicted; }},
    {"floodchat_known_addresses", false, "Addresses in the address book (/stats known).",
     [](const StatsView& v) -> uint64_t { return v.known; }},
    {"floodchat_dial_attempts_total", true, "Outbound connections started (/stats attempts).",
     [](const StatsView& v) -> uint64_t { return v.attempts; }},
    {"floodchat_dial_failures_total", true,
     "Outbound connections that did not reach a handshake (/stats failures).",
     [](const StatsView& v) -> uint64_t { return v.failures; }},
    {"floodchat_reconnects_total", true,
     "Outbound connections to an address connected before (/stats reconnects).",
     [](const StatsView& v) -> uint64_t { return v.reconnects; }},
    {"floodchat_refused_total", true,
     "Incoming connections refused over --max-peers (/stats refused).",
     [](const StatsView& v) -> uint64_t { return v.refused; }},
    {"floodchat_auth_failed_total", true,
     "Keyed mode: connections closed for another key, no key or a bad record (/stats "
     "auth_failed).",
     [](const StatsView& v) -> uint64_t { return v.auth_failed; }},
    {"floodchat_origins", false, "Origins whose message sequence is tracked (/stats origins).",
     [](const StatsView& v) -> uint64_t { return v.origins; }},
    {"floodchat_store_bytes", false,
     "Bytes the message store holds, frames and bookkeeping (/stats store).",
     [](const StatsView& v) -> uint64_t { return v.store_bytes; }},
    {"floodchat_store_bytes_capacity", false, "The message store's bound (--store).",
     [](const StatsView& v) -> uint64_t { return v.store_capacity; }},
    {"floodchat_stored_messages", false,
     "Messages and presence events in the message store (/stats stored).",
     [](const StatsView& v) -> uint64_t { return v.stored; }},
    {"floodchat_resent_total", true,
     "Messages sent again from the store to peers that lacked them (/stats resent).",
     [](const StatsView& v) -> uint64_t { return v.resent; }},
    {"floodchat_repaired_total", true,
     "New messages received from a peer's store, filling a gap (/stats repaired).",
     [](const StatsView& v) -> uint64_t { return v.repaired; }},
    {"floodchat_sync_bytes_total", true,
     "Bytes of anti-entropy digests and summaries sent (/stats sync_bytes).",
     [](const StatsView& v) -> uint64_t { return v.sync_bytes; }},
    {"floodchat_shed_bytes_total", true,
     "Bytes queued for peers dropped at --queue-max, discarded and left to repair (/stats shed).",
     [](const StatsView& v) -> uint64_t { return v.shed; }},
    {"floodchat_unrecovered_total", true,
     "Messages known to have been sent that no peer could supply (/stats unrecovered).",
     [](const StatsView& v) -> uint64_t { return v.unrecovered; }},
    {"floodchat_payloads_total", true,
     "Message frames sent to peers, graft answers included (/stats payloads).",
     [](const StatsView& v) -> uint64_t { return v.payloads; }},
    {"floodchat_ihave_frames_total", true,
     "Announcement (ihave) frames sent on lazy links (/stats ihave).",
     [](const StatsView& v) -> uint64_t { return v.ihave; }},
    {"floodchat_ihave_ids_total", true,
     "Message IDs announced on lazy links (/stats ihave_ids).",
     [](const StatsView& v) -> uint64_t { return v.ihave_ids; }},
    {"floodchat_grafts_total", true,
     "Graft frames sent: links made eager, most asking for a message (/stats grafts).",
     [](const StatsView& v) -> uint64_t { return v.grafts; }},
    {"floodchat_prunes_total", true,
     "Prune frames sent: eager links made lazy (/stats prunes).",
     [](const StatsView& v) -> uint64_t { return v.prunes; }},
    {"floodchat_eager_peers", false,
     "Links on which messages are sent whole (/stats eager).",
     [](const StatsView& v) -> uint64_t { return v.eager; }},
    {"floodchat_lazy_peers", false,
     "Links on which only message IDs are sent (/stats lazy).",
     [](const StatsView& v) -> uint64_t { return v.lazy; }},
};
const size_t kMetricCount = sizeof kMetrics / sizeof kMetrics[0];

std::string RenderMetrics(const StatsView& stats) {
  std::string out;
  out.reserve(kMetricCount * 160);
  char line[320];
  for (const MetricSpec& m : kMetrics) {
    // HELP texts hold no backslash or line feed, which would need escaping.
    int n = snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", m.name, m.help,
                     m.name, m.counter ? "counter" : "gauge", m.name,
                     static_cast<unsigned long long>(m.value(stats)));
    if (n > 0) out.append(line, static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n)
                                                                     : sizeof line - 1);
  }
  return out;
}

}  // namespace floodchat
