// The transport's record of one connection: its socket, its state, its
// queues and, in keyed mode, its session. Private to transport/.
#ifndef FLOODCHAT_TRANSPORT_PEER_H_
#define FLOODCHAT_TRANSPORT_PEER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/backlog.h"
#include "base/buffer.h"
#include "crypto/session.h"
#include "links.h"
#include "wire/address.h"
#include "net/net.h"

namespace floodchat {

struct Peer {
  // kRefusing: an inbound connection over --max-peers, being sent a full
  // frame before it is closed.
  enum class State { kConnecting, kHandshake, kLive, kRefusing };

  PeerId id = kNoPeer;
  net::Socket socket = net::kNoSocket;
  State state = State::kConnecting;
  bool outbound = false;
  // The policies know it (dialled, or accepted and not refused): they hear
  // of its end.
  bool known = false;
  std::string label;   // numeric address, or what -c named until connected
  std::vector<net::Address> addresses;  // outbound: left to try
  size_t next_address = 0;
  std::string last_error;
  // The address it stands for: the one dialled, or for an inbound peer the
  // IP it came from with the port its hello gave.
  PeerAddress address;
  net::Address remote;  // inbound: where it came from

  uint64_t node_id = 0;
  std::string nick;  // as the peer sent it: show it through Describe()
  Buffer in;   // plain frames received, not yet handled
  Buffer out;  // bytes for the socket
  // Keyed mode (-k): the key exchange and record layer. Bytes read go to
  // wire_in and, once opened, to `in`; frames to send go to plain_out and are
  // sealed into `out` when it runs low, so that a burst shares records.
  std::unique_ptr<Session> session;
  Buffer wire_in;
  Buffer plain_out;
  bool hello_sent = false;  // keyed: the plain hello is queued
  // Keyed mode, over --max-peers: after the key exchange it is sent a full
  // frame (sealed, so only members learn the addresses) and closed.
  bool refuse = false;

  uint64_t deadline = 0;  // connect, handshake or closing deadline
  // Live: when bytes last arrived (or it was last left unread during a
  // pause), and when bytes were last written to it.
  uint64_t heard = 0;
  uint64_t spoke = 0;
  Backlog backlog;        // of `out` and `plain_out` together
  bool write_shut = false;
  bool closing = false;   // closed this turn; reaped at the start of the next
  // Queued past --queue-max while not holding input back, failed to connect
  // at once, or found no random source for its session: closed by the loop
  // (CheckTimers), not in the middle of a policy's call (links.h).
  bool doomed = false;
  // A duplicate of another connection to the same node: nothing new is sent
  // on it; its queue is flushed, its sending side shut, and what still
  // arrives is read until the peer closes too, so nothing in flight is lost.
  bool retiring = false;
  // The peer closed its sending side while we still had bytes queued for it.
  // It may still be reading (it is leaving, or closing a duplicate), so the
  // queue is sent before the connection closes; nothing more is read or
  // queued meanwhile.
  bool read_done = false;

  // Bytes waiting to be sent, sealed or not.
  size_t Queued() const { return out.size() + plain_out.size(); }
  bool Refused() const { return state == State::kRefusing || refuse; }
  // A live connection that new messages are sent on.
  bool Sendable() const { return state == State::kLive && !closing && !retiring && !doomed; }
};

}  // namespace floodchat

#endif  // FLOODCHAT_TRANSPORT_PEER_H_
