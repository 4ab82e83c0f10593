#include "node_limits.h"

namespace floodchat {

Limits LimitsFor(const Options& options) {
  Limits limits;
  limits.queue_hard = options.queue_max;
  limits.stdout_max = options.stdout_max;
  limits.handshake_ms = static_cast<uint64_t>(options.handshake_timeout) * 1000;
  limits.connect_ms = limits.handshake_ms;
  limits.keepalive_ms = static_cast<uint64_t>(options.keepalive_s) * 1000;
  return limits;
}

}  // namespace floodchat
