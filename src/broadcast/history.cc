#include "broadcast/history.h"

#include <algorithm>

namespace floodchat {

void HistoryHold::Deliver(const Message& message, uint64_t now) {
  if (!holding_) {
    sink_->Deliver(message, now);
    return;
  }
  held_.emplace_back();
  Held& h = held_.back();
  h.m = message;
  h.order = held_.size();
  h.nick.assign(message.nick.data(), message.nick.size());
  h.text.assign(message.text.data(), message.text.size());
  if (held_.size() > most_) Release(now);
}

void HistoryHold::Release(uint64_t now) {
  holding_ = false;
  // Stable by hand (std::stable_sort's buffer needs a runtime the musl
  // build does not link): equal times keep their arrival order.
  std::sort(held_.begin(), held_.end(), [](const Held& a, const Held& b) {
    return a.m.sent_ms != b.m.sent_ms ? a.m.sent_ms < b.m.sent_ms : a.order < b.order;
  });
  for (Held& h : held_) {
    h.m.nick = h.nick;
    h.m.text = h.text;
    sink_->Deliver(h.m, now);
  }
  held_.clear();
  held_.shrink_to_fit();
}

}  // namespace floodchat
