// libFuzzer target: the keyed handshake as a node reads it (session.h). The
// input is what a peer sends on a new connection, to a node that accepted it
// or (first input byte odd) one that dialled it. Whatever the bytes, the
// session ends in a decision with a reason or waits for more; a responder
// answers with exactly one key hello or nothing; and no plaintext ever comes
// out, since nobody without the key can make a record that opens.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/keys.h"
#include "crypto/session.h"

namespace {

void Require(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floodchat;
  if (size < 1) return 0;
  static std::vector<NetworkKey> keys = [] {
    std::vector<NetworkKey> k(2);
    for (size_t i = 0; i < k.size(); ++i) {
      memset(k[i].secret, static_cast<int>(0x41 + i), kNetworkKeyBytes);
      DeriveKeyId(k[i].secret, k[i].id);
    }
    return k;
  }();
  const bool initiator = (data[0] & 1) != 0;
  uint8_t random[kSessionRandomBytes];
  memset(random, 0x5a, sizeof random);
  Session s(&keys, initiator, random);
  Buffer start, wire, plain, out;
  s.Start(&start);
  Require(initiator ? start.size() == kFrameHeaderBytes + kKeyHelloBytes : start.empty());
  // Fed in two pieces, split where the second byte says.
  size_t split = size > 1 ? data[1] % size : 0;
  const uint8_t* p = data + 1;
  size_t n = size - 1;
  if (split > n) split = n;
  const char* why = nullptr;
  Session::Status st = Session::Status::kOk;
  for (int piece = 0; piece < 2 && st == Session::Status::kOk; ++piece) {
    if (piece == 0) wire.Append(p, split);
    else wire.Append(p + split, n - split);
    st = s.Receive(&wire, MaxRecordLength(MaxFrameLength(1024)), &plain, &out, &why);
  }
  if (st != Session::Status::kOk) Require(why != nullptr || st == Session::Status::kPlainPeer);
  Require(plain.empty());
  Require(!s.Confirmed());
  Require(out.empty() || (!initiator && out.size() == kFrameHeaderBytes + kKeyHelloBytes));
  Require(!initiator || !s.CanSend());
  return 0;
}
