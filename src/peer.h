// The node's record of one connection. Private to the loop's files.
#ifndef FLOODCHAT_PEER_H_
#define FLOODCHAT_PEER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/address.h"
#include "base/buffer.h"
#include "net/net.h"
#include "crypto/session.h"

namespace floodchat {

struct Peer {
  // kRefusing: an inbound connection over --max-peers, being sent a full
  // frame before it is closed.
  enum class State { kConnecting, kHandshake, kLive, kRefusing };
  // How a connection that never went live, or stopped being used, ended;
  // decides what the address book and a -c target learn from it.
  enum class End { kNormal, kSelf, kDuplicate, kFull };

  net::Socket socket = net::kNoSocket;
  State state = State::kConnecting;
  bool outbound = false;
  std::string label;   // numeric address, or what -c named until connected
  std::string target_text;  // outbound: what was dialled, as the user wrote it
  std::vector<net::Address> addresses;  // outbound: left to try
  size_t next_address = 0;
  std::string last_error;
  int target = -1;         // outbound for a -c or /connect: its index in the node's targets
  bool from_book = false;  // outbound to an address chosen from the address book
  // The address this connection stands for in the book: the one dialled, or
  // for an inbound peer the IP it came from with the port its hello gave.
  PeerAddress address;
  net::Address remote;    // inbound: where it came from
  bool in_book = false;   // counted as a connection of `address` in the book
  bool detached = false;  // the book and targets no longer count it
  End end = End::kNormal;

  uint64_t node_id = 0;
  std::string nick;  // as the peer sent it: show it through Who()
  Buffer in;   // plain frames received, not yet handled
  Buffer out;  // bytes for the socket
  // Keyed mode (-k): the key exchange and record layer. Bytes read go to
  // wire_in and, once opened, to `in`; frames to send go to plain_out and are
  // sealed into `out` when it runs low, so that a burst shares records.
  std::unique_ptr<Session> session;
  Buffer wire_in;
  Buffer plain_out;
  bool hello_sent = false;  // keyed: the plain hello is queued
  uint64_t deadline = 0;  // connect or handshake deadline
  uint64_t backlog_since = 0;  // when `out` went over queue_soft; 0 if not over
  uint64_t progress_at = 0;    // the last send that took some of `out`
  bool write_shut = false;
  bool closing = false;
  // A duplicate of another connection to the same node: nothing new is sent
  // on it; its queue is flushed, its sending side shut, and what still
  // arrives is read until the peer closes too, so nothing in flight is lost.
  bool retiring = false;
  // The peer closed its sending side while we still had bytes queued for it.
  // It may still be reading (it is leaving, or closing a duplicate), so the
  // queue is sent before the connection closes; nothing more is read or
  // queued meanwhile.
  bool read_done = false;
  uint64_t answered_at = 0;  // when its last request for addresses was answered

  // Bytes waiting to be sent, sealed or not.
  size_t Queued() const { return out.size() + plain_out.size(); }

  // Keyed mode, over --max-peers: after the key exchange it is sent a full
  // frame (sealed, so only members learn the addresses) and closed.
  bool refuse = false;
  bool Refused() const { return state == State::kRefusing || refuse; }

  // A live connection that new messages are sent on.
  bool Sendable() const { return state == State::kLive && !closing && !retiring; }
};

}  // namespace floodchat

#endif  // FLOODCHAT_PEER_H_
