#include "node/configs.h"

#include <cstdlib>

#include "net/net.h"

namespace floodchat {

ConsoleConfig ConsoleConfigFor(const Options& o, const Limits& l) {
  ConsoleConfig c;
  c.format = o.format;
  c.raw = o.raw;
  c.read_stdin = !o.relay;
  c.max_text = o.max_size;
  c.stdin_chunk = l.stdin_chunk;
  c.stdout_max = l.stdout_max;
  c.backlog = l.backlog;
  c.editor = !o.relay && net::InteractiveTerminal();
  c.presence_lines = o.presence || net::InteractiveTerminal();
  const char* no_color = getenv("NO_COLOR");
  c.color = o.color == ColorWhen::kAlways ||
            (o.color == ColorWhen::kAuto && net::InteractiveTerminal() &&
             (no_color == nullptr || no_color[0] == '\0'));
  c.timestamps = o.timestamps;
  return c;
}

TransportConfig TransportConfigFor(const Options& o, const Limits& l) {
  TransportConfig c;
  c.limits = l;
  c.max_text = o.max_size;
  c.max_peers = o.max_peers;
  return c;
}

ProtocolConfig ProtocolConfigFor(const Options& o, const uint64_t seeds[5]) {
  ProtocolConfig c;
  c.max_text = o.max_size;
  c.broadcast = o.broadcast;
  c.flood.node_id = seeds[0];
  c.flood.counter_start = seeds[1];
  c.flood.hash_key0 = seeds[2];
  c.flood.hash_key1 = seeds[3];
  c.flood.seen = o.seen;
  c.flood.store_bytes = o.store;
  c.repair.history = o.history;
  c.flood.hop_limit = static_cast<uint8_t>(o.hops);
  c.membership.self_id = seeds[0];
  c.membership.peers = o.peers;
  c.membership.max_peers = o.max_peers;
  c.membership.seed = seeds[4];
  return c;
}

}  // namespace floodchat
