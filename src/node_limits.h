// The node's bounds and timeouts, in one place. Each is written down in the
// man page (LIMITS); some are options, and LimitsFor() is the one place that
// turns the options into limits.
#ifndef FLOODCHAT_NODE_LIMITS_H_
#define FLOODCHAT_NODE_LIMITS_H_

#include <cstddef>
#include <cstdint>

#include "base/backlog.h"
#include "options.h"

namespace floodchat {

struct Limits {
  size_t read_chunk = 256 * 1024;        // bytes read from a peer per turn
  size_t stdin_chunk = 64 * 1024;        // bytes read from stdin per turn
  // A queue (a peer's or stdout's) over backlog.soft pauses input; see
  // base/backlog.h for when it stops doing so.
  BacklogLimits backlog;
  size_t queue_hard = kDefaultQueueMax;   // a peer's queue above this drops the peer (--queue-max)
  size_t stdout_max = kDefaultStdoutMax;  // pending stdout bytes before lines are dropped
  size_t pending_max = 1024 * 1024;       // queued own messages before stdin pauses
  size_t max_refusing = 16;  // inbound connections being refused at once; more are just closed
  uint64_t refuse_linger_ms = 2000;  // time a refused connection gets to read the full frame
  uint64_t connect_ms = kDefaultHandshakeTimeout * 1000;    // --handshake-timeout
  uint64_t handshake_ms = kDefaultHandshakeTimeout * 1000;  // --handshake-timeout
  uint64_t drain_ms = 5000;  // at exit, time to flush queues and for peers to close
  uint64_t accept_pause_ms = 100;  // the listener rests this long after accept() failed
  // A live connection on which nothing has arrived for this long is sent a
  // keepalive, and closed if nothing arrives for as long again (--keepalive).
  uint64_t keepalive_ms = kDefaultKeepalive * 1000;
};

// The limits for these options: the defaults above with --queue-max,
// --stdout-max, --handshake-timeout and --keepalive applied.
Limits LimitsFor(const Options& options);

}  // namespace floodchat

#endif  // FLOODCHAT_NODE_LIMITS_H_
