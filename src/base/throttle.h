// One report a second at most for something that can happen in bursts (a
// refused connection, a failed authentication, a dropped line): the events in
// between are counted, and the next report can say how many there were.
#ifndef FLOODCHAT_BASE_THROTTLE_H_
#define FLOODCHAT_BASE_THROTTLE_H_

#include <cstdint>

namespace floodchat {

class ReportThrottle {
 public:
  static constexpr uint64_t kIntervalMs = 1000;

  // Counts `n` events at `now`; true if a report is due now (then Take()).
  bool Note(uint64_t now, uint64_t n = 1) {
    pending_ += n;
    return Due(now);
  }
  // Events are waiting and the last report is at least kIntervalMs old (or
  // there was none).
  bool Due(uint64_t now) const {
    return pending_ > 0 && (!reported_ || now >= last_ + kIntervalMs);
  }
  // A report is made at `now`: returns the events it covers (those counted
  // since the last report) and starts counting afresh.
  uint64_t Take(uint64_t now) {
    uint64_t n = pending_;
    pending_ = 0;
    last_ = now;
    reported_ = true;
    return n;
  }
  // When a waiting report becomes due; UINT64_MAX if nothing waits.
  uint64_t Deadline() const {
    if (pending_ == 0) return UINT64_MAX;
    return reported_ ? last_ + kIntervalMs : 0;
  }

 private:
  uint64_t pending_ = 0;
  uint64_t last_ = 0;
  bool reported_ = false;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BASE_THROTTLE_H_
