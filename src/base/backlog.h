// Backpressure for one output queue (a peer's, or stdout's). A queue over
// `soft` holds all input back, so that a reader slower than the rest slows
// the mesh down instead of losing messages: this is what keeps a healthy
// network lossless. A reader that cannot bring its queue back under `soft`
// within stall_ms, or that takes nothing at all for stopped_ms (a stopped
// process, a dead link), is too slow to hold everyone back: its backlog stops
// counting, and the queue's owner then applies its hard bound (a peer is
// dropped, stdout loses lines).
#ifndef FLOODCHAT_BASE_BACKLOG_H_
#define FLOODCHAT_BASE_BACKLOG_H_

#include <cstddef>
#include <cstdint>

namespace floodchat {

struct BacklogLimits {
  size_t soft = 1024 * 1024;
  uint64_t stall_ms = 1000;
  uint64_t stopped_ms = 250;
};

class Backlog {
 public:
  // The queue now holds `queued` bytes: a backlog starts when it goes over
  // `soft` and ends when it is back under.
  void Track(size_t queued, uint64_t now, const BacklogLimits& limits) {
    if (queued <= limits.soft) {
      active_ = false;
    } else if (!active_) {
      active_ = true;
      since_ = now;
    }
  }
  // The reader took some of the queue at `now`.
  void Progress(uint64_t now) { progress_at_ = now; }

  bool active() const { return active_; }
  // When the backlog stops holding input back: stall_ms after it began, or
  // stopped_ms after the reader last took anything (or the backlog began).
  // UINT64_MAX when there is no backlog.
  uint64_t Deadline(const BacklogLimits& limits) const {
    if (!active_) return UINT64_MAX;
    uint64_t stalled = since_ + limits.stall_ms;
    uint64_t stopped = (progress_at_ > since_ ? progress_at_ : since_) + limits.stopped_ms;
    return stalled < stopped ? stalled : stopped;
  }
  bool HoldsInputBack(size_t queued, uint64_t now, const BacklogLimits& limits) const {
    return queued > limits.soft && now < Deadline(limits);
  }
  // When the loop must wake for this backlog: its deadline while that is
  // still ahead, else never (a backlog that stopped holding input back
  // changes nothing more by itself; waking for it would spin).
  uint64_t WakeAt(uint64_t now, const BacklogLimits& limits) const {
    uint64_t d = Deadline(limits);
    return d > now ? d : UINT64_MAX;
  }

 private:
  bool active_ = false;       // the queue is over soft...
  uint64_t since_ = 0;        // ...since this time
  uint64_t progress_at_ = 0;  // the last time the reader took anything
};

}  // namespace floodchat

#endif  // FLOODCHAT_BASE_BACKLOG_H_
