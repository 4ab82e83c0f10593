// The roster through hand-made frames and a hand-held clock: what a person is
// told for each event, once; gone after the documented silence; /who.
#include "presence/presence.h"

#include <gtest/gtest.h>

#include <deque>

#include "base/endian.h"

namespace floodchat {
namespace {

constexpr uint64_t kSelf = 1;
constexpr uint64_t kBeat = 30000;

class PresenceTest : public ::testing::Test {
 protected:
  // A frame from `origin`: a presence event, or (kind 0) a message.
  Message From(uint64_t origin, const std::string& nick, PresenceKind kind,
               const std::string& old_nick = "") {
    texts_.push_back(PresenceEvent(kind, old_nick));
    nicks_.push_back(nick);
    Message m;
    m.type = kTypePresence;
    PutU64(m.id.bytes, origin);
    PutU64(m.id.bytes + 8, ++counter_);
    m.hops = 2;
    m.hop_limit = 64;
    m.nick = nicks_.back();
    m.text = texts_.back();
    return m;
  }
  Message Chat(uint64_t origin, const std::string& nick) {
    Message m = From(origin, nick, PresenceKind::kAlive);
    m.type = kTypeMessage;
    m.text = "hello";
    return m;
  }
  std::string Told(const std::vector<PresenceNotice>& out) {
    std::string s;
    for (const PresenceNotice& n : out) {
      const char* k[] = {"joined", "left", "renamed", "gone", "back", "clash"};
      s += std::string(k[static_cast<int>(n.kind)]) + ":" + n.nick;
      if (!n.old_nick.empty()) s += "<" + n.old_nick;
      s += " ";
    }
    return s;
  }
  std::string Hear(const Message& m, uint64_t now) {
    std::vector<PresenceNotice> out;
    p_.OnHeard(m, now, &out);
    return Told(out);
  }
  std::string TickAt(uint64_t now) {
    std::vector<PresenceNotice> out;
    p_.Tick(now, &out);
    return Told(out);
  }

  Presence p_{kSelf, "me", kBeat};
  uint64_t counter_ = 0;
  std::deque<std::string> texts_, nicks_;  // stable: messages point into them
};

TEST_F(PresenceTest, EventsAreToldOnceEach) {
  EXPECT_EQ(Hear(From(7, "bob", PresenceKind::kJoined), 0), "joined:bob ");
  EXPECT_EQ(Hear(From(7, "bob", PresenceKind::kJoined), 1), "");  // already here
  EXPECT_EQ(Hear(From(7, "bob", PresenceKind::kAlive), 2), "");
  EXPECT_EQ(Hear(Chat(7, "bob"), 3), "");
  EXPECT_EQ(Hear(From(7, "robert", PresenceKind::kNick, "bob"), 4), "renamed:robert<bob ");
  EXPECT_EQ(Hear(From(7, "robert", PresenceKind::kLeft), 5), "left:robert ");
  EXPECT_EQ(p_.size(), 0u);
  // Own frames never count; an unknown kind is ignored.
  EXPECT_EQ(Hear(From(kSelf, "me", PresenceKind::kJoined), 6), "");
  Message later = From(9, "x", PresenceKind::kAlive);
  texts_.back() = "\x63";
  later.text = texts_.back();
  EXPECT_EQ(Hear(later, 7), "");
  EXPECT_EQ(p_.size(), 0u);
}

TEST_F(PresenceTest, NodesThatWereHereBeforeAreLearntSilently) {
  // Joined before this node did: its heartbeat or a message adds it.
  EXPECT_EQ(Hear(From(7, "bob", PresenceKind::kAlive), 0), "");
  EXPECT_EQ(Hear(Chat(8, "carol"), 0), "");
  // A nick change of a node not yet known is told with the old nick it says.
  EXPECT_EQ(Hear(From(9, "dan", PresenceKind::kNick, "daniel"), 0), "renamed:dan<daniel ");
  // A nick seen changed in a message (its nick event missed, or behind it) is
  // told once: the nick event after it says nothing new.
  EXPECT_EQ(Hear(Chat(7, "bobby"), 1), "renamed:bobby<bob ");
  EXPECT_EQ(Hear(From(7, "bobby", PresenceKind::kNick, "bob"), 1), "");
  std::vector<WhoRow> who = p_.Who(1000);
  ASSERT_EQ(who.size(), 4u);
  EXPECT_EQ(who[0].nick, "bobby");
  EXPECT_EQ(who[0].heard_ms_ago, 999u);
  EXPECT_EQ(who[1].nick, "carol");
  EXPECT_EQ(who[2].nick, "dan");
  EXPECT_EQ(who[3].nick, "me");
  EXPECT_TRUE(who[3].self);
}

TEST_F(PresenceTest, SilentForThreeHeartbeatsAndTwoSecondsIsGoneThenBack) {
  EXPECT_EQ(p_.GoneAfterMs(), 3 * kBeat + 2000);
  Hear(From(7, "bob", PresenceKind::kJoined), 1000);
  Hear(From(8, "carol", PresenceKind::kJoined), 1000);
  EXPECT_EQ(p_.NextWake(), 1000 + p_.GoneAfterMs());
  Hear(From(8, "carol", PresenceKind::kAlive), 31000);
  EXPECT_EQ(TickAt(1000 + p_.GoneAfterMs() - 1), "");
  EXPECT_EQ(TickAt(1000 + p_.GoneAfterMs()), "gone:bob ");
  EXPECT_EQ(TickAt(1000 + p_.GoneAfterMs() + 5000), "");  // told once
  EXPECT_EQ(p_.Who(100000).size(), 2u);                    // carol and me
  EXPECT_EQ(Hear(From(7, "bob", PresenceKind::kAlive), 200000), "back:bob ");
  // A node gone that then says it left is not told twice.
  EXPECT_EQ(TickAt(400000), "gone:bob gone:carol ");
  EXPECT_EQ(Hear(From(7, "bob", PresenceKind::kLeft), 400001), "");
}

TEST_F(PresenceTest, AnotherNodeWithThisNodesNickIsToldOncePerNode) {
  EXPECT_EQ(Hear(From(7, "me", PresenceKind::kJoined), 0), "joined:me clash:me ");
  EXPECT_EQ(Hear(Chat(7, "me"), 1), "");
  EXPECT_EQ(Hear(From(8, "me", PresenceKind::kAlive), 2), "clash:me ");
  // It renames away and back: told again.
  EXPECT_EQ(Hear(From(7, "you", PresenceKind::kNick, "me"), 3), "renamed:you<me ");
  EXPECT_EQ(Hear(From(7, "me", PresenceKind::kNick, "you"), 4), "renamed:me<you clash:me ");
  // This node takes a nick in use.
  std::vector<PresenceNotice> out;
  Hear(From(9, "zed", PresenceKind::kJoined), 5);
  p_.SetOwnNick("zed", &out);
  EXPECT_EQ(Told(out), "clash:zed ");
}

TEST_F(PresenceTest, OwnHeartbeatIsDueEveryIntervalOnceStarted) {
  EXPECT_FALSE(p_.HeartbeatDue(1000000));
  EXPECT_EQ(p_.NextWake(), UINT64_MAX);
  p_.Started(500);
  EXPECT_FALSE(p_.HeartbeatDue(500 + kBeat - 1));
  EXPECT_TRUE(p_.HeartbeatDue(500 + kBeat));
  EXPECT_EQ(p_.NextWake(), 500 + kBeat);
  p_.HeartbeatSent(40000);
  EXPECT_FALSE(p_.HeartbeatDue(40000 + kBeat - 1));
  EXPECT_TRUE(p_.HeartbeatDue(40000 + kBeat));
}

TEST_F(PresenceTest, TheRosterIsBounded) {
  for (uint64_t i = 0; i < Presence::kMaxNodes + 50; ++i)
    Hear(From(100 + i, "n" + std::to_string(i), PresenceKind::kAlive), i);
  EXPECT_EQ(p_.size(), Presence::kMaxNodes);
  // The ones heard from longest ago went.
  std::vector<WhoRow> who = p_.Who(1000000);
  for (const WhoRow& r : who) EXPECT_TRUE(r.self || r.node_id >= 150) << r.nick;
}

}  // namespace
}  // namespace floodchat
