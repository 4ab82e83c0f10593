// Presence: who is in the network. Each node announces itself when it gets
// its first peer (joined), when it leaves cleanly (left), when its nick
// changes, and every heartbeat interval (alive), in presence frames that the
// broadcast policy relays as it relays messages (wire/frame.h). This part
// keeps the roster those events and the messages build, says what a person
// should be told (bob joined, left, is now robert, is gone, is back; another
// node uses this node's nick), and when this node's heartbeat is due. It
// takes the time as an argument and does no IO.
//
//   event := kind:u8  [old_nick]     (the text of a presence frame)
//   kind  := 1 joined | 2 left | 3 nick (old_nick follows) | 4 alive
//
// Kinds this version does not know are relayed and otherwise ignored.
#ifndef FLOODCHAT_PRESENCE_PRESENCE_H_
#define FLOODCHAT_PRESENCE_PRESENCE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wire/frame.h"

namespace floodchat {

enum class PresenceKind : uint8_t { kJoined = 1, kLeft = 2, kNick = 3, kAlive = 4 };

// The text of a presence frame.
std::string PresenceEvent(PresenceKind kind, std::string_view old_nick = {});

// What a person is told.
struct PresenceNotice {
  enum class Kind {
    kJoined,   // "* bob joined"
    kLeft,     // "* bob left"
    kRenamed,  // "* bob is now robert": nick is the new one, old_nick the old
    kGone,     // "* bob is gone (not heard from for 92 s)": no word for GoneAfterMs
    kBack,     // "* bob is back": heard again after being reported gone
    kClash,    // another node uses this node's nick (a diagnostic, not a line)
  };
  Kind kind;
  uint64_t node_id = 0;
  std::string nick, old_nick;
  uint64_t silent_ms = 0;  // kGone: how long it had not been heard from
};

struct WhoRow {
  std::string nick;
  uint64_t node_id = 0;
  uint64_t heard_ms_ago = 0;
  bool self = false;
};

class Presence {
 public:
  static constexpr uint64_t kDefaultHeartbeatMs = 30000;
  // Nodes remembered at most; beyond, the one heard from longest ago goes.
  static constexpr size_t kMaxNodes = 1024;

  // `heartbeat_ms`: how often this node says it is alive; a node not heard
  // from for GoneAfterMs() is reported gone (every node should use the same
  // heartbeat).
  Presence(uint64_t self_id, std::string_view self_nick, uint64_t heartbeat_ms);

  uint64_t GoneAfterMs() const { return 3 * heartbeat_ms_ + 2000; }

  // A presence frame (m.type kTypePresence) or a message from another node.
  void OnHeard(const Message& m, uint64_t now, std::vector<PresenceNotice>* out);
  // This node's nick changed: a clash is told at once if a node present uses it.
  void SetOwnNick(std::string_view nick, std::vector<PresenceNotice>* out);
  // The time passed: nodes not heard from are reported gone.
  void Tick(uint64_t now, std::vector<PresenceNotice>* out);

  // This node's own heartbeat: due from `now` on once Started (its first
  // peer); Sent restarts the interval.
  void Started(uint64_t now) { started_ = true, next_heartbeat_ = now + heartbeat_ms_; }
  bool HeartbeatDue(uint64_t now) const { return started_ && now >= next_heartbeat_; }
  void HeartbeatSent(uint64_t now) { next_heartbeat_ = now + heartbeat_ms_; }
  bool started() const { return started_; }
  uint64_t NextWake() const;

  // The nodes present, this one included, by nick.
  std::vector<WhoRow> Who(uint64_t now) const;
  size_t size() const { return nodes_.size(); }

 private:
  struct Entry {
    uint64_t node_id = 0;
    std::string nick;
    uint64_t heard = 0;
    bool gone = false;     // reported gone; kept to say "is back"
    bool clash_told = false;
  };
  Entry* Find(uint64_t node_id);
  Entry* Add(uint64_t node_id, uint64_t now);
  void CheckClash(Entry* e, std::vector<PresenceNotice>* out);

  uint64_t self_id_;
  std::string self_nick_;
  uint64_t heartbeat_ms_;
  bool started_ = false;
  uint64_t next_heartbeat_ = 0;
  std::vector<Entry> nodes_;  // other nodes, unordered; kMaxNodes at most
};

}  // namespace floodchat

#endif  // FLOODCHAT_PRESENCE_PRESENCE_H_
