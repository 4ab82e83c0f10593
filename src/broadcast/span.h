// A span of one origin's message counters, [lo, hi), compared modulo 2^64
// as counters are: what a link announced past the awaited bounds (tree.h),
// or what a forming tree holds back from a link.
#ifndef FLOODCHAT_BROADCAST_SPAN_H_
#define FLOODCHAT_BROADCAST_SPAN_H_

#include <cstdint>

namespace floodchat {

struct CounterSpan {
  uint64_t lo = 0, hi = 0;

  static CounterSpan Of(uint64_t c) { return CounterSpan{c, c + 1}; }
  bool Contains(uint64_t c) const { return c - lo < hi - lo; }
  // Widens the span to take `c` (above or below it) if it stays at most
  // `max` counters long; false, and unchanged, if it would not.
  bool Take(uint64_t c, uint64_t max) {
    if (Contains(c)) return true;
    if (c - lo < max) {  // above it
      hi = c + 1;
      return true;
    }
    if (lo - c <= max && hi - c <= max) {  // below it
      lo = c;
      return true;
    }
    return false;
  }
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_SPAN_H_
