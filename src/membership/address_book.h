// Keeping the mesh connected, as decisions with no IO: the address book a
// node dials from, the backoff between attempts, which of two connections to
// the same node survives. Membership (membership.h) uses them.
//
// The shape follows HyParView and Bitcoin's address manager: a few open
// connections (the active view, --peers) repaired from a larger bounded list
// of known addresses (the passive view, this book), refreshed by exchanging
// samples of addresses that were recently reachable.
#ifndef FLOODCHAT_MEMBERSHIP_ADDRESS_BOOK_H_
#define FLOODCHAT_MEMBERSHIP_ADDRESS_BOOK_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/rng.h"
#include "wire/address.h"

namespace floodchat {

constexpr uint64_t kBackoffMinMs = 1000;
constexpr uint64_t kBackoffMaxMs = 60000;

// The wait before the next attempt after `failures` failures in a row (at
// least 1): 1 s, 2 s, 4 s ... capped at 60 s, then jittered down by up to
// half, so that nodes that lost the same peer do not all come back at once.
uint64_t BackoffMs(uint32_t failures, Rng* rng);

// Two connections to the same node: which one to keep. Both ends of the pair
// must reach the same answer from what each can see, so the rule depends only
// on who dialled each connection: the one dialled by the node with the
// smaller ID survives. When one node dialled both, that node keeps the older
// one and closes the newer; the other end keeps both until that close
// arrives, since it cannot know which is older at the far end.
enum class Keep { kExisting, kNew, kBoth };
Keep ChooseConnection(uint64_t self_id, uint64_t peer_id, bool existing_outbound,
                      bool new_outbound);

// What the book knows about one address.
struct BookEntry {
  PeerAddress address;
  uint64_t node_id = 0;       // learned from a hello; 0 if never connected
  uint64_t last_heard = 0;    // ms: last offered by a peer (or added)
  uint64_t last_success = 0;  // ms: last time a connection was up; 0 never
  uint64_t last_failure = 0;  // ms
  uint64_t retry_at = 0;      // ms: not dialled before this
  uint32_t failures = 0;      // dial failures since the last success
  uint32_t connections = 0;   // open connections that use this address
  bool lost = false;          // a connection ended since the last one began
  bool dialing = false;       // an attempt is in progress
  bool self = false;          // it leads back to this node: never dialled
};

// A bounded table of addresses. Time is passed in (ms, any monotonic origin
// above 0); nothing here reads a clock or a socket.
class AddressBook {
 public:
  static constexpr size_t kDefaultCapacity = 1024;
  // After this many failures in a row an address is forgotten (unless it is
  // in use): with the backoff above that is about five minutes of trying.
  static constexpr uint32_t kMaxFailures = 10;
  // How long after its last good connection an address is still offered to
  // others as recently reachable.
  static constexpr uint64_t kFreshMs = 10 * 60 * 1000;

  explicit AddressBook(size_t capacity = kDefaultCapacity);

  // An address offered by a peer. Adds it if it is dialable and new, making
  // room by forgetting the least useful entry not in use; false if it was not
  // added (already known, not dialable, or no room).
  bool Learn(const PeerAddress& address, uint64_t now);

  // A dial to `address` starts; the address is added if it is not known.
  void DialStarted(const PeerAddress& address, uint64_t now);
  // The dial failed before a handshake: backoff, and forgotten after
  // kMaxFailures in a row.
  void DialFailed(const PeerAddress& address, uint64_t now, Rng* rng);
  // The dial reached a node but was closed as a duplicate of another
  // connection to it, or as a connection to this node itself: no failure.
  void DialRedundant(const PeerAddress& address, uint64_t node_id, bool self);
  // A connection using `address` completed its handshake with `node_id`
  // (either direction). Returns true if an earlier connection to it had
  // been lost: this one is a reconnect.
  bool Connected(const PeerAddress& address, uint64_t node_id, uint64_t now);
  // That connection ended. The address may be dialled again after a short
  // wait.
  void Disconnected(const PeerAddress& address, uint64_t now, Rng* rng);
  // That connection was closed as a duplicate: the node is still reached
  // through another one, so nothing was lost.
  void Released(const PeerAddress& address);

  // Chooses an address to dial: known, not self, not in use or being dialled,
  // past its backoff, not `skip_node(node_id)` for a node already connected,
  // chosen at random, and not the one chosen last time when another would
  // do. False if there is none.
  template <typename SkipNode>
  bool Pick(uint64_t now, Rng* rng, SkipNode skip_node, PeerAddress* out);

  // Up to `max` distinct addresses that are recently reachable (in use now,
  // or connected within kFreshMs with no failure since), at random, never
  // `except`. Returns how many were written to `out`.
  size_t Sample(uint64_t now, Rng* rng, size_t max, const PeerAddress& except,
                PeerAddress* out) const;

  const BookEntry* Find(const PeerAddress& address) const;
  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  BookEntry* Lookup(const PeerAddress& address);
  BookEntry* Add(const PeerAddress& address, uint64_t now);
  void Remove(BookEntry* entry);
  bool Dialable(const BookEntry& e, uint64_t now) const;

  size_t capacity_;
  std::vector<BookEntry> entries_;  // unordered; at most capacity_
  PeerAddress last_pick_;
};

template <typename SkipNode>
bool AddressBook::Pick(uint64_t now, Rng* rng, SkipNode skip_node, PeerAddress* out) {
  // Reservoir sampling over the candidates, with the last pick kept aside
  // as the fallback when it is the only one.
  size_t seen = 0;
  const BookEntry* chosen = nullptr;
  const BookEntry* repeat = nullptr;
  for (const BookEntry& e : entries_) {
    if (!Dialable(e, now) || (e.node_id != 0 && skip_node(e.node_id))) continue;
    if (e.address == last_pick_) {
      repeat = &e;
      continue;
    }
    ++seen;
    if (rng->Below(seen) == 0) chosen = &e;
  }
  if (chosen == nullptr) chosen = repeat;
  if (chosen == nullptr) return false;
  *out = chosen->address;
  last_pick_ = chosen->address;
  return true;
}

}  // namespace floodchat

#endif  // FLOODCHAT_MEMBERSHIP_ADDRESS_BOOK_H_
