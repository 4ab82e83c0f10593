// The parts of the platform layer that are the same for POSIX and Winsock:
// name resolution with getaddrinfo, and the socket-address conversions (both
// use sockaddr_in and sockaddr_in6 with the same fields).
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#include <cstdio>
#include <cstring>

#include "net/net.h"

namespace floodchat {
namespace net {

namespace {

const sockaddr* AsSockaddr(const Address& a) {
  return reinterpret_cast<const sockaddr*>(a.bytes);
}

}  // namespace

bool Resolve(const std::string& host, uint16_t port, bool passive,
             std::vector<Address>* out, std::string* error) {
  addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  char service[8];
  snprintf(service, sizeof service, "%u", static_cast<unsigned>(port));
  addrinfo* list = nullptr;
  int rc = getaddrinfo(host.c_str(), service, &hints, &list);
  if (rc != 0) {
    *error = ResolveErrorText(rc);
    return false;
  }
  out->clear();
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(Address::bytes)) continue;
    Address a;
    memcpy(a.bytes, ai->ai_addr, ai->ai_addrlen);
    a.size = static_cast<unsigned>(ai->ai_addrlen);
    out->push_back(a);
  }
  freeaddrinfo(list);
  if (out->empty()) {
    *error = "no usable address";
    return false;
  }
  return true;
}

std::string AddressText(const Address& a) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  const sockaddr* sa = AsSockaddr(a);
  if (sa->sa_family == AF_INET) {
    const sockaddr_in* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  if (sa->sa_family == AF_INET6) {
    const sockaddr_in6* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  return "?";
}

bool ToPeerAddress(const Address& a, PeerAddress* out) {
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const sockaddr* sa = AsSockaddr(a);
  *out = PeerAddress();
  if (sa->sa_family == AF_INET) {
    const sockaddr_in* in = reinterpret_cast<const sockaddr_in*>(sa);
    out->family = 4;
    memcpy(out->ip, &in->sin_addr, 4);
    out->port = ntohs(in->sin_port);
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    const sockaddr_in6* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    const uint8_t* ip = reinterpret_cast<const uint8_t*>(&in6->sin6_addr);
    if (memcmp(ip, kMapped, sizeof kMapped) == 0) {
      out->family = 4;
      memcpy(out->ip, ip + 12, 4);
    } else {
      out->family = 6;
      memcpy(out->ip, ip, 16);
    }
    out->port = ntohs(in6->sin6_port);
    return true;
  }
  return false;
}

Address FromPeerAddress(const PeerAddress& p) {
  Address a;
  memset(a.bytes, 0, sizeof a.bytes);
  if (p.family == 4) {
    sockaddr_in* in = reinterpret_cast<sockaddr_in*>(a.bytes);
    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, p.ip, 4);
    in->sin_port = htons(p.port);
    a.size = sizeof(sockaddr_in);
  } else {
    sockaddr_in6* in6 = reinterpret_cast<sockaddr_in6*>(a.bytes);
    in6->sin6_family = AF_INET6;
    memcpy(&in6->sin6_addr, p.ip, 16);
    in6->sin6_port = htons(p.port);
    a.size = sizeof(sockaddr_in6);
  }
  return a;
}

}  // namespace net
}  // namespace floodchat
