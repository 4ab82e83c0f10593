#include "membership/address_book.h"

namespace floodchat {

uint64_t BackoffMs(uint32_t failures, Rng* rng) {
  uint64_t wait = kBackoffMinMs;
  for (uint32_t i = 1; i < failures && wait < kBackoffMaxMs; ++i) wait *= 2;
  if (wait > kBackoffMaxMs) wait = kBackoffMaxMs;
  return wait - rng->Below(wait / 2 + 1);
}

Keep ChooseConnection(uint64_t self_id, uint64_t peer_id, bool existing_outbound,
                      bool new_outbound) {
  if (existing_outbound != new_outbound) {
    // One of them each way: keep the one the smaller ID dialled.
    bool keep_outbound = self_id < peer_id;
    return existing_outbound == keep_outbound ? Keep::kExisting : Keep::kNew;
  }
  return existing_outbound ? Keep::kExisting : Keep::kBoth;
}

AddressBook::AddressBook(size_t capacity) : capacity_(capacity) { entries_.reserve(capacity); }

BookEntry* AddressBook::Lookup(const PeerAddress& address) {
  for (BookEntry& e : entries_)
    if (e.address == address) return &e;
  return nullptr;
}

const BookEntry* AddressBook::Find(const PeerAddress& address) const {
  for (const BookEntry& e : entries_)
    if (e.address == address) return &e;
  return nullptr;
}

void AddressBook::Remove(BookEntry* entry) {
  *entry = entries_.back();
  entries_.pop_back();
}

// Adds an entry, forgetting the least useful one to make room if needed:
// never one in use, being dialled or marked self; among the rest, the most
// failures first, then never connected before connected once, then the
// longest unheard of.
BookEntry* AddressBook::Add(const PeerAddress& address, uint64_t now) {
  if (entries_.size() >= capacity_) {
    BookEntry* victim = nullptr;
    auto worse = [now](const BookEntry& a, const BookEntry& b) {
      if (a.failures != b.failures) return a.failures > b.failures;
      if ((a.last_success == 0) != (b.last_success == 0)) return a.last_success == 0;
      uint64_t ta = a.last_success > a.last_heard ? a.last_success : a.last_heard;
      uint64_t tb = b.last_success > b.last_heard ? b.last_success : b.last_heard;
      return now - ta > now - tb;
    };
    for (BookEntry& e : entries_) {
      if (e.connections > 0 || e.dialing || e.self) continue;
      if (victim == nullptr || worse(e, *victim)) victim = &e;
    }
    if (victim == nullptr) return nullptr;
    Remove(victim);
  }
  BookEntry e;
  e.address = address;
  e.last_heard = now;
  entries_.push_back(e);
  return &entries_.back();
}

bool AddressBook::Learn(const PeerAddress& address, uint64_t now) {
  if (!IsDialable(address)) return false;
  if (BookEntry* e = Lookup(address)) {
    e->last_heard = now;
    return false;
  }
  return Add(address, now) != nullptr;
}

void AddressBook::DialStarted(const PeerAddress& address, uint64_t now) {
  BookEntry* e = Lookup(address);
  if (e == nullptr) e = Add(address, now);
  if (e != nullptr) e->dialing = true;
}

void AddressBook::DialFailed(const PeerAddress& address, uint64_t now, Rng* rng) {
  BookEntry* e = Lookup(address);
  if (e == nullptr) return;
  e->dialing = false;
  e->last_failure = now;
  ++e->failures;
  if (e->failures >= kMaxFailures && e->connections == 0) {
    Remove(e);
    return;
  }
  e->retry_at = now + BackoffMs(e->failures, rng);
}

void AddressBook::DialRedundant(const PeerAddress& address, uint64_t node_id, bool self) {
  BookEntry* e = Lookup(address);
  if (e == nullptr) return;
  e->dialing = false;
  e->node_id = node_id;
  if (self) e->self = true;
}

bool AddressBook::Connected(const PeerAddress& address, uint64_t node_id, uint64_t now) {
  BookEntry* e = Lookup(address);
  if (e == nullptr) e = Add(address, now);
  if (e == nullptr) return false;  // the book is full of addresses in use
  bool again = e->lost;
  e->lost = false;
  e->dialing = false;
  e->node_id = node_id;
  e->last_success = now;
  e->failures = 0;
  ++e->connections;
  return again;
}

void AddressBook::Disconnected(const PeerAddress& address, uint64_t now, Rng* rng) {
  BookEntry* e = Lookup(address);
  if (e == nullptr) return;
  if (e->connections > 0) --e->connections;
  e->last_success = now;
  e->lost = true;
  e->retry_at = now + BackoffMs(1, rng);
}

void AddressBook::Released(const PeerAddress& address) {
  BookEntry* e = Lookup(address);
  if (e != nullptr && e->connections > 0) --e->connections;
}

bool AddressBook::Dialable(const BookEntry& e, uint64_t now) const {
  return !e.self && e.connections == 0 && !e.dialing && e.retry_at <= now;
}

size_t AddressBook::Sample(uint64_t now, Rng* rng, size_t max, const PeerAddress& except,
                           PeerAddress* out) const {
  size_t seen = 0, n = 0;
  for (const BookEntry& e : entries_) {
    if (e.self || e.address == except) continue;
    bool fresh = e.connections > 0 ||
                 (e.last_success != 0 && e.failures == 0 && now - e.last_success <= kFreshMs);
    if (!fresh) continue;
    ++seen;
    if (n < max) {
      out[n++] = e.address;
    } else {
      uint64_t j = rng->Below(seen);
      if (j < max) out[j] = e.address;
    }
  }
  return n;
}

}  // namespace floodchat
