// This node's own messages and presence events encoded while no peer was
// up, for the first peer to come up: every broadcast policy keeps that
// promise (man page, Input lines), and this is where they keep it.
#ifndef FLOODCHAT_BROADCAST_PENDING_H_
#define FLOODCHAT_BROADCAST_PENDING_H_

#include <cstddef>
#include <cstdint>

#include "base/buffer.h"
#include "base/diag.h"
#include "links.h"

namespace floodchat {

class PendingOwn {
 public:
  // A frame, whole; `message` when it is a message (not a presence event);
  // `seq` the store's sequence number it was kept with (store.h).
  void Add(const uint8_t* frame, size_t size, bool message, uint64_t seq) {
    if (bytes_.empty()) since_ = seq;
    bytes_.Append(frame, size);
    if (message) ++messages_;
  }
  // Queues everything for `peer` and forgets it; returns the messages among
  // it.
  uint64_t FlushTo(Links* links, PeerId peer, const Log* log) {
    if (bytes_.empty()) return 0;
    links->Send(peer, bytes_.data(), bytes_.size());
    uint64_t sent = messages_;
    if (sent > 0)
      log->Say(Level::kDebug, "sent %llu queued messages to %s",
               static_cast<unsigned long long>(sent), links->Describe(peer).c_str());
    bytes_.Clear();
    bytes_.Release(0);
    messages_ = 0;
    return sent;
  }
  size_t bytes() const { return bytes_.size(); }
  uint64_t messages() const { return messages_; }
  // The store's sequence number of the first frame waiting; `next_seq`
  // (the store's next) when none waits.
  uint64_t Since(uint64_t next_seq) const { return bytes_.empty() ? next_seq : since_; }

 private:
  Buffer bytes_;
  uint64_t messages_ = 0;
  uint64_t since_ = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_PENDING_H_
