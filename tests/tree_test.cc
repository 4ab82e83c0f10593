// The broadcast tree through a fake of the connections and a hand-held
// clock: which links get messages whole and which get announcements, when
// it prunes and grafts, what it answers from its store, and the frames'
// codec.
#include "broadcast/tree.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "broadcast/id_map.h"
#include "fake_links.h"
#include "wire/summary.h"

namespace floodchat {
namespace {

using floodchat_test::FakeLinks;
using floodchat_test::FrameOf;
using floodchat_test::IdOf;
using floodchat_test::MessageFrame;

std::string Bytes(const Buffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

class TreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.CaptureInto(&said_);
    FloodConfig c;
    c.node_id = 0xabc;
    c.counter_start = 100;
    c.seen = 256;
    c.hop_limit = 8;
    c.store_bytes = 1 << 20;
    ASSERT_TRUE(tree_.Init(c, TreeConfig()));
  }

  // Peers up, each said it runs the tree.
  void Up(std::initializer_list<PeerId> peers, uint64_t now = 0) {
    for (PeerId p : peers) {
      tree_.OnPeerUp(p, now);
      Control(p, kTypeTree);
    }
    links_.sent.clear();
  }
  void Control(PeerId from, uint8_t type, uint64_t now = 0) {
    Buffer b;
    AppendEmpty(type, &b);
    std::string f = Bytes(b);
    const char* why = nullptr;
    ASSERT_TRUE(tree_.OnTreeFrame(from, FrameOf(f), now, &why)) << why;
  }
  // `from` prunes this node for `origin`'s messages.
  void Prune(PeerId from, uint64_t origin, uint64_t now = 0) {
    Buffer b;
    AppendPrune(origin, &b);
    std::string f = Bytes(b);
    const char* why = nullptr;
    ASSERT_TRUE(tree_.OnPrune(from, FrameOf(f), now, &why)) << why;
  }
  // The origins named by the prune frames sent to `peer`.
  std::vector<uint64_t> PrunesTo(PeerId peer) {
    std::vector<uint64_t> out;
    for (const std::string& f : links_.SentTo(peer, kTypePrune)) {
      uint64_t origin = 0;
      const char* why = nullptr;
      EXPECT_TRUE(ParsePrune(FrameOf(f), &origin, &why)) << why;
      out.push_back(origin);
    }
    return out;
  }
  void Offer(PeerId from, std::string frame, uint64_t now, Via via = Via::kPush) {
    Frame f = FrameOf(frame);
    Message m;
    const char* why = nullptr;
    ASSERT_TRUE(ParseMessage(f, &m, &why)) << why;
    tree_.OnMessage(from, m, reinterpret_cast<uint8_t*>(&frame[0]), frame.size(), now, via);
  }
  void Ihave(PeerId from, const MessageId& id, uint8_t hops, uint64_t now) {
    uint8_t entry[kIhaveEntryBytes];
    PutIhaveEntry(id, hops, entry);
    Buffer b;
    AppendIhave(entry, 1, &b);
    std::string f = Bytes(b);
    const char* why = nullptr;
    ASSERT_TRUE(tree_.OnIhave(from, FrameOf(f), now, &why)) << why;
  }
  void Graft(PeerId from, const MessageId& id, uint8_t flags, uint64_t now) {
    Buffer b;
    AppendGraft(flags, id, &b);
    std::string f = Bytes(b);
    const char* why = nullptr;
    ASSERT_TRUE(tree_.OnGraft(from, FrameOf(f), now, &why)) << why;
  }
  // Runs the timers from `from` to `to` a millisecond at a time.
  void RunTo(uint64_t from, uint64_t to) {
    for (uint64_t t = from; t <= to; ++t)
      if (tree_.NextWake() <= t) tree_.Tick(t);
  }
  // The IDs of the graft frames sent to `peer`, and their flags.
  std::vector<std::pair<MessageId, uint8_t>> GraftsTo(PeerId peer) {
    std::vector<std::pair<MessageId, uint8_t>> out;
    for (const std::string& f : links_.SentTo(peer, kTypeGraft)) {
      uint8_t flags = 0;
      MessageId id;
      const char* why = nullptr;
      EXPECT_TRUE(ParseGraft(FrameOf(f), &flags, &id, &why)) << why;
      out.emplace_back(id, flags);
    }
    return out;
  }
  std::vector<IhaveEntry> IhavesTo(PeerId peer) {
    std::vector<IhaveEntry> out;
    for (const std::string& f : links_.SentTo(peer, kTypeIhave)) {
      Frame fr = FrameOf(f);
      size_t n = 0;
      const char* why = nullptr;
      EXPECT_TRUE(ParseIhave(fr, &n, &why)) << why;
      for (size_t i = 0; i < n; ++i) out.push_back(IhaveAt(fr, i));
    }
    return out;
  }

  FakeLinks links_;
  std::vector<std::string> said_;
  Log log_{2};
  Tree tree_{&links_, &links_, &log_};
};

TEST_F(TreeTest, EveryLinkStartsEagerAndEachNewLinkIsToldTheNodeRunsTheTree) {
  tree_.OnPeerUp(1, 0);
  tree_.OnPeerUp(2, 0);
  EXPECT_EQ(links_.SentTo(1, kTypeTree).size(), 1u);
  EXPECT_EQ(links_.SentTo(2, kTypeTree).size(), 1u);
  EXPECT_STREQ(tree_.LinkState(1), "flood");  // until it says it runs the tree
  Control(1, kTypeTree);
  EXPECT_STREQ(tree_.LinkState(1), "eager");
  EXPECT_EQ(tree_.LinkState(3), nullptr);
  links_.sent.clear();
  tree_.Originate("me", "hi", 5);
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
  EXPECT_EQ(tree_.counters().payload_sends, 2u);
}

TEST_F(TreeTest, ACopyOverAnEagerLinkPrunesItAndThenItGetsAnnouncementsBatched) {
  Up({1, 2, 3});
  Offer(1, MessageFrame(7, 1, "x", "one"), 10);
  ASSERT_EQ(links_.delivered.size(), 1u);
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
  EXPECT_EQ(links_.SentTo(3, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(1, kTypeMessage).empty());  // not back where it came from
  links_.sent.clear();
  Offer(2, MessageFrame(7, 1, "x", "one", 2), 20);  // the copy
  EXPECT_EQ(PrunesTo(2), std::vector<uint64_t>{7});  // for that origin
  EXPECT_STREQ(tree_.LinkState(2), "lazy");
  EXPECT_EQ(tree_.tree_counters().prunes, 1u);
  EXPECT_EQ(links_.delivered.size(), 1u);
  // A copy pushed over the now lazy link: 2 has not heard yet, and is told
  // again; the link stays lazy and nothing is delivered.
  Offer(2, MessageFrame(7, 1, "x", "one", 2), 21);
  EXPECT_EQ(PrunesTo(2), (std::vector<uint64_t>{7, 7}));
  EXPECT_STREQ(tree_.LinkState(2), "lazy");
  EXPECT_EQ(links_.delivered.size(), 1u);
  // More copies of a burst within 50 ms: not said again; after, once more.
  Offer(2, MessageFrame(7, 1, "x", "one", 2), 60);
  EXPECT_EQ(PrunesTo(2).size(), 2u);
  Offer(2, MessageFrame(7, 1, "x", "one", 2), 71);
  EXPECT_EQ(PrunesTo(2).size(), 3u);
  links_.sent.clear();
  // The next messages, once the tree formed (Held): whole to 3, announced
  // to 2, in one frame at the end of the window.
  Offer(1, MessageFrame(7, 2, "x", "two"), 200);
  Offer(1, MessageFrame(7, 3, "x", "three"), 205);
  EXPECT_EQ(links_.SentTo(3, kTypeMessage).size(), 2u);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
  EXPECT_TRUE(links_.SentTo(2, kTypeIhave).empty());
  EXPECT_EQ(tree_.NextWake(), 210u);
  RunTo(200, 210);
  ASSERT_EQ(links_.SentTo(2, kTypeIhave).size(), 1u);
  std::vector<IhaveEntry> e = IhavesTo(2);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].id, IdOf(7, 2));
  EXPECT_EQ(e[0].hops, 2);  // as it would arrive
  EXPECT_EQ(e[1].id, IdOf(7, 3));
  EXPECT_EQ(links_.SentTo(2, kTypeIhave)[0].size(), kFrameHeaderBytes + 2 * kIhaveEntryBytes);
  EXPECT_EQ(tree_.tree_counters().ihave_frames, 1u);
  EXPECT_EQ(tree_.tree_counters().ihave_ids, 2u);
  EXPECT_EQ(tree_.eager_count(), 2u);
  EXPECT_EQ(tree_.lazy_count(), 1u);
}

// Each origin has a tree of its own: a link pruned for one origin's
// messages still carries another's whole, and a graft for one origin's
// message makes the link eager for that origin alone.
TEST_F(TreeTest, EachOriginHasItsOwnTree) {
  Up({1, 2, 3});
  Offer(1, MessageFrame(7, 1, "x", "seven"), 10);  // origin 7 by 1
  Offer(2, MessageFrame(8, 1, "y", "eight"), 11);  // origin 8 by 2
  links_.sent.clear();
  Offer(2, MessageFrame(7, 1, "x", "seven", 2), 20);  // 2 is not needed for 7
  EXPECT_EQ(PrunesTo(2), std::vector<uint64_t>{7});
  Offer(1, MessageFrame(8, 1, "y", "eight", 2), 21);  // 1 is not needed for 8
  EXPECT_EQ(PrunesTo(1), std::vector<uint64_t>{8});
  links_.sent.clear();
  // 7's next message, once the trees formed (Held): whole to 3, announced
  // to 2; 8's: whole to 3, announced to 1. (Each also comes from the link
  // that is eager for it.)
  Offer(1, MessageFrame(7, 2, "x", "seven again"), 150);
  Offer(2, MessageFrame(8, 2, "y", "eight again"), 151);
  EXPECT_EQ(links_.SentTo(3, kTypeMessage).size(), 2u);
  EXPECT_TRUE(links_.SentTo(1, kTypeMessage).empty());
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
  RunTo(150, 170);
  ASSERT_EQ(IhavesTo(2).size(), 1u);
  EXPECT_EQ(IhavesTo(2)[0].id, IdOf(7, 2));
  ASSERT_EQ(IhavesTo(1).size(), 1u);
  EXPECT_EQ(IhavesTo(1)[0].id, IdOf(8, 2));
  // Origin 10, new here, by 3: its tree starts as a copy of 7's (the oldest:
  // see the next test), lazy for 2. A graft by 2 for a message of 7 makes 2
  // eager for 7, not for 10.
  Offer(3, MessageFrame(10, 1, "z", "ten"), 200);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
  Graft(2, IdOf(7, 2), kGraftNoFetch, 300);
  links_.sent.clear();
  Offer(3, MessageFrame(7, 3, "x", "seven, third"), 310);
  Offer(3, MessageFrame(10, 2, "z", "ten again"), 311);
  ASSERT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
  Message m;
  const char* why = nullptr;
  std::string sent = links_.SentTo(2, kTypeMessage)[0];  // m's text points into it
  ASSERT_TRUE(ParseMessage(FrameOf(sent), &m, &why));
  EXPECT_EQ(m.text, "seven, third");
}

// A new origin's tree starts as a copy of another origin's tree, one heard
// from in the last kModelIdleMs (the oldest, while none is kModelAgeMs
// old): every node starts it from the same tree, one that spans the
// network, rather than from each link's last state, which many origins'
// changes leave a patchwork of.
TEST_F(TreeTest, ANewOriginsTreeStartsFromAnActiveTreeNotTheLastStates) {
  Up({1, 2, 3});
  tree_.Originate("me", "mine first", 5);   // this node's own tree is older, but not a model
  Offer(1, MessageFrame(7, 1, "x", "seven"), 10);  // 7's tree: made first here
  Offer(2, MessageFrame(7, 1, "x", "seven", 2), 20);  // 7: 1 and 3 eager, 2 lazy
  Offer(2, MessageFrame(8, 1, "y", "eight"), 30);  // 8's tree, from 7's
  Offer(1, MessageFrame(8, 1, "y", "eight", 2), 40);  // 8: 1 lazy too
  Prune(3, 8, 45);                                     // and 3: 8's is all lazy
  // The links' last states are lazy, all three.
  EXPECT_STREQ(tree_.LinkState(1), "lazy");
  EXPECT_STREQ(tree_.LinkState(2), "lazy");
  EXPECT_STREQ(tree_.LinkState(3), "lazy");
  links_.sent.clear();
  Offer(3, MessageFrame(10, 1, "z", "ten"), 50);  // new here: from 7's tree
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
  RunTo(50, 70);
  ASSERT_EQ(IhavesTo(2).size(), 1u);
  EXPECT_EQ(IhavesTo(2)[0].id, IdOf(10, 1));
  // 7 falls silent; 8 is heard from again. Past the idle time 7's tree is
  // no model: origin 11 starts from 8's, lazy everywhere.
  Offer(3, MessageFrame(8, 2, "y", "eight again"), 100000);
  links_.sent.clear();
  uint64_t t11 = 20 + Tree::kModelIdleMs + 1;  // 7 last heard from at 20
  Offer(3, MessageFrame(11, 1, "w", "eleven"), t11);
  EXPECT_TRUE(links_.SentTo(1, kTypeMessage).empty());
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
  // With 8 and 11 silent as long too, origin 12 starts from the last states.
  uint64_t later = t11 + Tree::kModelIdleMs + 1;
  Prune(2, 99, later - 1);  // a made-up origin: the last state alone
  Graft(1, IdOf(98, 1), kGraftNoFetch, later - 1);  // likewise
  links_.sent.clear();
  Offer(3, MessageFrame(12, 1, "v", "twelve"), later);
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
}

// Once trees have formed, the model is the lowest origin's, which every node
// of the network holds: the oldest tree differs from node to node.
TEST_F(TreeTest, AFormedTreeOfTheLowestOriginIsTheModelOverTheOldest) {
  Up({1, 2, 3});
  Offer(1, MessageFrame(20, 1, "x", "twenty"), 10);
  Offer(2, MessageFrame(20, 1, "x", "twenty", 2), 11);  // 20: 2 lazy
  Offer(1, MessageFrame(5, 1, "y", "five"), 12);         // 5: a copy of 20's
  Offer(3, MessageFrame(5, 1, "y", "five", 2), 13);      // and 3 lazy
  links_.sent.clear();
  Offer(1, MessageFrame(30, 1, "z", "thirty"), 100);  // neither formed: the oldest, 20's
  EXPECT_EQ(links_.SentTo(3, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
  links_.sent.clear();
  Offer(1, MessageFrame(31, 1, "w", "thirty-one"), 12 + Tree::kModelAgeMs);  // 5's
  EXPECT_TRUE(links_.SentTo(3, kTypeMessage).empty());
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
}

// A link that came up after the model origin's messages last crossed the
// links says nothing of that tree: a new tree takes the link's last state,
// which any origin's prunes keep.
TEST_F(TreeTest, ALinkTheModelHasNotCrossedTakesItsLastState) {
  Up({1, 2});
  Offer(1, MessageFrame(7, 1, "x", "seven"), 10);
  Offer(2, MessageFrame(7, 1, "x", "seven", 2), 11);  // 7: 2 lazy
  Up({3}, 20);                                       // eager in 7's tree, not crossed
  Prune(3, 8, 21);  // origin 8 is unknown here: the last state alone
  EXPECT_STREQ(tree_.LinkState(3), "lazy");
  Offer(1, MessageFrame(10, 1, "z", "ten"), 30);  // 10's tree: a copy of 7's
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
  EXPECT_TRUE(links_.SentTo(3, kTypeMessage).empty());
  RunTo(30, 50);
  EXPECT_EQ(IhavesTo(2).size(), 1u);
  EXPECT_EQ(IhavesTo(3).size(), 1u);
  // Once 7's next message has crossed 3 (whole: it is eager in 7's tree),
  // 7's state of 3 is the model's again.
  Offer(1, MessageFrame(7, 2, "x", "seven again"), 60);
  EXPECT_EQ(links_.SentTo(3, kTypeMessage).size(), 1u);
  links_.sent.clear();
  Offer(1, MessageFrame(11, 1, "w", "eleven"), 70);
  EXPECT_EQ(links_.SentTo(3, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
}

// Prunes for origins this node never heard from change only the shared
// state: they cannot push the real origins' trees out of the table.
TEST_F(TreeTest, PrunesForMadeUpOriginsLeaveTheRealTreesAlone) {
  Up({1, 2, 3});
  Offer(1, MessageFrame(7, 1, "x", "seven"), 10);  // 7's tree: 2 and 3 eager
  for (uint64_t k = 0; k < 3 * Tree::kMaxOrigins; ++k) Prune(3, 1000 + k, 20);
  EXPECT_STREQ(tree_.LinkState(3), "lazy");  // the shared state
  EXPECT_EQ(tree_.tree_counters().trees_evicted, 0u);
  links_.sent.clear();
  Offer(1, MessageFrame(7, 2, "x", "seven again"), 200);  // the tree formed (Held)
  EXPECT_EQ(links_.SentTo(3, kTypeMessage).size(), 1u);  // 7's own tree
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
}

// A copy that comes straight from its origin keeps that link: in a burst,
// a backed-up queue can make the long way round come first.
TEST_F(TreeTest, ACopyStraightFromItsOriginDoesNotPruneThatLink) {
  Up({1, 2});
  Offer(2, MessageFrame(7, 1, "x", "one", 3), 10);  // the long way first
  Offer(1, MessageFrame(7, 1, "x", "one", 1), 11);  // then 7 itself, over 1
  EXPECT_TRUE(links_.SentTo(1, kTypePrune).empty());
  EXPECT_STREQ(tree_.LinkState(1), "eager");
  Offer(2, MessageFrame(7, 2, "x", "two", 3), 20);
  Offer(1, MessageFrame(7, 2, "x", "two", 2), 21);  // a relayed copy does
  EXPECT_EQ(PrunesTo(1), std::vector<uint64_t>{7});
}

// This node's own messages start eager on every link, whatever other
// origins' prunes left as the shared state: in a burst, a neighbour whose
// link was pruned for someone else would otherwise take this node's messages
// by grafting them one by one.
TEST_F(TreeTest, OwnMessagesStartEagerOnALinkOtherOriginsPruned) {
  Up({1, 2});
  Offer(1, MessageFrame(7, 1, "x", "seven"), 10);
  Prune(2, 7, 20);
  EXPECT_STREQ(tree_.LinkState(2), "lazy");
  links_.sent.clear();
  tree_.Originate("me", "first", 30);
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
  // A prune for this node's own messages still counts.
  Prune(2, 0xabc, 40);
  links_.sent.clear();
  tree_.Originate("me", "second", 50);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
  RunTo(50, 70);
  EXPECT_EQ(IhavesTo(2).size(), 1u);
}

TEST_F(TreeTest, APeerThatDoesNotRunTheTreeIsNeverPrunedNorAnnouncedTo) {
  tree_.OnPeerUp(1, 0);  // a flood node: no tree frame
  Up({2});
  Offer(2, MessageFrame(7, 1, "x", "one"), 10);
  Offer(1, MessageFrame(7, 1, "x", "one", 2), 20);  // its copy
  EXPECT_TRUE(links_.SentTo(1, kTypePrune).empty());
  EXPECT_STREQ(tree_.LinkState(1), "flood");
  Prune(2, 0xabc);  // 2 prunes this node's own messages
  links_.sent.clear();
  tree_.Originate("me", "hi", 30);
  RunTo(30, 50);
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(1, kTypeIhave).empty());
  EXPECT_EQ(IhavesTo(2).size(), 1u);
  // Nor held back while a tree forms: it would never graft.
  links_.sent.clear();
  Offer(2, MessageFrame(7, 2, "x", "two"), 60);
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
}

TEST_F(TreeTest, AnAnnouncedMessageThatDoesNotComeIsGraftedAfterTheWait) {
  Up({1, 2});
  uint64_t wait = tree_.GraftWait(2);
  EXPECT_EQ(wait, 100u);  // nothing measured: the floor
  Ihave(2, IdOf(7, 1), 3, 1000);
  RunTo(1000, 1000 + wait - 1);
  EXPECT_TRUE(GraftsTo(2).empty());
  RunTo(1000 + wait, 1000 + wait);
  auto g = GraftsTo(2);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].first, IdOf(7, 1));
  EXPECT_EQ(g[0].second, 0);  // fetching
  EXPECT_STREQ(tree_.LinkState(2), "eager");
  // The answer comes: delivered once, not pruned, and sent on.
  std::string answer = MessageFrame(7, 1, "x", "late", 3);
  Offer(2, answer, 1000 + wait + 40, Via::kGraft);
  ASSERT_EQ(links_.delivered.size(), 1u);
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(2, kTypePrune).empty());
  // Its round trip now counts in that link's wait: max(2 x 40, 0) + 50.
  EXPECT_EQ(tree_.GraftWait(2), 130u);
  RunTo(1000 + wait + 40, 5000);
  EXPECT_EQ(GraftsTo(2).size(), 1u);  // nothing more asked
}

TEST_F(TreeTest, AMessagePushedSoonAfterItsAnnouncementIsNotGraftedAndSetsTheLag) {
  Up({1, 2});
  Ihave(2, IdOf(7, 1), 3, 1000);
  Offer(1, MessageFrame(7, 1, "x", "one"), 1080);
  RunTo(1000, 4000);
  EXPECT_TRUE(GraftsTo(2).empty());
  EXPECT_EQ(links_.delivered.size(), 1u);
  // The lag (80 ms) sets the wait: 1.25 x 80 + 50.
  EXPECT_EQ(tree_.GraftWait(2), 150u);
  // An announcement of what was had changes nothing.
  Ihave(2, IdOf(7, 1), 3, 4001);
  EXPECT_EQ(tree_.NextWake(), UINT64_MAX);
}

TEST_F(TreeTest, WhenTheFirstAnnouncerDoesNotAnswerTheSecondIsAskedSooner) {
  Up({1, 2, 3});
  Ihave(2, IdOf(7, 1), 3, 1000);
  Ihave(3, IdOf(7, 1), 3, 1020);
  Ihave(3, IdOf(7, 1), 3, 1021);  // announced twice: still one announcer
  RunTo(1000, 1100);
  ASSERT_EQ(GraftsTo(2).size(), 1u);
  EXPECT_TRUE(GraftsTo(3).empty());
  // The second is asked after half the wait, at the floor: 100 ms.
  RunTo(1101, 1199);
  EXPECT_TRUE(GraftsTo(3).empty());
  RunTo(1200, 1200);
  ASSERT_EQ(GraftsTo(3).size(), 1u);
  EXPECT_EQ(GraftsTo(3)[0].first, IdOf(7, 1));
  // Then nobody is left: the ID is given up (anti-entropy's to find).
  RunTo(1201, 3000);
  EXPECT_EQ(links_.Count(kTypeGraft), 2u);
  EXPECT_EQ(tree_.NextWake(), UINT64_MAX);
}

// Of the announcers, the one that had the message in the fewest hops is
// asked first: the graft makes its way part of the tree, and long grafted
// paths reach the hop limit.
TEST_F(TreeTest, TheAnnouncerWithTheFewestHopsIsAskedFirst) {
  Up({1, 2, 3});
  Ihave(2, IdOf(7, 1), 9, 1000);
  Ihave(3, IdOf(7, 1), 4, 1010);
  Ihave(1, IdOf(7, 1), 6, 1020);
  RunTo(1000, 1100);
  EXPECT_TRUE(GraftsTo(2).empty());
  EXPECT_TRUE(GraftsTo(1).empty());
  ASSERT_EQ(GraftsTo(3).size(), 1u);
  RunTo(1101, 1200);
  ASSERT_EQ(GraftsTo(1).size(), 1u);  // then the next fewest
  EXPECT_TRUE(GraftsTo(2).empty());
  RunTo(1201, 1300);
  ASSERT_EQ(GraftsTo(2).size(), 1u);
  // The first announcer's share is given back when it is given up.
  RunTo(1301, 3000);
  EXPECT_EQ(links_.Count(kTypeGraft), 3u);
  EXPECT_EQ(tree_.NextWake(), UINT64_MAX);
}

TEST_F(TreeTest, AnAnnouncerThatIsGoneIsSkipped) {
  Up({1, 2, 3});
  Ihave(2, IdOf(7, 1), 3, 1000);
  Ihave(3, IdOf(7, 1), 3, 1010);
  tree_.OnPeerDown(2, 1050);
  RunTo(1000, 1100);
  EXPECT_TRUE(GraftsTo(2).empty());
  EXPECT_EQ(GraftsTo(3).size(), 1u);
}

// A tree made without a model (its origin is the first this node hears
// from) forms: each link gets the first message whole and holds back the
// next ones, until its peer grafts (this node is its way in that tree:
// what was held goes, whole and in order), prunes or sends a copy (it has
// them by another way: nothing goes), or the link's graft wait from the
// tree's first message is over (a prune would have come by then). So a
// burst does not cross every link whole while the prunes are on their
// way. A node tells the link an origin's first message came by with a
// graft.
std::vector<std::string> TextsOf(const std::vector<std::string>& frames) {
  std::vector<std::string> out;
  for (const std::string& f : frames) {
    Message m;
    const char* why = nullptr;
    EXPECT_TRUE(ParseMessage(FrameOf(f), &m, &why)) << why;
    out.emplace_back(m.text);
  }
  return out;
}

TEST_F(TreeTest, AFormingTreeHoldsAllButTheFirstMessageUntilThePeerSaysWhatItIs) {
  Up({1, 2, 3, 4, 5});
  Offer(1, MessageFrame(7, 1, "x", "one"), 10);
  for (PeerId p : {2, 3, 4, 5}) EXPECT_EQ(links_.SentTo(p, kTypeMessage).size(), 1u) << p;
  auto ack = GraftsTo(1);
  ASSERT_EQ(ack.size(), 1u);
  EXPECT_EQ(ack[0].first, IdOf(7, 1));
  EXPECT_EQ(ack[0].second, kGraftNoFetch);
  links_.sent.clear();
  Offer(1, MessageFrame(7, 2, "x", "two"), 20);
  Offer(1, MessageFrame(7, 3, "x", "three"), 21);
  RunTo(20, 44);
  EXPECT_TRUE(GraftsTo(1).empty());  // only an origin's first is told
  for (PeerId p : {2, 3, 4, 5}) {
    EXPECT_TRUE(links_.SentTo(p, kTypeMessage).empty()) << p;
    EXPECT_TRUE(IhavesTo(p).empty()) << p;
  }
  EXPECT_STREQ(tree_.LinkState(2), "eager");  // held, not lazy
  // 3 grafts: what was held goes, in order; 2 prunes, 4 sends a copy:
  // nothing goes to them.
  Graft(3, IdOf(7, 1), kGraftNoFetch, 45);
  EXPECT_EQ(TextsOf(links_.SentTo(3, kTypeMessage)), (std::vector<std::string>{"two", "three"}));
  Prune(2, 7, 46);
  Offer(4, MessageFrame(7, 1, "x", "one", 2), 47);
  // 5 says nothing: its hold ends at the wait (100 ms, nothing measured)
  // from the first message.
  RunTo(47, 109);
  EXPECT_TRUE(links_.SentTo(5, kTypeMessage).empty());
  RunTo(110, 110);
  EXPECT_EQ(TextsOf(links_.SentTo(5, kTypeMessage)), (std::vector<std::string>{"two", "three"}));
  links_.sent.clear();
  RunTo(111, 200);
  Offer(1, MessageFrame(7, 4, "x", "four"), 201);
  for (PeerId p : {2, 4}) EXPECT_TRUE(links_.SentTo(p, kTypeMessage).empty()) << p;
  for (PeerId p : {3, 5}) EXPECT_EQ(links_.SentTo(p, kTypeMessage).size(), 1u) << p;
  // This node's own messages are never held; nor is a tree copied from a
  // model (origin 8's, copied from 7's).
  links_.sent.clear();
  tree_.Originate("me", "mine", 300);
  tree_.Originate("me", "mine again", 301);
  for (PeerId p : {1, 2, 3, 4, 5}) EXPECT_EQ(links_.SentTo(p, kTypeMessage).size(), 2u) << p;
  links_.sent.clear();
  Offer(1, MessageFrame(8, 1, "y", "eight"), 400);
  Offer(1, MessageFrame(8, 2, "y", "eight again"), 401);
  for (PeerId p : {3, 5}) EXPECT_EQ(links_.SentTo(p, kTypeMessage).size(), 2u) << p;
  for (PeerId p : {2, 4}) EXPECT_TRUE(links_.SentTo(p, kTypeMessage).empty()) << p;
}

// A graft for a held message releases the hold: the message goes once, in
// its place, not again as the graft's answer.
TEST_F(TreeTest, AGraftForAHeldMessageIsAnsweredByTheReleaseAlone) {
  Up({1, 2});
  Offer(1, MessageFrame(7, 1, "x", "one"), 10);
  Offer(1, MessageFrame(7, 2, "x", "two"), 20);
  Offer(1, MessageFrame(7, 3, "x", "three"), 21);
  links_.sent.clear();
  Graft(2, IdOf(7, 3), 0, 30);
  EXPECT_EQ(TextsOf(links_.SentTo(2, kTypeMessage)), (std::vector<std::string>{"two", "three"}));
  EXPECT_TRUE(links_.SentTo(2, kTypeGrafted).empty());
  // Not held again: the next goes whole at once, and the hold's end sends
  // nothing more.
  Offer(1, MessageFrame(7, 4, "x", "four"), 40);
  RunTo(40, 300);
  EXPECT_EQ(TextsOf(links_.SentTo(2, kTypeMessage)),
            (std::vector<std::string>{"two", "three", "four"}));
}

// A held span is bounded: the message past it sends what was held, in
// order, and goes after it; nothing is lost, nothing held again.
TEST_F(TreeTest, AHeldSpanPastItsBoundGoesAtOnceInOrder) {
  Up({1, 2});
  Offer(1, MessageFrame(7, 1, "x", "1"), 10);
  const uint64_t last = Tree::kMaxHeld + 3;
  for (uint64_t c = 2; c <= last; ++c) {
    Offer(1, MessageFrame(7, c, "x", std::to_string(c)), 20);
    if (c == Tree::kMaxHeld + 1) {
      EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
    }
  }
  std::vector<std::string> texts = TextsOf(links_.SentTo(2, kTypeMessage));
  ASSERT_EQ(texts.size(), last);
  for (uint64_t c = 1; c <= last; ++c) {
    ASSERT_EQ(texts[c - 1], std::to_string(c));
  }
}

TEST_F(TreeTest, AGraftIsAnsweredFromTheStoreAndMakesTheLinkEager) {
  Up({1, 2});
  Offer(1, MessageFrame(7, 1, "x", "one"), 10);
  Offer(2, MessageFrame(7, 1, "x", "one", 2), 11);  // prunes 2
  ASSERT_STREQ(tree_.LinkState(2), "lazy");
  links_.sent.clear();
  Graft(2, IdOf(7, 1), 0, 50);
  EXPECT_STREQ(tree_.LinkState(2), "eager");
  std::vector<std::string> answers = links_.SentTo(2, kTypeGrafted);
  ASSERT_EQ(answers.size(), 1u);
  Frame inner;
  const char* why = nullptr;
  ASSERT_TRUE(ParseEnvelope(FrameOf(answers[0]), &inner, &why)) << why;
  Message m;
  ASSERT_TRUE(ParseMessage(inner, &m, &why)) << why;
  EXPECT_EQ(m.text, "one");
  EXPECT_EQ(m.hops, 2);  // as this node sent it on
  EXPECT_EQ(tree_.tree_counters().graft_answers, 1u);
  // Unknown: no answer; no-fetch: none either; a full queue: none.
  Graft(2, IdOf(7, 99), 0, 60);
  Graft(2, IdOf(7, 1), kGraftNoFetch, 61);
  links_.queued = Tree::kAnswerQueueLimit;
  Graft(2, IdOf(7, 1), 0, 62);
  EXPECT_EQ(links_.SentTo(2, kTypeGrafted).size(), 1u);
}

// The same graft asked again and again pulls at most 4 MiB a second.
TEST_F(TreeTest, GraftAnswersToOnePeerAreBoundedInBytesASecond) {
  Up({1, 2});
  std::string big(60000, 'b');
  Offer(1, MessageFrame(7, 1, "x", big), 10);
  links_.sent.clear();
  for (int k = 0; k < 100; ++k) Graft(2, IdOf(7, 1), 0, 100);
  size_t frame = links_.SentTo(2, kTypeGrafted).at(0).size() - kFrameHeaderBytes;
  size_t within = Tree::kAnswerBytesPerSecond / frame;
  EXPECT_EQ(links_.SentTo(2, kTypeGrafted).size(), within);
  Graft(2, IdOf(7, 1), 0, 1099);
  EXPECT_EQ(links_.SentTo(2, kTypeGrafted).size(), within);
  Graft(2, IdOf(7, 1), 0, 1100);  // the next second
  EXPECT_EQ(links_.SentTo(2, kTypeGrafted).size(), within + 1);
}

// A push long after its announcement (a peer that announced what it
// guessed would come) moves the wait by at most the ceiling.
TEST_F(TreeTest, ALagSampleIsClampedToTheCeiling) {
  Up({1, 2});
  Ihave(2, IdOf(7, 1), 3, 1000);
  Offer(1, MessageFrame(7, 1, "x", "much later"), 1000 + 3600000, Via::kGraft);
  Ihave(2, IdOf(7, 2), 3, 4000000);
  Offer(1, MessageFrame(7, 2, "x", "an hour on"), 4000000 + 3600000);
  // 1.25 x 2000 + 50, at the ceiling: not an hour.
  EXPECT_EQ(tree_.GraftWait(1), 2000u);
}

TEST_F(TreeTest, AShorterLazyPathSwapsWithTheEagerOneAtMostOnceASecond) {
  Up({1, 2});
  Offer(1, MessageFrame(7, 1, "x", "one", 6), 10);  // eager 1: six hops
  Offer(2, MessageFrame(7, 1, "x", "one", 7), 11);  // prunes 2
  links_.sent.clear();
  Ihave(2, IdOf(7, 1), 3, 2000);  // 2 had it in 2 (arriving in 3): too few
  EXPECT_TRUE(GraftsTo(2).empty());
  Offer(1, MessageFrame(7, 2, "x", "two", 6), 2010);
  Ihave(2, IdOf(7, 2), 2, 2020);  // four hops shorter
  auto g = GraftsTo(2);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].second, kGraftNoFetch);
  EXPECT_STREQ(tree_.LinkState(2), "eager");
  EXPECT_STREQ(tree_.LinkState(1), "lazy");
  EXPECT_EQ(links_.SentTo(1, kTypePrune).size(), 1u);
  EXPECT_EQ(tree_.tree_counters().swaps, 1u);
  // Back the other way within the second: not yet.
  Offer(2, MessageFrame(7, 3, "x", "three", 6), 2100);
  Ihave(1, IdOf(7, 3), 2, 2110);
  EXPECT_STREQ(tree_.LinkState(1), "lazy");
}

TEST_F(TreeTest, LosingTheEagerLinkIsRepairedByTheNextAnnouncement) {
  Up({1, 2});
  Offer(1, MessageFrame(7, 1, "x", "one"), 10);
  Offer(2, MessageFrame(7, 1, "x", "one", 2), 11);  // 2 lazy
  tree_.OnPeerDown(1, 100);
  Ihave(2, IdOf(7, 2), 2, 200);
  RunTo(200, 300);
  ASSERT_EQ(GraftsTo(2).size(), 1u);
  Offer(2, MessageFrame(7, 2, "x", "two", 2), 320, Via::kGraft);
  EXPECT_EQ(links_.delivered.size(), 2u);
  // 2 is eager now: the next message from this node goes whole.
  links_.sent.clear();
  tree_.Originate("me", "hi", 400);
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
}

// A tree is directed: a peer that grafted an origin from this node takes
// its messages from here, and a copy it sends back (it had that one by
// another way, as in a repair) does not end that: it is pruned, so that it
// stops sending copies, but keeps getting the messages whole until it
// prunes this node itself. Otherwise each repaired link was cut by the
// next copy over it the other way, and the tree never healed: 30% of
// 10,000 simulated nodes killed, 914,150 grafts and RMR after the first 10
// 0.25, the next 5 s of messages each 1 s late; 74,403 and 0.03 since.
TEST_F(TreeTest, APeerThatGraftedFromThisNodeKeepsGettingMessagesAfterACopyFromIt) {
  Up({1, 2, 3});
  Offer(1, MessageFrame(7, 1, "x", "one"), 10);
  Graft(2, IdOf(7, 1), kGraftNoFetch, 20);  // 2's way in is this node
  Offer(1, MessageFrame(7, 2, "x", "two"), 200);
  Offer(2, MessageFrame(7, 2, "x", "two", 3), 210);  // a copy back from 2
  EXPECT_EQ(PrunesTo(2), std::vector<uint64_t>{7});
  EXPECT_STREQ(tree_.LinkState(2), "eager");
  Offer(3, MessageFrame(7, 2, "x", "two", 3), 211);  // 3 never grafted from here
  EXPECT_EQ(PrunesTo(3), std::vector<uint64_t>{7});
  EXPECT_STREQ(tree_.LinkState(3), "lazy");
  links_.sent.clear();
  Offer(1, MessageFrame(7, 3, "x", "three"), 300);
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(3, kTypeMessage).empty());
  // 2 prunes this node: then its messages go to 2 as announcements only.
  Prune(2, 7, 310);
  links_.sent.clear();
  Offer(1, MessageFrame(7, 4, "x", "four"), 400);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());
}

// The other end of it: a peer this node grafted from still sends it the
// messages whole after it prunes this node (on a copy from here), so it
// still counts as a way in, and a copy over a third link is pruned.
TEST_F(TreeTest, APeerThisNodeGraftedFromStillCountsAsAWayInAfterItPrunes) {
  Up({1, 2, 3});
  Offer(1, MessageFrame(7, 1, "x", "one"), 10);
  Offer(2, MessageFrame(7, 1, "x", "one", 2), 11);  // 2 pruned
  tree_.OnPeerDown(1, 100);
  Ihave(2, IdOf(7, 2), 2, 200);
  RunTo(200, 300);
  ASSERT_EQ(GraftsTo(2).size(), 1u);
  Offer(2, MessageFrame(7, 2, "x", "two", 2), 320, Via::kGraft);
  Offer(3, MessageFrame(7, 3, "x", "three", 4), 400);  // sent on to 2,
  Prune(2, 7, 420);                                     // which had it
  links_.sent.clear();
  Offer(2, MessageFrame(7, 4, "x", "four", 2), 500);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());  // 2 pruned this node
  EXPECT_EQ(links_.SentTo(3, kTypeMessage).size(), 1u);
  Offer(3, MessageFrame(7, 4, "x", "four", 5), 510);
  EXPECT_EQ(PrunesTo(3), std::vector<uint64_t>{7});
  EXPECT_EQ(links_.delivered.size(), 4u);
}

TEST_F(TreeTest, OwnMessagesGoWholeToEveryLinkWhenAsked) {
  FloodConfig c;
  c.node_id = 0xdef;
  c.seen = 64;
  c.store_bytes = 1 << 16;
  TreeConfig t;
  t.own_to_all = true;
  FakeLinks links;
  Tree tree(&links, &links, &log_);
  ASSERT_TRUE(tree.Init(c, t));
  tree.OnPeerUp(1, 0);
  tree.OnPeerUp(2, 0);
  Buffer b;
  AppendPrune(0xdef, &b);
  std::string f = Bytes(b);
  const char* why = nullptr;
  ASSERT_TRUE(tree.OnPrune(2, FrameOf(f), 0, &why));
  tree.Originate("me", "hi", 5);
  EXPECT_EQ(links.SentTo(2, kTypeMessage).size(), 1u);
  EXPECT_EQ(links.Count(kTypeIhave), 0u);
}

// The lowest counter among grafts (timers due together fire in any order).
uint64_t LowestCounter(const std::vector<std::pair<MessageId, uint8_t>>& grafts) {
  uint64_t low = UINT64_MAX;
  for (const auto& g : grafts) low = std::min(low, GetU64(g.first.bytes + 8));
  return low;
}

TEST_F(TreeTest, WhatIsAwaitedIsBoundedInAllAndPerPeer) {
  Up({1, 2, 3, 4, 5, 6});
  // One peer announcing what does not exist takes a quarter at most; the
  // others still get theirs awaited, up to the bound.
  for (uint64_t k = 0; k < Tree::kMaxMissing + 100; ++k) Ihave(2, IdOf(9, k), 2, 1000);
  for (PeerId p : {3, 4, 5, 6})
    for (uint64_t k = 0; k < Tree::kMaxMissingPerPeer; ++k) Ihave(p, IdOf(p, k), 2, 1000);
  RunTo(1000, 1100);
  EXPECT_EQ(GraftsTo(2).size(), Tree::kMaxMissingPerPeer);
  EXPECT_EQ(GraftsTo(3).size(), Tree::kMaxMissingPerPeer);
  EXPECT_EQ(links_.Count(kTypeGraft), Tree::kMaxMissing);  // 6 had no room
  // Given up once no announcer is left: room again, and what 6 announced
  // then, and 2 past its share, is awaited and grafted in its turn.
  links_.sent.clear();
  RunTo(1101, 1350);
  EXPECT_EQ(GraftsTo(6).size(), Tree::kMaxMissingPerPeer);
  EXPECT_EQ(GraftsTo(2).size(), Tree::kMaxMissingPerPeer);
  EXPECT_EQ(LowestCounter(GraftsTo(6)), 0u);
  EXPECT_EQ(LowestCounter(GraftsTo(2)), Tree::kMaxMissingPerPeer);
  EXPECT_TRUE(GraftsTo(3).empty());
  // Untracked IDs had meanwhile are skipped, and the span ends where the
  // announcements did.
  for (uint64_t k = 2 * Tree::kMaxMissingPerPeer; k < 2 * Tree::kMaxMissingPerPeer + 10; ++k)
    Offer(1, MessageFrame(9, k, "x", "had"), 1351);
  links_.sent.clear();
  RunTo(1351, 3000);
  std::vector<std::pair<MessageId, uint8_t>> g = GraftsTo(2);
  ASSERT_FALSE(g.empty());
  EXPECT_EQ(LowestCounter(g), 2 * Tree::kMaxMissingPerPeer + 10);
  uint64_t asked = 0;
  for (int round = 0; round < 10; ++round) {
    asked += GraftsTo(2).size();
    links_.sent.clear();
    RunTo(3001 + round * 1000, 4000 + round * 1000);
  }
  EXPECT_EQ(asked, Tree::kMaxMissing + 100 - 2 * Tree::kMaxMissingPerPeer - 10);
  EXPECT_TRUE(GraftsTo(2).empty());
}

// Announcements a link makes faster than this node can await them (a
// burst it is not pushed) are kept as a span of counters, awaited as room
// comes, and so grafted without anti-entropy; a span never grows past its
// bound, nor takes another origin's IDs.
TEST_F(TreeTest, AnnouncementsPastTheBoundAreAwaitedInTurnAsOneSpan) {
  Up({1, 2});
  Offer(1, MessageFrame(9, 0, "x", "zero"), 0);  // origin 9 known here
  const uint64_t n = Tree::kMaxMissingPerPeer + 500;
  for (uint64_t k = 1; k <= n; ++k) Ihave(2, IdOf(9, k), 2, 10);
  Ihave(2, IdOf(8, 1), 2, 10);                          // another origin: not kept
  Ihave(2, IdOf(9, n + Tree::kMaxUntracked + 5), 2, 10);  // too far: not kept
  // The first share is grafted after the wait; 2 answers each from its
  // store: the next ones are awaited as those come.
  std::set<uint64_t> got;
  for (uint64_t t = 11; t < 20000 && got.size() < n; ++t) {
    if (tree_.NextWake() <= t) tree_.Tick(t);
    for (const auto& gr : GraftsTo(2)) {
      uint64_t c = GetU64(gr.first.bytes + 8);
      ASSERT_EQ(GetU64(gr.first.bytes), 9u);
      ASSERT_TRUE(got.insert(c).second) << "grafted twice: " << c;
      Offer(2, MessageFrame(9, c, "x", "answer"), t, Via::kGraft);
    }
    links_.sent.clear();
  }
  EXPECT_EQ(got.size(), n);
  EXPECT_EQ(*got.begin(), 1u);
  EXPECT_EQ(*got.rbegin(), n);
  for (uint64_t t = 20000; t < 30000; t += 10)
    if (tree_.NextWake() <= t) tree_.Tick(t);
  EXPECT_TRUE(GraftsTo(2).empty());
  EXPECT_EQ(links_.delivered.size(), n + 1);
}

// A span of one origin's untracked IDs does not hold back another
// origin's announcements while there is room for them.
TEST_F(TreeTest, AnotherOriginsAnnouncementIsAwaitedBesideASpan) {
  Up({1, 2});
  Offer(1, MessageFrame(9, 0, "x", "zero"), 0);
  Offer(1, MessageFrame(8, 0, "y", "zero"), 0);
  for (uint64_t k = 1; k <= Tree::kMaxMissingPerPeer + 5; ++k) Ihave(2, IdOf(9, k), 2, 10);
  for (uint64_t k = 1; k <= 10; ++k) Offer(1, MessageFrame(9, k, "x", "pushed"), 20);
  Ihave(2, IdOf(8, 1), 2, 20);
  RunTo(20, 200);
  bool asked = false;
  for (const auto& g : GraftsTo(2)) asked = asked || g.first == IdOf(8, 1);
  EXPECT_TRUE(asked);
}

TEST_F(TreeTest, AloneTheOwnMessagesWaitForTheFirstPeer) {
  tree_.Originate("me", "one", 1);
  tree_.Originate("me", "two", 2);
  EXPECT_EQ(tree_.PendingMessages(), 2u);
  EXPECT_TRUE(links_.sent.empty());
  tree_.OnPeerUp(1, 3);
  EXPECT_EQ(links_.SentTo(1, kTypeMessage).size(), 2u);
  EXPECT_EQ(tree_.PendingMessages(), 0u);
  EXPECT_EQ(tree_.PendingBytes(), 0u);
}

// Against a plain std::map: inserts, finds and erases in a random order,
// through growth and shrinking, with every run of probes shifted back.
// A span of counters widens above and below up to its bound, modulo 2^64.
TEST(CounterSpanTest, TakesCountersAboveAndBelowUpToItsBoundAcrossTheWrap) {
  CounterSpan s = CounterSpan::Of(UINT64_MAX - 1);
  EXPECT_TRUE(s.Contains(UINT64_MAX - 1));
  EXPECT_FALSE(s.Contains(UINT64_MAX));
  EXPECT_TRUE(s.Take(1, 8));  // above, across the wrap: [2^64 - 2, 2)
  EXPECT_TRUE(s.Contains(UINT64_MAX));
  EXPECT_TRUE(s.Contains(0));
  EXPECT_FALSE(s.Contains(2));
  EXPECT_TRUE(s.Take(UINT64_MAX - 5, 8));  // below: 8 long now
  EXPECT_EQ(s.hi - s.lo, 8u);
  CounterSpan before = s;
  EXPECT_FALSE(s.Take(2, 8));              // one past the bound above
  EXPECT_FALSE(s.Take(UINT64_MAX - 6, 8));  // and below
  EXPECT_FALSE(s.Take(1000, 8));
  EXPECT_EQ(s.lo, before.lo);
  EXPECT_EQ(s.hi, before.hi);
  EXPECT_TRUE(s.Take(0, 8));  // inside
}

TEST(IdMapTest, AgreesWithAMapAndStaysWithinItsBound) {
  IdMap<uint64_t> m(12345, 5000);
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> want;
  uint64_t state = 1;
  auto next = [&state]() { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (int step = 0; step < 200000; ++step) {
    uint64_t a = next() >> 60, b = next() >> 52;  // few origins, small counters: many collisions
    MessageId id = IdOf(a, b);
    auto key = std::make_pair(a, b);
    uint64_t op = next() >> 62;
    if (op == 0) {
      m.Erase(id);
      want.erase(key);
    } else if (m.Find(id) == nullptr) {
      uint64_t* v = m.Insert(id, step);
      if (want.size() >= 5000) {
        EXPECT_EQ(v, nullptr);
      } else {
        ASSERT_NE(v, nullptr);
        want[key] = static_cast<uint64_t>(step);
      }
    }
    ASSERT_EQ(m.size(), want.size());
    ASSERT_LE(m.slots(), 2 * 8192u);
  }
  for (const auto& kv : want) {
    uint64_t* v = m.Find(IdOf(kv.first.first, kv.first.second));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, kv.second);
  }
  size_t seen = 0;
  m.ForEach([&seen](const MessageId&, const uint64_t&) { ++seen; });
  EXPECT_EQ(seen, want.size());
  for (const auto& kv : want) m.Erase(IdOf(kv.first.first, kv.first.second));
  EXPECT_EQ(m.size(), 0u);
  EXPECT_LE(m.slots(), 64u);  // the memory given back
}

TEST(TreeWireTest, FramesRoundTripAndBadLengthsAreRefused) {
  uint8_t entries[2 * kIhaveEntryBytes];
  PutIhaveEntry(IdOf(1, 2), 5, entries);
  PutIhaveEntry(IdOf(3, 4), 6, entries + kIhaveEntryBytes);
  Buffer b;
  AppendIhave(entries, 2, &b);
  std::string f = Bytes(b);
  size_t n = 0;
  const char* why = nullptr;
  ASSERT_TRUE(ParseIhave(FrameOf(f), &n, &why));
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(IhaveAt(FrameOf(f), 1).id, IdOf(3, 4));
  EXPECT_EQ(IhaveAt(FrameOf(f), 1).hops, 6);
  // Every truncation of the payload but the one whole entry is refused.
  for (size_t cut = 0; cut < 2 * kIhaveEntryBytes; ++cut) {
    Buffer t;
    uint8_t* p = t.Reserve(kFrameHeaderBytes + cut);
    PutU32(p, static_cast<uint32_t>(kTypeBytes + cut));
    p[kLengthBytes] = kTypeIhave;
    memcpy(p + kFrameHeaderBytes, entries, cut);
    t.Commit(kFrameHeaderBytes + cut);
    std::string tf = Bytes(t);
    why = nullptr;
    EXPECT_EQ(ParseIhave(FrameOf(tf), &n, &why), cut == kIhaveEntryBytes) << cut;
    if (cut != kIhaveEntryBytes) {
      EXPECT_STREQ(why, "ihave frame of the wrong length");
    }
  }
  std::vector<uint8_t> many((kMaxIhaveEntries + 1) * kIhaveEntryBytes, 0);
  Buffer big;
  AppendIhave(many.data(), kMaxIhaveEntries + 1, &big);
  std::string bf = Bytes(big);
  EXPECT_FALSE(ParseIhave(FrameOf(bf), &n, &why));

  Buffer g;
  AppendGraft(kGraftNoFetch, IdOf(5, 6), &g);
  std::string gf = Bytes(g);
  uint8_t flags = 0;
  MessageId id;
  ASSERT_TRUE(ParseGraft(FrameOf(gf), &flags, &id, &why));
  EXPECT_EQ(flags, kGraftNoFetch);
  EXPECT_EQ(id, IdOf(5, 6));
  std::string short_graft = gf.substr(0, gf.size() - 1);
  PutU32(reinterpret_cast<uint8_t*>(&short_graft[0]), kTypeBytes + kGraftBytes - 1);
  EXPECT_FALSE(ParseGraft(FrameOf(short_graft), &flags, &id, &why));
  EXPECT_STREQ(why, "graft frame of the wrong length");

  Buffer e;
  AppendEmpty(kTypeTree, &e);
  std::string ef = Bytes(e);
  EXPECT_EQ(ef.size(), kFrameHeaderBytes);
  EXPECT_TRUE(ParseEmpty(FrameOf(ef), &why));
  std::string with = ef + "x";
  PutU32(reinterpret_cast<uint8_t*>(&with[0]), kTypeBytes + 1);
  EXPECT_FALSE(ParseEmpty(FrameOf(with), &why));
  EXPECT_STREQ(why, "tree frame with a payload");
  Buffer pr;
  AppendPrune(0x1122334455667788ULL, &pr);
  std::string pf = Bytes(pr);
  uint64_t origin = 0;
  ASSERT_TRUE(ParsePrune(FrameOf(pf), &origin, &why));
  EXPECT_EQ(origin, 0x1122334455667788ULL);
  EXPECT_FALSE(ParsePrune(FrameOf(ef), &origin, &why));
  EXPECT_STREQ(why, "prune frame of the wrong length");

  // A grafted frame holds exactly one message frame.
  std::string msg = MessageFrame(1, 2, "n", "t");
  Buffer env;
  AppendEnvelope(kTypeGrafted, reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), &env);
  std::string envf = Bytes(env);
  Frame inner;
  ASSERT_TRUE(ParseEnvelope(FrameOf(envf), &inner, &why));
  EXPECT_EQ(inner.type, kTypeMessage);
  Buffer env2;
  AppendEnvelope(kTypeGrafted, reinterpret_cast<const uint8_t*>(msg.data()), msg.size() - 1,
                 &env2);
  std::string env2f = Bytes(env2);
  EXPECT_FALSE(ParseEnvelope(FrameOf(env2f), &inner, &why));
  EXPECT_STREQ(why, "grafted frame that does not hold exactly one frame");
}

}  // namespace
}  // namespace floodchat
