// The contract between the policies (membership, broadcast) and a node's
// connections. The policies name connections by PeerId and reach them only
// through Links; the connections report to them only through LinkEvents. In
// the binary Links is the Transport (sockets), in the simulator a virtual
// network, in the policies' unit tests a fake that records what was asked.
//
// Reentrancy: no Links call makes a LinkEvents call before it returns. A
// connection that fails while a policy is using it (a queue over its bound,
// an attempt refused at once) is reported later, from the loop, so a policy
// never hears of a connection's end in the middle of its own work.
#ifndef FLOODCHAT_LINKS_H_
#define FLOODCHAT_LINKS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/buffer.h"
#include "base/diag.h"
#include "wire/address.h"
#include "options.h"
#include "wire/frame.h"

namespace floodchat {

// A connection, from its start (dialled or accepted) to its end. An id is
// not given to another connection until 65,535 more have used its slot in
// the transport's table (the simulator never reuses one). 0 is none.
using PeerId = uint32_t;
constexpr PeerId kNoPeer = 0;

class Links {
 public:
  virtual ~Links() = default;

  // Starts a connection to a -c or /connect address; its host name is
  // resolved first, which blocks until the resolver answers (man page,
  // CAVEATS). kNoPeer with *error when that fails.
  virtual PeerId DialHost(const Endpoint& endpoint, std::string* error) = 0;
  // Starts a connection to an address from the book.
  virtual PeerId DialAddress(const PeerAddress& address) = 0;
  // Queues whole frames for a connection that is up. A connection that is
  // going, or gone, takes nothing.
  virtual void Send(PeerId peer, const uint8_t* frames, size_t size) = 0;
  // Bytes queued for a connection and not yet written; 0 for one that is
  // gone.
  virtual size_t Queued(PeerId peer) const = 0;
  // Ends a duplicate connection in order: nothing new is sent on it, what is
  // queued goes out, its sending side is shut, and what still arrives is
  // read until the other end closes too, so nothing in flight is lost.
  virtual void Retire(PeerId peer) = 0;
  // "ADDRESS (NICK)", safe to print, for diagnostics.
  virtual std::string Describe(PeerId peer) const = 0;
  // The nick a neighbour's own latest message carried (shown by /peers).
  virtual void NeighbourNick(PeerId peer, std::string_view nick) = 0;
};

// What a connection's hello told, when the connection comes up.
struct PeerUp {
  bool outbound = false;
  // The address the connection stands for: the one dialled, or for an
  // inbound connection the IP it came from with the port its hello gave
  // (family 0 when the peer does not listen).
  PeerAddress address;
  uint64_t node_id = 0;
  std::string_view nick;
};

// What becomes of a connection whose hello arrived.
enum class UpVerdict {
  kLive,    // it carries messages from now on
  kRetire,  // a duplicate of another connection to that node: retire it
  kSelf,    // it leads back to this node: close it
};

// A frame from a connection that is up.
struct Incoming {
  PeerId peer = kNoPeer;
  uint64_t node_id = 0;   // the peer's, from its hello
  Frame frame;
  uint8_t* bytes = nullptr;  // the whole frame, writable: it may be forwarded as it is
  // What follows it in the connection's input (whole frames or not), for
  // looking ahead.
  const uint8_t* rest = nullptr;
  size_t rest_size = 0;
};

class LinkEvents {
 public:
  virtual ~LinkEvents() = default;

  // An inbound connection was accepted. False: the node is full, and the
  // connection is refused with AppendRefusal's frame instead of a hello.
  virtual bool OnAccepted(PeerId peer, uint64_t now) = 0;
  // Appends the full frame that refuses a connection (addresses to try).
  virtual void AppendRefusal(Buffer* out, uint64_t now) = 0;
  // A connection's hello arrived.
  virtual UpVerdict OnPeerUp(PeerId peer, const PeerUp& up, uint64_t now) = 0;
  // A dialled node refused the connection with a full frame offering
  // `offer`. Returns how much the closing matters and *why, its reason.
  virtual Level OnRefusedFull(PeerId peer, const AddressList& offer, uint64_t now,
                              std::string* why) = 0;
  // A frame of a connection that is up. False and *why on a protocol error:
  // the connection is then closed.
  virtual bool OnFrame(const Incoming& in, uint64_t now, const char** why) = 0;
  // A connection that was dialled, or accepted and not refused, has ended;
  // `last_error` says why an attempt failed. Once per connection.
  virtual void OnPeerDown(PeerId peer, const std::string& last_error, uint64_t now) = 0;
};

// Where the messages a node delivers go: the console (stdout), or the
// simulator's tally.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void Deliver(const Message& message, uint64_t now) = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_LINKS_H_
