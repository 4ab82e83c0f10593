#include "crypto/session.h"

#include <cstring>

namespace floodchat {

namespace {

const char kTranscriptLabel[] = "floodchat keyed 1";
const char kKeysLabel[] = "floodchat 1 session keys";

void RecordNonce(uint64_t number, uint8_t nonce[crypto::kChaChaNonceBytes]) {
  memset(nonce, 0, 4);
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(number >> (8 * i));
}

}  // namespace

Session::Session(const std::vector<NetworkKey>* keys, bool initiator,
                 const uint8_t random[kSessionRandomBytes], uint64_t max_records)
    : keys_(keys), initiator_(initiator), max_records_(max_records) {
  memcpy(ephemeral_secret_, random, kEphemeralBytes);
  memcpy(nonce_, random + kEphemeralBytes, kHandshakeNonceBytes);
  memset(own_hello_, 0, sizeof own_hello_);
}

Session::~Session() {
  crypto::Wipe(ephemeral_secret_, sizeof ephemeral_secret_);
  crypto::Wipe(send_key_, sizeof send_key_);
  crypto::Wipe(receive_key_, sizeof receive_key_);
}

std::unique_ptr<Session> Session::Established(const std::vector<NetworkKey>* keys, bool initiator,
                                              const uint8_t send_key[crypto::kChaChaKeyBytes],
                                              const uint8_t receive_key[crypto::kChaChaKeyBytes]) {
  uint8_t random[kSessionRandomBytes] = {};
  std::unique_ptr<Session> s(new Session(keys, initiator, random));
  memcpy(s->send_key_, send_key, crypto::kChaChaKeyBytes);
  memcpy(s->receive_key_, receive_key, crypto::kChaChaKeyBytes);
  s->keyed_ = true;  // as after a real exchange: an initiator sends once a record has opened
  return s;
}

void Session::AppendKeyRequired(Buffer* out) {
  uint8_t* w = out->Reserve(kFrameHeaderBytes + kMagicBytes + 1);
  PutU32(w, static_cast<uint32_t>(kTypeBytes + kMagicBytes + 1));
  w[kLengthBytes] = kTypeKeyHello;
  memcpy(w + kFrameHeaderBytes, kHelloMagic, kMagicBytes);
  w[kFrameHeaderBytes + kMagicBytes] = kProtocolVersion;
  out->Commit(kFrameHeaderBytes + kMagicBytes + 1);
}

void Session::AppendKeyHello(const uint8_t key_id[kKeyIdBytes], Buffer* out) {
  uint8_t* w = own_hello_;
  PutU32(w, static_cast<uint32_t>(kTypeBytes + kKeyHelloBytes));
  w += kLengthBytes;
  *w++ = kTypeKeyHello;
  memcpy(w, kHelloMagic, kMagicBytes);
  w += kMagicBytes;
  *w++ = kProtocolVersion;
  memcpy(w, key_id, kKeyIdBytes);
  w += kKeyIdBytes;
  crypto::X25519Public(w, ephemeral_secret_);
  w += kEphemeralBytes;
  memcpy(w, nonce_, kHandshakeNonceBytes);
  out->Append(own_hello_, sizeof own_hello_);
}

void Session::Start(Buffer* wire_out) {
  if (!initiator_) return;
  initiator_key_ = (*keys_)[0];
  AppendKeyHello(initiator_key_.id, wire_out);
}

Session::Status Session::OnKeyHello(const Frame& f, Buffer* wire_out, const char** why) {
  const uint8_t* p = f.payload;
  if (f.payload_size < kKeyHelloBytes || memcmp(p, kHelloMagic, kMagicBytes) != 0) {
    *why = "malformed key hello";
    return Status::kError;
  }
  if (p[kMagicBytes] != kProtocolVersion) {
    *why = "unsupported protocol version";
    return Status::kError;
  }
  const uint8_t* key_id = p + kMagicBytes + 1;
  const uint8_t* peer_public = key_id + kKeyIdBytes;
  // Which key: for the initiator the one its own hello named (kept since,
  // whatever a reload did), which the responder must have echoed; for the
  // responder, the one the initiator names.
  const NetworkKey* key = nullptr;
  if (initiator_) {
    if (memcmp(key_id, initiator_key_.id, kKeyIdBytes) == 0) key = &initiator_key_;
  } else {
    for (const NetworkKey& k : *keys_)
      if (memcmp(key_id, k.id, kKeyIdBytes) == 0) key = &k;
  }
  if (key == nullptr) {
    *why = "authentication failed: the peer uses another network key";
    return Status::kAuthFailed;
  }
  if (!initiator_) AppendKeyHello(key->id, wire_out);

  crypto::Sha256 transcript;
  transcript.Update(kTranscriptLabel, sizeof kTranscriptLabel - 1);
  const uint8_t* peer_hello = f.payload - kFrameHeaderBytes;
  if (initiator_) transcript.Update(own_hello_, sizeof own_hello_);
  transcript.Update(peer_hello, f.wire_size);
  if (!initiator_) transcript.Update(own_hello_, sizeof own_hello_);
  uint8_t th[crypto::kSha256Bytes];
  transcript.Final(th);

  uint8_t ikm[kNetworkKeyBytes + crypto::kX25519Bytes];
  memcpy(ikm, key->secret, kNetworkKeyBytes);
  bool shared = crypto::X25519Shared(ikm + kNetworkKeyBytes, ephemeral_secret_, peer_public);
  crypto::Wipe(ephemeral_secret_, sizeof ephemeral_secret_);
  uint8_t okm[2 * crypto::kChaChaKeyBytes];
  crypto::Hkdf(th, sizeof th, ikm, sizeof ikm, kKeysLabel, sizeof kKeysLabel - 1, okm, sizeof okm);
  memcpy(initiator_ ? send_key_ : receive_key_, okm, crypto::kChaChaKeyBytes);
  memcpy(initiator_ ? receive_key_ : send_key_, okm + crypto::kChaChaKeyBytes,
         crypto::kChaChaKeyBytes);
  crypto::Wipe(ikm, sizeof ikm);
  crypto::Wipe(okm, sizeof okm);
  crypto::Wipe(initiator_key_.secret, sizeof initiator_key_.secret);
  if (!shared) {
    // A public key of small order: the shared secret would be zero whatever
    // our secret, so the session would rest on the network key alone.
    *why = "authentication failed: the peer's public key is of small order";
    return Status::kAuthFailed;
  }
  keyed_ = true;
  return Status::kOk;
}

Session::Status Session::Receive(Buffer* wire, size_t max_record, Buffer* plain,
                                 Buffer* wire_out, const char** why) {
  while (!keyed_) {
    Frame f;
    constexpr size_t kMaxKeyHelloLength = kTypeBytes + kKeyHelloBytes + kMaxHelloExtensionBytes;
    // Any plain opening fits in the larger of the two bounds.
    size_t max_opening = MaxFrameLength(0) > kMaxKeyHelloLength ? MaxFrameLength(0)
                                                                 : kMaxKeyHelloLength;
    switch (DecodeFrame(wire->data(), wire->size(), max_opening, &f, why)) {
      case DecodeStatus::kNeedMore:
        return Status::kOk;
      case DecodeStatus::kError:
        return Status::kError;
      case DecodeStatus::kFrame:
        break;
    }
    if (f.type == kTypeHello || f.type == kTypeFull) return Status::kPlainPeer;
    if (f.type != kTypeKeyHello) {
      *why = "expected a key hello";
      return Status::kError;
    }
    Status st = OnKeyHello(f, wire_out, why);
    if (st != Status::kOk) return st;
    wire->Consume(f.wire_size);
  }
  while (wire->size() >= kLengthBytes) {
    const uint8_t* r = wire->data();
    uint32_t length = GetU32(r);
    if (length <= crypto::kTagBytes || length > max_record) {
      *why = length <= crypto::kTagBytes ? "empty record" : "record longer than the limit";
      return Status::kError;
    }
    if (wire->size() < kLengthBytes + length) break;
    if (received_ >= max_records_) {
      *why = "the session's record numbers are used up";
      return Status::kError;
    }
    uint8_t nonce[crypto::kChaChaNonceBytes];
    RecordNonce(received_, nonce);
    size_t size = length - crypto::kTagBytes;
    uint8_t* out = plain->Reserve(size);
    if (!crypto::AeadOpen(receive_key_, nonce, sizeof nonce, r, kLengthBytes, r + kLengthBytes,
                          length, out)) {
      *why = "authentication failed";
      return Status::kAuthFailed;
    }
    if (!WholeFrames(out, size)) {
      *why = "a record that does not end on a frame";
      return Status::kError;
    }
    plain->Commit(size);
    wire->Consume(kLengthBytes + length);
    ++received_;
    confirmed_ = true;
  }
  return Status::kOk;
}

Session::SealStatus Session::Seal(const uint8_t* frames, size_t size, Buffer* wire_out) {
  // Checked whole first, so that the walk below reads only length fields
  // that are there, and a bad input seals nothing.
  if (!WholeFrames(frames, size)) return SealStatus::kNotWholeFrames;
  size_t at = 0;
  while (at < size) {
    // Whole frames up to kRecordPlainMax; a larger frame on its own.
    size_t end = at;
    while (end < size) {
      size_t frame = kLengthBytes + GetU32(frames + end);
      if (end > at && end - at + frame > kRecordPlainMax) break;
      end += frame;
    }
    if (sent_ >= max_records_) return SealStatus::kUsedUp;
    size_t n = end - at;
    uint8_t nonce[crypto::kChaChaNonceBytes];
    RecordNonce(sent_++, nonce);
    uint8_t* w = wire_out->Reserve(kLengthBytes + n + crypto::kTagBytes);
    PutU32(w, static_cast<uint32_t>(n + crypto::kTagBytes));
    crypto::AeadSeal(send_key_, nonce, sizeof nonce, w, kLengthBytes, frames + at, n,
                     w + kLengthBytes);
    wire_out->Commit(kLengthBytes + n + crypto::kTagBytes);
    at = end;
  }
  return SealStatus::kSealed;
}

}  // namespace floodchat
