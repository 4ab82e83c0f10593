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
      since_ = 0;
    } else if (since_ == 0) {
      since_ = now | 1;  // never 0 while over
    }
  }
  // The reader took some of the queue at `now`.
  void Progress(uint64_t now) { progress_at_ = now; }

  bool active() const { return since_ != 0; }
  // When the backlog stops holding input back: stall_ms after it began, or
  // stopped_ms after the reader last took anything (or the backlog began).
  // UINT64_MAX when there is no backlog.
  uint64_t Deadline(const BacklogLimits& limits) const {
    if (since_ == 0) return UINT64_MAX;
    uint64_t stalled = since_ + limits.stall_ms;
    uint64_t stopped = (progress_at_ > since_ ? progress_at_ : since_) + limits.stopped_ms;
    return stalled < stopped ? stalled : stopped;
  }
  bool HoldsInputBack(size_t queued, uint64_t now, const BacklogLimits& limits) const {
    return queued > limits.soft && now < Deadline(limits);
  }

 private:
  uint64_t since_ = 0;        // when the queue went over soft; 0 if it is not
  uint64_t progress_at_ = 0;  // the last time the reader took anything
};

}  // namespace floodchat

#endif  // FLOODCHAT_BASE_BACKLOG_H_
