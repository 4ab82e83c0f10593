// libFuzzer target: the sealed-record opener (session.h). Two sessions past
// their key exchange (with fixed keys, so that no X25519 is paid per input);
// the input drives one of two checks.
//   first byte even: the input, after the key hellos, is what arrives
//     instead of records. Nothing may open: without the keys no record can.
//   first byte odd: the rest is cut into frames that the responder seals and
//     the initiator opens, fed in pieces of the size the second byte gives,
//     with one bit flipped where bytes 3-4 say (when they are not 0xffff).
//     Unflipped, exactly the frames come out; flipped, at most the records
//     before the damaged one, and never anything else.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "wire/frame.h"
#include "crypto/keys.h"
#include "crypto/session.h"

namespace {

void Require(bool ok) {
  if (!ok) abort();
}

using floodchat::Buffer;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floodchat;
  if (size < 4) return 0;
  static std::vector<NetworkKey> keys = [] {
    std::vector<NetworkKey> k(1);
    memset(k[0].secret, 0x33, kNetworkKeyBytes);
    DeriveKeyId(k[0].secret, k[0].id);
    return k;
  }();
  uint8_t k1[crypto::kChaChaKeyBytes], k2[crypto::kChaChaKeyBytes];
  memset(k1, 0x11, sizeof k1);
  memset(k2, 0x22, sizeof k2);
  std::unique_ptr<Session> initiator = Session::Established(&keys, true, k1, k2);
  std::unique_ptr<Session> responder = Session::Established(&keys, false, k2, k1);
  Session& i = *initiator;
  Session& r = *responder;
  Buffer to_i, plain, junk;
  const char* why = nullptr;
  const size_t max_record = MaxRecordLength(MaxFrameLength(4096));
  Require(r.CanSend() && !i.CanSend());

  if ((data[0] & 1) == 0) {
    // Junk, or records sealed under other keys: neither opens.
    std::unique_ptr<Session> stranger = Session::Established(&keys, false, k1, k1);
    to_i.Append(data + 1, size - 1);
    Buffer sealed;
    uint8_t frame[kLengthBytes + 1] = {0, 0, 0, 1, data[0]};
    Require(stranger->Seal(frame, sizeof frame, &sealed) == Session::SealStatus::kSealed);
    to_i.Append(sealed.data(), sealed.size());
    Session::Status st = i.Receive(&to_i, max_record, &plain, &junk, &why);
    Require(plain.empty() && !i.Confirmed());
    Require(st == Session::Status::kOk || why != nullptr);
    return 0;
  }

  size_t step = 1 + data[1];
  size_t flip = static_cast<size_t>(data[2]) << 8 | data[3];
  // Frames: each takes as many of the remaining bytes as its first byte
  // says (at least 1: the type).
  Buffer frames;
  for (size_t at = 4; at < size;) {
    size_t len = 1 + (data[at] % 200);
    if (len > size - at) len = size - at;
    uint8_t* w = frames.Reserve(kLengthBytes + len);
    PutU32(w, static_cast<uint32_t>(len));
    memcpy(w + kLengthBytes, data + at, len);
    frames.Commit(kLengthBytes + len);
    at += len;
  }
  Require(r.Seal(frames.data(), frames.size(), &to_i) == Session::SealStatus::kSealed);
  bool flipped = flip != 0xffff && flip < to_i.size();
  if (flipped) to_i.data()[flip] ^= static_cast<uint8_t>(1 << (data[1] & 7));
  Buffer wire;
  Session::Status st = Session::Status::kOk;
  for (size_t at = 0; at < to_i.size() && st == Session::Status::kOk; at += step) {
    size_t n = step < to_i.size() - at ? step : to_i.size() - at;
    wire.Append(to_i.data() + at, n);
    st = i.Receive(&wire, max_record, &plain, &junk, &why);
  }
  Require(plain.size() <= frames.size());
  Require(plain.empty() || memcmp(plain.data(), frames.data(), plain.size()) == 0);
  if (!flipped) {
    Require(st == Session::Status::kOk && plain.size() == frames.size() && wire.empty());
  } else {
    Require(plain.size() < frames.size());
  }
  return 0;
}
