// --history N: what a joining node is sent of the network's recent past is
// printed in send-time order before live messages. HistoryHold stands
// between the broadcast policy and the console: while it holds, messages
// are kept (as copies) instead of delivered; Release hands them on sorted
// by their send times (stable: equal times keep their arrival order), and
// from then on every message passes straight through. No IO, no clock.
#ifndef FLOODCHAT_BROADCAST_HISTORY_H_
#define FLOODCHAT_BROADCAST_HISTORY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "links.h"
#include "wire/frame.h"

namespace floodchat {

class HistoryHold : public MessageSink {
 public:
  // `most`: messages held at most; one more releases them all.
  HistoryHold(MessageSink* sink, size_t most) : sink_(sink), most_(most) {}

  // Starts holding until `deadline` (Release is due then at the latest).
  void Hold(uint64_t deadline) {
    holding_ = true;
    deadline_ = deadline;
  }
  bool holding() const { return holding_; }
  uint64_t deadline() const { return holding_ ? deadline_ : UINT64_MAX; }
  void Release(uint64_t now);

  void Deliver(const Message& message, uint64_t now) override;

 private:
  struct Held {
    Message m;
    std::string nick, text;  // m's views point here once placed
    size_t order = 0;        // arrival
  };
  MessageSink* sink_;
  size_t most_;
  bool holding_ = false;
  uint64_t deadline_ = 0;
  std::vector<Held> held_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_HISTORY_H_
