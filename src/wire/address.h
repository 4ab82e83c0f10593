// A node's address as the mesh passes it around: an IPv4 or IPv6 address and
// a TCP port, as plain bytes. The wire codec, the address book and the
// platform layer all speak it; only the platform layer turns it into a socket
// address.
#ifndef FLOODCHAT_WIRE_ADDRESS_H_
#define FLOODCHAT_WIRE_ADDRESS_H_

#include <cstdint>
#include <cstring>

namespace floodchat {

struct PeerAddress {
  uint8_t family = 0;  // 4 or 6; 0 means "no address"
  uint8_t ip[16] = {};  // IPv4 uses the first 4 bytes, the rest are 0
  uint16_t port = 0;

  size_t ip_size() const { return family == 4 ? 4 : 16; }
};

inline bool operator==(const PeerAddress& a, const PeerAddress& b) {
  return a.family == b.family && a.port == b.port && memcmp(a.ip, b.ip, sizeof a.ip) == 0;
}
inline bool operator!=(const PeerAddress& a, const PeerAddress& b) { return !(a == b); }

// True for an address worth dialling: a port, and an IP that names one host
// (not the unspecified address, not multicast or broadcast). Loopback is
// allowed: nodes on one machine mesh over it.
inline bool IsDialable(const PeerAddress& a) {
  if (a.port == 0) return false;
  if (a.family == 4) {
    static const uint8_t kZero[4] = {0, 0, 0, 0};
    if (a.ip[0] == 0 || a.ip[0] >= 224) return false;  // 0/8, multicast, reserved, broadcast
    return memcmp(a.ip, kZero, 4) != 0;
  }
  if (a.family == 6) {
    static const uint8_t kZero[16] = {};
    if (memcmp(a.ip, kZero, 16) == 0) return false;  // ::
    return a.ip[0] != 0xff;                          // multicast
  }
  return false;
}

}  // namespace floodchat

#endif  // FLOODCHAT_WIRE_ADDRESS_H_
