#include "node/presence_agent.h"

#include "console/format.h"

namespace floodchat {

void PresenceAgent::Start(uint64_t node_id, const std::string& nick, uint64_t heartbeat_ms,
                          uint64_t now) {
  nick_ = nick;
  roster_ = std::make_unique<Presence>(node_id, nick, heartbeat_ms);
  Announce(PresenceKind::kJoined, {}, now);
}

void PresenceAgent::Deliver(const Message& message, uint64_t now) {
  roster_->OnHeard(message, now, &notices_);
  if (!notices_.empty()) Tell(now);  // "* bob is back" before what bob says
  if (message.type == kTypeMessage) console_->Deliver(message, now);
}

// Before the first peer, an event waits with what was typed (the join goes
// first); after it, one said while alone is dropped: nobody would get it, and
// the next heartbeat says as much.
void PresenceAgent::Announce(PresenceKind kind, std::string_view old_nick, uint64_t now) {
  protocol_->Announce(nick_, PresenceEvent(kind, old_nick), !roster_->started(), now);
}

void PresenceAgent::Turn(uint64_t now, size_t live_peers) {
  if (!roster_->started() && live_peers > 0) roster_->Started(now);
  if (roster_->HeartbeatDue(now) && !leaving_) {
    Announce(PresenceKind::kAlive, {}, now);
    roster_->HeartbeatSent(now);
  }
  roster_->Tick(now, &notices_);
  if (!notices_.empty()) Tell(now);
}

void PresenceAgent::NickChanged(const std::string& old_nick, const std::string& nick,
                                uint64_t now) {
  nick_ = nick;
  if (old_nick != nick && !leaving_) Announce(PresenceKind::kNick, old_nick, now);
  roster_->SetOwnNick(nick, &notices_);
  Tell(now);
}

void PresenceAgent::Tell(uint64_t now) {
  for (const PresenceNotice& n : notices_) {
    if (n.kind != PresenceNotice::Kind::kClash) {
      console_->ShowPresence(n, now);
      continue;
    }
    std::string nick = TerminalSafe(n.nick);
    log_->Say(Level::kInfo, "another node (%016llx) uses the nick %s too; /nick NAME picks another",
              static_cast<unsigned long long>(n.node_id), nick.c_str());
  }
  notices_.clear();
}

}  // namespace floodchat
