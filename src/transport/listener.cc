// The transport's listener: listening, accepting, and refusing what comes
// past --max-peers. Part of the Transport (transport.h).
#include "transport/peer.h"
#include "transport/transport.h"

namespace floodchat {

namespace {

// Connections accepted per turn at most, so a storm cannot starve the peers.
constexpr int kAcceptsPerTurn = 64;

}  // namespace

bool Transport::Listen(const Endpoint& at, bool explicit_port) {
  int tries = explicit_port ? 1 : kDefaultPortTries;
  std::string error;
  for (int i = 0; i < tries; ++i) {
    uint32_t port = at.port + static_cast<uint32_t>(i);
    if (port > 65535) break;
    std::vector<net::Address> addresses;
    if (!net::Resolve(at.host, static_cast<uint16_t>(port), true, &addresses, &error)) {
      log_->Say(Level::kError, "listen on %s: %s", EndpointText(at).c_str(), error.c_str());
      return false;
    }
    bool in_use = false;
    listener_ = net::Listen(addresses[0], &in_use, &error);
    if (listener_ != net::kNoSocket) break;
    if (!in_use || explicit_port) {
      log_->Say(Level::kError, "listen on %s: %s",
                EndpointText({at.host, static_cast<uint16_t>(port)}).c_str(), error.c_str());
      return false;
    }
  }
  if (listener_ == net::kNoSocket) {
    log_->Say(Level::kError, "listen on %s: ports %u to %u are all in use", at.host.c_str(),
              at.port, at.port + kDefaultPortTries - 1);
    return false;
  }
  net::Address local;
  std::string shown = EndpointText(at);
  if (net::LocalAddress(listener_, &local)) {
    shown = net::AddressText(local);
    PeerAddress mine;
    if (net::ToPeerAddress(local, &mine)) listen_port_ = mine.port;
  }
  // Always printed, even with -q: scripts and tests read the port from it.
  ErrPrintf("floodchat: listening on %s\n", shown.c_str());
  return true;
}

void Transport::AcceptAll(uint64_t now) {
  for (int i = 0; i < kAcceptsPerTurn; ++i) {
    net::Socket s;
    net::Address from;
    std::string error;
    net::Io r = net::Accept(listener_, &s, &from, &error);
    if (r == net::Io::kWouldBlock) return;
    if (r != net::Io::kDone) {
      // Typically out of file descriptors. The listener stays readable, so
      // stop polling it for a while rather than spin; say so once a second.
      accept_resume_ = now + limits_.accept_pause_ms;
      if (accept_errors_.Note(now)) {
        accept_errors_.Take(now);
        log_->Say(Level::kError, "accept: %s; not accepting for %llu ms", error.c_str(),
                  static_cast<unsigned long long>(limits_.accept_pause_ms));
      }
      return;
    }
    Peer* p = NewPeer();
    p->socket = s;
    p->remote = from;
    p->label = net::AddressText(from);
    if (!events_->OnAccepted(p->id, now)) {
      Refuse(s, from, now);
      if (p->socket == net::kNoSocket) p->closing = true;  // closed unanswered
      continue;
    }
    p->known = true;
    OnConnected(p, now);
  }
}

// Over --max-peers: instead of a hello, a full frame with addresses to try
// elsewhere; then the sending side is shut and the connection closed when
// the other end closes or refuse_linger_ms has passed. Closing at once could
// turn the unread hello into a reset that loses the full frame. Only a few
// are handled so at a time; beyond them a connection is closed unanswered.
void Transport::Refuse(net::Socket s, const net::Address& from, uint64_t now) {
  ++counters_.refused;
  Peer* p = peers_.back().get();  // the one just accepted
  if (refusals_.Note(now)) {
    refusals_.Take(now);
    log_->Say(Level::kInfo, "%s: refused: already %zu connections (--max-peers); %llu refused in all",
              net::AddressText(from).c_str(), max_peers_,
              static_cast<unsigned long long>(counters_.refused));
  }
  size_t refusing = 0;
  for (const auto& q : peers_)
    if (q.get() != p && !q->closing && q->Refused()) ++refusing;
  if (refusing >= limits_.max_refusing) {
    net::Close(s);
    p->socket = net::kNoSocket;
    return;
  }
  if (!keys_->empty()) {
    // Keyed: the addresses are for members only, so the full frame waits for
    // the key exchange and goes out sealed, in place of the hello
    // (OpenRecords).
    p->refuse = true;
    OnConnected(p, now);
    return;
  }
  events_->AppendRefusal(&p->out, now);
  EnterRefusing(p, now);
}

void Transport::EnterRefusing(Peer* p, uint64_t now) {
  p->state = Peer::State::kRefusing;
  p->deadline = now + limits_.refuse_linger_ms;
  p->in.Clear();
  p->wire_in.Clear();
}

}  // namespace floodchat
