// The node's record of one connection. Private to the loop's files.
#ifndef FLOODCHAT_PEER_H_
#define FLOODCHAT_PEER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "buffer.h"
#include "net.h"

namespace floodchat {

struct Peer {
  enum class State { kConnecting, kHandshake, kLive };

  net::Socket socket = net::kNoSocket;
  State state = State::kConnecting;
  bool outbound = false;
  std::string label;   // numeric address, or what -c named until connected
  std::string target;  // outbound: HOST:PORT as the user wrote it
  std::vector<net::Address> addresses;  // outbound: left to try
  size_t next_address = 0;
  std::string last_error;

  uint64_t node_id = 0;
  std::string nick;  // as the peer sent it: show it through Who()
  Buffer in;
  Buffer out;
  uint64_t deadline = 0;  // connect or handshake deadline
  uint64_t backlog_since = 0;  // when `out` went over queue_soft; 0 if not over
  bool write_shut = false;
  bool closing = false;
};

}  // namespace floodchat

#endif  // FLOODCHAT_PEER_H_
