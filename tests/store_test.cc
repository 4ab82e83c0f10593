// The message store (broadcast/store.h): bounds, eviction order, lookup.
#include "broadcast/store.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <string>
#include <utility>

#include "base/buffer.h"
#include "base/rng.h"

namespace floodchat {
namespace {

struct Made {
  Message m;
  std::string frame;
};

Made Make(uint64_t origin, uint64_t counter, size_t text_bytes, uint64_t sent_ms = 5) {
  static std::string text;
  text.assign(text_bytes, 't');
  Made out;
  PutU64(out.m.id.bytes, origin);
  PutU64(out.m.id.bytes + 8, counter);
  out.m.hops = 1;
  out.m.hop_limit = 64;
  out.m.sent_ms = sent_ms;
  out.m.nick = "n";
  out.m.text = text;
  Buffer b;
  AppendMessage(out.m, &b);
  out.frame.assign(reinterpret_cast<const char*>(b.data()), b.size());
  return out;
}

bool Put(MessageStore* s, const Made& x) {
  return s->Put(x.m, reinterpret_cast<const uint8_t*>(x.frame.data()), x.frame.size());
}

std::string FrameOf(const MessageStore::Entry* e) {
  return e == nullptr ? "" : std::string(reinterpret_cast<const char*>(e->frame.get()), e->size);
}

TEST(StoreTest, KeepsFramesAndFindsThemByOriginAndCounter) {
  MessageStore s(1 << 20, 42);
  Made a = Make(1, 10, 5, 1000), b = Make(2, 10, 7, 2000);
  ASSERT_TRUE(Put(&s, a));
  ASSERT_TRUE(Put(&s, b));
  EXPECT_FALSE(Put(&s, a));  // kept once
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(FrameOf(s.Find(1, 10)), a.frame);
  EXPECT_EQ(FrameOf(s.Find(2, 10)), b.frame);
  EXPECT_EQ(s.Find(1, 11), nullptr);
  EXPECT_EQ(s.Find(3, 10), nullptr);
  EXPECT_EQ(s.Find(2, 10)->sent_ms, 2000u);
  EXPECT_EQ(s.Find(2, 10)->type, kTypeMessage);
  EXPECT_EQ(s.at(0).origin, 1u);  // oldest first
  EXPECT_EQ(s.at(1).origin, 2u);
  EXPECT_EQ(s.bytes(), a.frame.size() + b.frame.size() + 2 * MessageStore::kEntryBytes);
}

TEST(StoreTest, NothingIsKeptWithoutRoomAndTheBoundIsNeverPassed) {
  MessageStore none(0);
  EXPECT_FALSE(Put(&none, Make(1, 1, 10)));
  EXPECT_EQ(none.size(), 0u);
  Made one = Make(1, 1, 100);
  size_t cost = one.frame.size() + MessageStore::kEntryBytes;
  MessageStore s(3 * cost + cost / 2);
  for (uint64_t c = 1; c <= 10; ++c) {
    ASSERT_TRUE(Put(&s, Make(1, c, 100)));
    EXPECT_LE(s.bytes(), s.capacity());
  }
  // Room for three: the oldest went first.
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.evictions(), 7u);
  EXPECT_EQ(s.Find(1, 7), nullptr);
  for (uint64_t c = 8; c <= 10; ++c) EXPECT_NE(s.Find(1, c), nullptr) << c;
  // One larger than the whole store is not kept, and evicts nothing.
  EXPECT_FALSE(Put(&s, Make(2, 1, 4 * cost)));
  EXPECT_EQ(s.size(), 3u);
  // A larger one evicts as many as it needs.
  ASSERT_TRUE(Put(&s, Make(2, 2, 100 + cost)));
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.Find(1, 8), nullptr);
  EXPECT_EQ(s.Find(1, 9), nullptr);
  EXPECT_NE(s.Find(1, 10), nullptr);
}

// Against a plain model: random origins, counters and sizes, many times the
// store's room, so that the ring and the index grow and wrap and evict.
TEST(StoreTest, MatchesAModelThroughGrowthAndEviction) {
  Rng rng(7);
  MessageStore s(256 * 1024, 9);
  std::deque<std::pair<std::pair<uint64_t, uint64_t>, std::string>> model;
  size_t model_bytes = 0;
  std::map<std::pair<uint64_t, uint64_t>, bool> in_model;
  for (int i = 0; i < 20000; ++i) {
    uint64_t origin = rng.Next() % 50, counter = rng.Next() % 2000;
    Made x = Make(origin, counter, rng.Next() % 600);
    auto key = std::make_pair(origin, counter);
    bool kept = Put(&s, x);
    EXPECT_EQ(kept, !in_model[key]) << i;
    if (kept) {
      size_t cost = x.frame.size() + MessageStore::kEntryBytes;
      while (model_bytes + cost > s.capacity()) {
        model_bytes -= model.front().second.size() + MessageStore::kEntryBytes;
        in_model[model.front().first] = false;
        model.pop_front();
      }
      model.emplace_back(key, x.frame);
      model_bytes += cost;
      in_model[key] = true;
    }
    ASSERT_EQ(s.size(), model.size());
    ASSERT_EQ(s.bytes(), model_bytes);
    if (i % 1000 == 999) {
      for (size_t k = 0; k < model.size(); ++k) {
        ASSERT_EQ(s.at(k).origin, model[k].first.first);
        ASSERT_EQ(FrameOf(s.Find(model[k].first.first, model[k].first.second)), model[k].second);
      }
    }
  }
  for (const auto& kv : in_model)
    EXPECT_EQ(s.Find(kv.first.first, kv.first.second) != nullptr, kv.second);
}

}  // namespace
}  // namespace floodchat
