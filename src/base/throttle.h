// One report a second at most for something that can happen in bursts (a
// refused connection, a dropped line): the events in between are counted, and
// the next report can say how many there were. RepeatFilter does the same per
// kind of report, once a minute.
#ifndef FLOODCHAT_BASE_THROTTLE_H_
#define FLOODCHAT_BASE_THROTTLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace floodchat {

class ReportThrottle {
 public:
  static constexpr uint64_t kIntervalMs = 1000;

  explicit ReportThrottle(uint64_t interval_ms = kIntervalMs) : interval_(interval_ms) {}

  // Counts `n` events at `now`; true if a report is due now (then Take()).
  bool Note(uint64_t now, uint64_t n = 1) {
    pending_ += n;
    return Due(now);
  }
  // Events are waiting and the last report is at least kIntervalMs old (or
  // there was none).
  bool Due(uint64_t now) const {
    return pending_ > 0 && (!reported_ || now >= last_ + interval_);
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
    return reported_ ? last_ + interval_ : 0;
  }

 private:
  uint64_t interval_;
  uint64_t pending_ = 0;
  uint64_t last_ = 0;
  bool reported_ = false;
};

// The first report of each kind (its text, such as "refused: the peer has no
// network key (-k) and this node requires one"), then one a minute at most of
// that kind: housekeeping that repeats on every retry is said once, and again
// now and then with how many were held back. It remembers kKinds kinds; a new
// kind beyond them takes the place of the one that last happened longest ago.
class RepeatFilter {
 public:
  static constexpr uint64_t kIntervalMs = 60000;
  static constexpr size_t kKinds = 16;

  // A report of `kind` at `now`: true if it is to be shown, and then
  // *held_back is how many of its kind were not, since the last shown.
  bool Show(std::string_view kind, uint64_t now, uint64_t* held_back) {
    Kind* k = nullptr;
    for (size_t i = 0; i < used_ && k == nullptr; ++i)
      if (kinds_[i].text == kind) k = &kinds_[i];
    if (k == nullptr) {
      if (used_ < kKinds) {
        k = &kinds_[used_++];
      } else {
        k = &kinds_[0];
        for (size_t i = 1; i < kKinds; ++i)
          if (kinds_[i].last_noted < k->last_noted) k = &kinds_[i];
      }
      k->text = std::string(kind);
      k->throttle = ReportThrottle(kIntervalMs);
    }
    k->last_noted = now;
    if (!k->throttle.Note(now)) return false;
    *held_back = k->throttle.Take(now) - 1;
    return true;
  }

 private:
  struct Kind {
    std::string text;
    ReportThrottle throttle{kIntervalMs};
    uint64_t last_noted = 0;
  };
  Kind kinds_[kKinds];
  size_t used_ = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BASE_THROTTLE_H_
