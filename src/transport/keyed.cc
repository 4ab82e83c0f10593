// Keyed mode (-k) in the transport: each connection's session, the key
// exchange, opening the records read and sealing the frames queued. The wire
// itself is crypto/session.h. Part of the Transport (transport.h).
#include "crypto/crypto.h"
#include "crypto/session.h"
#include "transport/peer.h"
#include "transport/transport.h"

namespace floodchat {

namespace {

constexpr size_t kKeepBufferBytes = 2 * 1024 * 1024;
// Queued frames are sealed when the socket's own queue is below this, so
// that a burst queued in one turn shares records.
constexpr size_t kSealAheadBytes = 64 * 1024;

}  // namespace

bool Transport::StartSession(Peer* p, uint64_t now) {
  uint8_t random[kSessionRandomBytes];
  if (!net::RandomBytes(random, sizeof random)) {
    // Closed by the loop: this may run inside a dial (links.h).
    p->last_error = "the OS random source is unavailable";
    p->doomed = true;
    return false;
  }
  p->session = std::make_unique<Session>(keys_, p->outbound, random);
  crypto::Wipe(random, sizeof random);
  p->session->Start(&p->out);
  log_->Say(Level::kDebug, "%s: %s, key exchange started", p->label.c_str(),
            p->outbound ? "connected" : "accepted");
  return true;
}

// Runs the key exchange and opens the records read so far into the plain
// input. False when the connection is done with.
bool Transport::OpenRecords(Peer* p, uint64_t now) {
  const char* why = nullptr;
  Session::Status st = p->session->Receive(&p->wire_in, max_record_, &p->in, &p->out, &why);
  if (p->session->CanSend() && !p->hello_sent) {
    p->hello_sent = true;
    if (p->refuse) {
      // Over --max-peers: a sealed full frame instead of the hello, then the
      // connection ends as a plain refusal does.
      events_->AppendRefusal(&p->plain_out, now);
      EnterRefusing(p, now);
      return false;
    }
    AppendOwnHello(&p->plain_out);
  }
  switch (st) {
    case Session::Status::kOk:
      break;
    case Session::Status::kAuthFailed:
      ProcessFrames(p, now);  // what opened before the failure is genuine
      AuthFailed(p, why, now);
      return false;
    case Session::Status::kError:
      ClosePeer(p, std::string("protocol error: ") + why, Level::kError, now);
      return false;
    case Session::Status::kPlainPeer: {
      ++counters_.auth_failed;  // no key is a failed authentication too
      const char* refusal = "refused: the peer has no network key (-k) and this node requires one";
      if (p->outbound) {
        ClosePeer(p, refusal, Level::kError, now);
        return false;
      }
      std::string line = refusal;
      Level level = Quieted(&line, Level::kError, now);
      log_->Say(level, "%s: %s", p->label.c_str(), line.c_str());
      // Tell it why, then close once it has read that (as for a full node's
      // refusal). It is no longer one of the policies' connections.
      Session::AppendKeyRequired(&p->out);
      if (p->known) events_->OnPeerDown(p->id, refusal, now);
      p->known = false;
      EnterRefusing(p, now);
      return false;
    }
  }
  if (p->wire_in.empty()) p->wire_in.Release(kKeepBufferBytes);
  return true;
}

// Once a minute per kind at most, so that a stream of bad handshakes cannot
// fill the log; the rest are counted (and shown in /stats). ClosePeer quiets
// the failures of connections not yet up itself.
void Transport::AuthFailed(Peer* p, const char* why, uint64_t now) {
  ++counters_.auth_failed;
  if (p->closing) return;
  std::string line = why;
  Level level = Level::kError;
  if (p->state == Peer::State::kLive) level = Quieted(&line, level, now);
  ClosePeer(p, line, level, now);
}

// Keyed: seals what was queued this turn (or since the socket last ran low)
// into as few records as fit, just before sending. False when the connection
// was closed instead.
bool Transport::SealQueued(Peer* p, uint64_t now) {
  if (p->plain_out.empty() || !p->session || !p->session->CanSend() ||
      p->out.size() >= kSealAheadBytes)
    return true;
  switch (p->session->Seal(p->plain_out.data(), p->plain_out.size(), &p->out)) {
    case Session::SealStatus::kSealed:
      break;
    case Session::SealStatus::kUsedUp:
      ClosePeer(p, "the session's record numbers are used up; closing for a new session",
                Level::kInfo, now);
      return false;
    case Session::SealStatus::kNotWholeFrames:  // only whole frames are queued: cannot happen
      ClosePeer(p, "internal error: a partial frame queued", Level::kError, now);
      return false;
  }
  p->plain_out.Clear();
  p->plain_out.Release(kKeepBufferBytes);
  return true;
}

}  // namespace floodchat
