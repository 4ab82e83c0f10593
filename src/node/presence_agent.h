// Presence in the node: it runs the roster (presence/presence.h) between the
// broadcast policy, which delivers every message and presence frame here,
// and the console, which shows what a person should be told. It announces
// this node's own events through the protocol: joined at start (kept until
// the first peer, which gets it before anything typed meanwhile), left at the
// end, a new nick, and the heartbeat once the first peer is up.
#ifndef FLOODCHAT_NODE_PRESENCE_AGENT_H_
#define FLOODCHAT_NODE_PRESENCE_AGENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/diag.h"
#include "console/console.h"
#include "links.h"
#include "node/protocol.h"
#include "presence/presence.h"

namespace floodchat {

class PresenceAgent : public MessageSink {
 public:
  // All three outlive this; the protocol need not be initialised yet.
  PresenceAgent(Protocol* protocol, Console* console, const Log* log)
      : protocol_(protocol), console_(console), log_(log) {}

  // Once the node ID is known and the protocol is initialised: says "joined".
  void Start(uint64_t node_id, const std::string& nick, uint64_t heartbeat_ms, uint64_t now);

  // MessageSink: messages go on to the console; both kinds are news of who
  // is here.
  void Deliver(const Message& message, uint64_t now) override;

  // Each turn: the heartbeat once a peer has been up, nodes gone silent.
  void Turn(uint64_t now, size_t live_peers);
  uint64_t NextWake() const { return roster_->NextWake(); }
  void NickChanged(const std::string& old_nick, const std::string& nick, uint64_t now);
  // Says "left"; nothing more is announced after it.
  void Leaving(uint64_t now) {
    Announce(PresenceKind::kLeft, {}, now);
    leaving_ = true;
  }
  std::vector<WhoRow> Who(uint64_t now) const { return roster_->Who(now); }

 private:
  void Announce(PresenceKind kind, std::string_view old_nick, uint64_t now);
  void Tell(uint64_t now);

  Protocol* protocol_;
  Console* console_;
  const Log* log_;
  std::string nick_;
  bool leaving_ = false;
  std::unique_ptr<Presence> roster_;
  std::vector<PresenceNotice> notices_;  // kept to allocate once
};

}  // namespace floodchat

#endif  // FLOODCHAT_NODE_PRESENCE_AGENT_H_
