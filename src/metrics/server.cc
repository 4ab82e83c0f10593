#include "metrics/server.h"

#include <algorithm>

#include "metrics/http.h"

namespace floodchat {

namespace {

// What a client may still send after its answer before it is closed.
constexpr size_t kMaxLingerBytes = 16 * 1024;

}  // namespace

bool MetricsServer::Listen(const Endpoint& at) {
  std::string error;
  std::vector<net::Address> addresses;
  if (!net::Resolve(at.host, at.port, true, &addresses, &error)) {
    log_->Say(Level::kError, "--metrics %s: %s", EndpointText(at).c_str(), error.c_str());
    return false;
  }
  bool in_use = false;
  listener_ = net::Listen(addresses[0], &in_use, &error);
  if (listener_ == net::kNoSocket) {
    log_->Say(Level::kError, "--metrics %s: %s", EndpointText(at).c_str(), error.c_str());
    return false;
  }
  net::Address local;
  std::string shown = net::LocalAddress(listener_, &local) ? net::AddressText(local)
                                                           : EndpointText(at);
  ErrPrintf("floodchat: metrics on http://%s/metrics\n", shown.c_str());
  return true;
}

void MetricsServer::FillPoll(std::vector<net::PollEntry>* poll, uint64_t now) {
  poll_at_ = poll->size();
  if (listener_ == net::kNoSocket) return;
  net::PollEntry e;
  e.socket = listener_;
  listener_polled_ = now >= accept_paused_until_;
  e.want_read = listener_polled_;
  poll->push_back(e);
  for (const Client& c : clients_) {
    net::PollEntry p;
    p.socket = c.socket;
    p.want_read = c.state != State::kWriting;
    p.want_write = c.state == State::kWriting;
    poll->push_back(p);
  }
}

void MetricsServer::HandlePoll(const std::vector<net::PollEntry>& poll, uint64_t now) {
  if (listener_ == net::kNoSocket || poll_at_ >= poll.size()) return;
  // The connections first, by the places FillPoll gave them; those accepted
  // below have no entry yet.
  size_t polled = std::min(clients_.size(), poll.size() - poll_at_ - 1);
  for (size_t i = 0; i < polled; ++i) {
    const net::PollEntry& e = poll[poll_at_ + 1 + i];
    Client& c = clients_[i];
    if (e.readable && c.state != State::kWriting) Read(&c);
    if (e.writable && c.state == State::kWriting) Write(&c);
  }
  DropClosed();
  if (listener_polled_ && poll[poll_at_].readable) Accept(now);
}

void MetricsServer::Accept(uint64_t now) {
  // A few per turn: a storm of connections waits in the backlog rather than
  // taking the turn from the peers.
  for (size_t i = 0; i < kMaxScrapers; ++i) {
    net::Socket s;
    net::Address from;
    std::string error;
    net::Io r = net::Accept(listener_, &s, &from, &error);
    if (r != net::Io::kDone) {
      if (r == net::Io::kFailed) {
        log_->Say(Level::kDebug, "metrics: accept: %s; not accepting for 1 s", error.c_str());
        accept_paused_until_ = now + 1000;
      }
      return;
    }
    if (clients_.size() >= kMaxScrapers) {
      // Over the bound: a short answer if the socket takes it at once (a new
      // connection's buffer does), then closed. What the client has already
      // sent is read first (once, without waiting): a socket closed with
      // unread bytes is reset, and the reset would take the answer with it.
      uint8_t sink[1024];
      size_t got = 0, sent = 0;
      net::Recv(s, sink, sizeof sink, &got, &error);
      std::string busy = HttpAnswer(HttpVerdict{503, false}, {});
      net::Send(s, reinterpret_cast<const uint8_t*>(busy.data()), busy.size(), &sent, &error);
      net::ShutdownWrite(s);
      net::Close(s);
      continue;
    }
    Client c;
    c.socket = s;
    c.deadline = now + kScrapeTimeoutMs;
    clients_.push_back(std::move(c));
  }
}

void MetricsServer::Read(Client* c) {
  uint8_t chunk[1024];
  for (;;) {
    size_t got = 0;
    std::string error;
    // While reading the request, no more than the head may hold; while
    // lingering, whatever comes is read and dropped.
    size_t room = c->state == State::kReading ? kMaxRequestHeadBytes - c->in.size() : sizeof chunk;
    net::Io r = net::Recv(c->socket, chunk, std::min(room, sizeof chunk), &got, &error);
    if (r == net::Io::kWouldBlock) return;
    if (r != net::Io::kDone) {
      // The client closed (or failed): nothing more to say to it.
      net::Close(c->socket);
      c->socket = net::kNoSocket;
      return;
    }
    if (c->state == State::kLingering) {
      // One chunk a turn, and not many: a client that keeps sending after
      // its answer neither holds the loop nor gets a long-lived drain.
      c->dropped += got;
      if (c->dropped > kMaxLingerBytes) {
        net::Close(c->socket);
        c->socket = net::kNoSocket;
      }
      return;
    }
    c->in.append(reinterpret_cast<const char*>(chunk), got);
    HttpVerdict v;
    if (ParseHttpRequest(c->in, &v) == HttpParse::kNeedMore) continue;
    ++scrapes_;
    c->out = HttpAnswer(v, v.status == 200 ? source_->MetricsText() : std::string());
    c->in.clear();
    c->in.shrink_to_fit();
    c->state = State::kWriting;
    Write(c);
    return;
  }
}

void MetricsServer::Write(Client* c) {
  while (c->sent < c->out.size()) {
    size_t sent = 0;
    std::string error;
    net::Io r = net::Send(c->socket, reinterpret_cast<const uint8_t*>(c->out.data()) + c->sent,
                          c->out.size() - c->sent, &sent, &error);
    if (r == net::Io::kWouldBlock) return;
    if (r != net::Io::kDone) {
      net::Close(c->socket);
      c->socket = net::kNoSocket;
      return;
    }
    c->sent += sent;
  }
  // All written: the sending side is shut, and what the client still sends
  // is read and dropped until it closes (or the deadline), so that closing
  // with unread bytes does not reset the connection under the answer.
  net::ShutdownWrite(c->socket);
  c->out.clear();
  c->out.shrink_to_fit();
  c->state = State::kLingering;
}

void MetricsServer::DropClosed() {
  clients_.erase(std::remove_if(clients_.begin(), clients_.end(),
                                [](const Client& c) { return c.socket == net::kNoSocket; }),
                 clients_.end());
}

void MetricsServer::CheckTimers(uint64_t now) {
  for (Client& c : clients_) {
    if (now >= c.deadline) {
      net::Close(c.socket);
      c.socket = net::kNoSocket;
    }
  }
  DropClosed();
}

uint64_t MetricsServer::NextWake(uint64_t now) const {
  uint64_t wake = accept_paused_until_ > now ? accept_paused_until_ : UINT64_MAX;
  for (const Client& c : clients_) wake = std::min(wake, c.deadline);
  return wake;
}

void MetricsServer::CloseAll() {
  for (Client& c : clients_) net::Close(c.socket);
  clients_.clear();
  if (listener_ != net::kNoSocket) net::Close(listener_);
  listener_ = net::kNoSocket;
}

}  // namespace floodchat
