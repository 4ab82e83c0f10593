// A fake of the connections for the policies' unit tests, as ninja's
// FakeCommandRunner is for its builder: it records what the policies ask
// (dials, frames sent, retirements) and what they deliver, and answers with
// ids of its own; the tests play the connections' events by hand.
#ifndef FLOODCHAT_TESTS_FAKE_LINKS_H_
#define FLOODCHAT_TESTS_FAKE_LINKS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "links.h"
#include "wire/frame.h"

namespace floodchat_test {

using floodchat::Buffer;
using floodchat::Endpoint;
using floodchat::Frame;
using floodchat::Message;
using floodchat::MessageId;
using floodchat::PeerAddress;
using floodchat::PeerId;

// One frame a policy sent.
struct SentFrame {
  PeerId to;
  uint8_t type;
  std::string bytes;  // the whole frame
};

struct Delivered {
  std::string nick, text;
  uint8_t hops;
};

class FakeLinks : public floodchat::Links, public floodchat::MessageSink {
 public:
  // Dials answer with ids from 1000 up; DialHost fails for hosts in
  // `unresolvable`.
  PeerId DialHost(const Endpoint& endpoint, std::string* error) override {
    if (unresolvable.count(endpoint.host) != 0) {
      *error = "no such host";
      return floodchat::kNoPeer;
    }
    PeerId id = next_id++;
    dialled_hosts.push_back(floodchat::EndpointText(endpoint));
    dial_ids.push_back(id);
    return id;
  }
  PeerId DialAddress(const PeerAddress& address) override {
    PeerId id = next_id++;
    dialled_addresses.push_back(address);
    dial_ids.push_back(id);
    return id;
  }
  // Splits what is sent into frames, so tests can look at each.
  void Send(PeerId peer, const uint8_t* frames, size_t size) override {
    ++send_calls;
    size_t at = 0;
    while (at < size) {
      Frame f;
      const char* why = nullptr;
      if (floodchat::DecodeFrame(frames + at, size - at, SIZE_MAX >> 8, &f, &why) !=
          floodchat::DecodeStatus::kFrame) {
        malformed = true;
        return;
      }
      sent.push_back(SentFrame{peer, f.type,
                               std::string(reinterpret_cast<const char*>(frames + at), f.wire_size)});
      at += f.wire_size;
    }
  }
  void Retire(PeerId peer) override { retired.push_back(peer); }
  std::string Describe(PeerId peer) const override { return "peer" + std::to_string(peer); }
  void NeighbourNick(PeerId peer, std::string_view nick) override {
    nicks[peer] = std::string(nick);
  }
  void Deliver(const Message& m, uint64_t now) override {
    delivered.push_back(Delivered{std::string(m.nick), std::string(m.text), m.hops});
  }

  // The frames of `type` sent to `peer`.
  size_t Queued(PeerId peer) const override { return queued; }
  size_t queued = 0;  // what Queued says of every peer
  std::vector<std::string> SentTo(PeerId peer, uint8_t type) const {
    std::vector<std::string> out;
    for (const SentFrame& f : sent)
      if (f.to == peer && f.type == type) out.push_back(f.bytes);
    return out;
  }
  size_t Count(uint8_t type) const {
    size_t n = 0;
    for (const SentFrame& f : sent)
      if (f.type == type) ++n;
    return n;
  }

  PeerId next_id = 1000;
  std::map<std::string, int> unresolvable;
  std::vector<std::string> dialled_hosts;
  std::vector<PeerAddress> dialled_addresses;
  std::vector<PeerId> dial_ids;
  std::vector<SentFrame> sent;
  size_t send_calls = 0;
  bool malformed = false;
  std::vector<PeerId> retired;
  std::map<PeerId, std::string> nicks;
  std::vector<Delivered> delivered;
};

inline MessageId IdOf(uint64_t origin, uint64_t counter) {
  MessageId id;
  floodchat::PutU64(id.bytes, origin);
  floodchat::PutU64(id.bytes + 8, counter);
  return id;
}

// A message frame as a peer would send it.
inline std::string MessageFrame(uint64_t origin, uint64_t counter, const std::string& nick,
                                const std::string& text, uint8_t hops = 1, uint8_t limit = 64) {
  Message m;
  floodchat::PutU64(m.id.bytes, origin);
  floodchat::PutU64(m.id.bytes + 8, counter);
  m.hops = hops;
  m.hop_limit = limit;
  m.nick = nick;
  m.text = text;
  Buffer b;
  floodchat::AppendMessage(m, &b);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// Decodes one whole frame held in `bytes`.
inline Frame FrameOf(const std::string& bytes) {
  Frame f;
  const char* why = nullptr;
  floodchat::DecodeFrame(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                         SIZE_MAX >> 8, &f, &why);
  return f;
}

inline PeerAddress Ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  PeerAddress p;
  p.family = 4;
  p.ip[0] = a;
  p.ip[1] = b;
  p.ip[2] = c;
  p.ip[3] = d;
  p.port = port;
  return p;
}

}  // namespace floodchat_test

#endif  // FLOODCHAT_TESTS_FAKE_LINKS_H_
