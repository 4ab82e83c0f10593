// Keyed mode's wire: the key exchange and the sealed records that carry the
// plain frames of frame.h once it is done. Pure logic over byte buffers.
//
//   key hello := a frame (frame.h) of type kTypeKeyHello:
//                magic:"FLCH"  version:u8  key_id:8  ephemeral:32  nonce:16
//                [extension bytes, ignored but authenticated]
//   record    := length:u32be  ciphertext[length]
//
// The dialling side (the initiator) sends its key hello at once. The
// accepting side (the responder) waits for it, looks up the key whose
// identifier it names (keys.h), and answers with its own key hello naming
// the same key. Each side then has the other's ephemeral X25519 public key
// and derives two session keys, one per direction:
//
//   th   = SHA-256("floodchat keyed 1" || initiator's key hello frame
//                                      || responder's key hello frame)
//   okm  = HKDF-SHA-256(salt = th, ikm = network key || X25519 shared secret,
//                       info = "floodchat 1 session keys", 64 bytes)
//   initiator -> responder: okm[0..32), responder -> initiator: okm[32..64)
//
// Everything after the key hellos is records. A record's ciphertext is
// ChaCha20-Poly1305 (RFC 8439) over one or more whole plain frames, with the
// 4 length bytes as associated data and the record's number in its direction
// (0, 1, 2, ...) as the nonce: 4 zero bytes, then the number as 64 bits,
// little-endian. The number is never sent, so a record that is modified,
// cut, dropped, replayed or moved fails to open, and the connection closes.
//
// The first record each way is the node's plain hello, and it confirms the
// keys: the responder sends it right after its key hello; the initiator sends
// its own only once the responder's has opened. A responder that is full
// sends a full frame as its first record instead, so that only members learn
// the addresses it offers. A node with another key
// fails on the first record it receives, one round trip after connecting.
// The ephemeral secret is wiped as soon as the session keys are derived, so
// recorded traffic stays secret if a network key leaks later.
#ifndef FLOODCHAT_CRYPTO_SESSION_H_
#define FLOODCHAT_CRYPTO_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/buffer.h"
#include "crypto/crypto.h"
#include "wire/frame.h"
#include "crypto/keys.h"

namespace floodchat {

constexpr size_t kEphemeralBytes = crypto::kX25519Bytes;
constexpr size_t kHandshakeNonceBytes = 16;
constexpr size_t kKeyHelloBytes =
    kMagicBytes + 1 /* version */ + kKeyIdBytes + kEphemeralBytes + kHandshakeNonceBytes;
// What a session takes from the OS random source: the ephemeral secret, then
// the nonce.
constexpr size_t kSessionRandomBytes = kEphemeralBytes + kHandshakeNonceBytes;
// A record holds whole frames up to this many bytes, or one larger frame.
constexpr size_t kRecordPlainMax = 16 * 1024;
constexpr uint64_t kMaxRecords = UINT64_MAX;  // per direction; then the connection closes

// The largest record length a node accepts, for its largest frame length.
constexpr size_t MaxRecordLength(size_t max_frame_length) {
  size_t frame = kLengthBytes + max_frame_length;
  return (frame > kRecordPlainMax ? frame : kRecordPlainMax) + crypto::kTagBytes;
}

class Session {
 public:
  enum class Status {
    kOk,          // everything whole was handled; more bytes may follow
    kAuthFailed,  // wrong or unknown key, a bad public key, or a record that did not open
    kError,       // malformed: *why says how
    kPlainPeer,   // the peer opened with a plain hello or full frame: it has no key
  };

  // `keys` (at least one) must outlive the session; they may be replaced
  // while it lives (a reload). The initiator keeps the key it starts with;
  // the responder picks from the keys of the moment the initiator's hello
  // arrives. `random` is
  // kSessionRandomBytes from the OS source. `max_records` bounds the
  // records each way (tests lower it).
  Session(const std::vector<NetworkKey>* keys, bool initiator,
          const uint8_t random[kSessionRandomBytes], uint64_t max_records = kMaxRecords);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // A session past its key exchange, with the given keys: for tests and the
  // record fuzz target, which exercise the record layer without paying for
  // X25519 each time.
  static std::unique_ptr<Session> Established(const std::vector<NetworkKey>* keys, bool initiator,
                                              const uint8_t send_key[crypto::kChaChaKeyBytes],
                                              const uint8_t receive_key[crypto::kChaChaKeyBytes]);

  // Appends the short key hello (magic and version only) a keyed node sends a
  // peer that opened without a key before closing, so that the peer, which
  // recognises the frame type, can say why.
  static void AppendKeyRequired(Buffer* out);

  // Initiator: appends its key hello to `wire_out`. The responder sends
  // nothing until it has the initiator's.
  void Start(Buffer* wire_out);

  // Consumes what is whole at the front of `wire`: the peer's key hello (the
  // responder then appends its own to `wire_out`), then records, whose
  // plaintext is appended to `plain`. A record longer than `max_record` is an
  // error as soon as its length arrives. Stops at the first failure, with
  // *why set; records opened before it stay in `plain`. A record whose
  // plaintext is not whole frames is an error. kPlainPeer leaves that frame
  // unconsumed in `wire`.
  Status Receive(Buffer* wire, size_t max_record, Buffer* plain, Buffer* wire_out,
                 const char** why);

  // The node may send records: the responder once the keys are derived, the
  // initiator once the responder's first record has opened.
  bool CanSend() const { return keyed_ && (!initiator_ || confirmed_); }
  // The peer has shown that it holds the key: a record of its opened.
  bool Confirmed() const { return confirmed_; }

  // Seals `size` bytes of whole plain frames into records appended to
  // `wire_out`; requires CanSend(). kUsedUp when the record numbers would
  // run out: the connection must close (a new one gets new keys).
  // kNotWholeFrames, and nothing sealed, when `frames` does not end on a
  // frame: a record holds whole frames only.
  enum class SealStatus { kSealed, kUsedUp, kNotWholeFrames };
  SealStatus Seal(const uint8_t* frames, size_t size, Buffer* wire_out);

 private:
  void AppendKeyHello(const uint8_t key_id[kKeyIdBytes], Buffer* out);
  Status OnKeyHello(const Frame& frame, Buffer* wire_out, const char** why);

  const std::vector<NetworkKey>* keys_;
  bool initiator_;
  uint64_t max_records_;
  uint8_t ephemeral_secret_[kEphemeralBytes];
  uint8_t nonce_[kHandshakeNonceBytes];
  uint8_t own_hello_[kFrameHeaderBytes + kKeyHelloBytes];  // as sent, for the transcript
  // The initiator's key as its hello named it: a reload of the keys while the
  // exchange is under way does not change the key it finishes with. Wiped by
  // its destructor, or once the session keys are derived.
  NetworkKey initiator_key_;
  bool keyed_ = false;  // session keys derived
  bool confirmed_ = false;
  uint8_t send_key_[crypto::kChaChaKeyBytes] = {};
  uint8_t receive_key_[crypto::kChaChaKeyBytes] = {};
  uint64_t sent_ = 0;      // records sealed: the next one's number
  uint64_t received_ = 0;  // records opened
};

}  // namespace floodchat

#endif  // FLOODCHAT_CRYPTO_SESSION_H_
