#include "wire/frame.h"

#include <cstring>

namespace floodchat {

DecodeStatus DecodeFrame(const uint8_t* data, size_t size, size_t max_length,
                         Frame* frame, const char** why) {
  if (size < kLengthBytes) return DecodeStatus::kNeedMore;
  uint32_t length = GetU32(data);
  if (length == 0) {
    *why = "frame with no type byte";
    return DecodeStatus::kError;
  }
  if (length > max_length) {
    *why = "frame longer than the limit";
    return DecodeStatus::kError;
  }
  if (size - kLengthBytes < length) return DecodeStatus::kNeedMore;
  frame->type = data[kLengthBytes];
  frame->payload = data + kFrameHeaderBytes;
  frame->payload_size = length - kTypeBytes;
  frame->wire_size = kLengthBytes + length;
  return DecodeStatus::kFrame;
}

bool WholeFrames(const uint8_t* data, size_t size) {
  size_t at = 0;
  while (at < size) {
    if (size - at < kLengthBytes) return false;
    uint32_t length = GetU32(data + at);
    if (length == 0 || size - at - kLengthBytes < length) return false;
    at += kLengthBytes + length;
  }
  return true;
}

bool ParseHello(const Frame& frame, Hello* hello, const char** why) {
  const uint8_t* p = frame.payload;
  size_t n = frame.payload_size;
  if (n < kHelloFixedBytes) {
    *why = "short hello";
    return false;
  }
  if (memcmp(p, kHelloMagic, kMagicBytes) != 0) {
    *why = "bad magic: not a floodchat peer";
    return false;
  }
  hello->version = p[kMagicBytes];
  if (hello->version != kProtocolVersion) {
    *why = "unsupported protocol version";
    return false;
  }
  hello->node_id = GetU64(p + kMagicBytes + 1);
  size_t nick_len = p[kHelloFixedBytes - kNickLenBytes];
  if (nick_len == 0 || nick_len > kMaxNickBytes) {
    *why = "bad nick length in hello";
    return false;
  }
  if (n - kHelloFixedBytes < nick_len) {
    *why = "short hello";
    return false;
  }
  if (n - kHelloFixedBytes - nick_len > kMaxHelloExtensionBytes) {
    *why = "hello too long";
    return false;
  }
  hello->nick = std::string_view(
      reinterpret_cast<const char*>(p + kHelloFixedBytes), nick_len);
  size_t extension = n - kHelloFixedBytes - nick_len;
  const uint8_t* ext = p + kHelloFixedBytes + nick_len;
  hello->listen_port = extension >= kListenPortBytes
                           ? GetU16(ext)
                           : 0;
  return true;
}

bool ParseMessage(const Frame& frame, Message* message, const char** why) {
  const uint8_t* p = frame.payload;
  size_t n = frame.payload_size;
  if (n < kMessageFixedBytes) {
    *why = "short message";
    return false;
  }
  message->type = frame.type;
  memcpy(message->id.bytes, p, kMessageIdBytes);
  message->hops = p[kHopsOffset];
  message->hop_limit = p[kHopsOffset + 1];
  message->sent_ms = GetU64(p + kSentOffset);
  if (message->hops == 0 || message->hops > message->hop_limit) {
    *why = "hop count out of range";
    return false;
  }
  size_t nick_len = p[kMessageFixedBytes - kNickLenBytes];
  if (nick_len == 0 || nick_len > kMaxNickBytes) {
    *why = "bad nick length in message";
    return false;
  }
  if (n - kMessageFixedBytes < nick_len) {
    *why = "short message";
    return false;
  }
  const char* nick = reinterpret_cast<const char*>(p + kMessageFixedBytes);
  message->nick = std::string_view(nick, nick_len);
  message->text = std::string_view(nick + nick_len, n - kMessageFixedBytes - nick_len);
  return true;
}

Opening ParseOpening(const Frame& frame, bool dialled, bool keyed, Hello* hello,
                     AddressList* full, const char** why) {
  if (frame.type == kTypeFull && dialled)
    return ParseAddresses(frame, full, why) ? Opening::kFull : Opening::kError;
  if (frame.type == kTypeKeyHello && keyed) {
    *why = "a key hello inside the session";
    return Opening::kError;
  }
  if (frame.type == kTypeKeyHello) {
    *why = "the peer uses a network key (-k) and this node has none";
    return Opening::kKeyed;
  }
  if (frame.type != kTypeHello) {
    *why = "first frame is not a hello";
    return Opening::kError;
  }
  return ParseHello(frame, hello, why) ? Opening::kHello : Opening::kError;
}

void AppendHello(uint64_t node_id, std::string_view nick, uint16_t listen_port, Buffer* out) {
  size_t length = kTypeBytes + kHelloFixedBytes + nick.size() + kListenPortBytes;
  uint8_t* p = out->Reserve(kLengthBytes + length);
  PutU32(p, static_cast<uint32_t>(length));
  p[kLengthBytes] = kTypeHello;
  p += kFrameHeaderBytes;
  memcpy(p, kHelloMagic, kMagicBytes);
  p[kMagicBytes] = kProtocolVersion;
  PutU64(p + kMagicBytes + 1, node_id);
  p[kHelloFixedBytes - kNickLenBytes] = static_cast<uint8_t>(nick.size());
  memcpy(p + kHelloFixedBytes, nick.data(), nick.size());
  PutU16(p + kHelloFixedBytes + nick.size(), listen_port);
  out->Commit(kLengthBytes + length);
}

void AppendMessage(const Message& m, Buffer* out) {
  size_t length = kTypeBytes + kMessageFixedBytes + m.nick.size() + m.text.size();
  uint8_t* p = out->Reserve(kLengthBytes + length);
  PutU32(p, static_cast<uint32_t>(length));
  p[kLengthBytes] = m.type;
  p += kFrameHeaderBytes;
  memcpy(p, m.id.bytes, kMessageIdBytes);
  p[kHopsOffset] = m.hops;
  p[kHopsOffset + 1] = m.hop_limit;
  PutU64(p + kSentOffset, m.sent_ms);
  p[kMessageFixedBytes - kNickLenBytes] = static_cast<uint8_t>(m.nick.size());
  p += kMessageFixedBytes;
  memcpy(p, m.nick.data(), m.nick.size());
  if (!m.text.empty()) memcpy(p + m.nick.size(), m.text.data(), m.text.size());
  out->Commit(kLengthBytes + length);
}

namespace {

constexpr size_t kAddressesFixedBytes = 2;  // flags, count

size_t AddressWireBytes(uint8_t family) { return 1 + (family == 4 ? 4 : 16) + 2; }

}  // namespace

bool ParseAddresses(const Frame& frame, AddressList* list, const char** why) {
  const uint8_t* p = frame.payload;
  size_t n = frame.payload_size;
  if (n < kAddressesFixedBytes) {
    *why = "short address list";
    return false;
  }
  list->flags = p[0];
  list->count = p[1];
  if (list->count > kMaxAddressesPerFrame) {
    *why = "too many addresses in a list";
    return false;
  }
  size_t at = kAddressesFixedBytes;
  for (size_t i = 0; i < list->count; ++i) {
    if (at >= n) {
      *why = "short address list";
      return false;
    }
    uint8_t family = p[at];
    if (family != 4 && family != 6) {
      *why = "unknown address family";
      return false;
    }
    if (n - at < AddressWireBytes(family)) {
      *why = "short address list";
      return false;
    }
    PeerAddress& a = list->addresses[i];
    a = PeerAddress();
    a.family = family;
    memcpy(a.ip, p + at + 1, a.ip_size());
    const uint8_t* port = p + at + 1 + a.ip_size();
    a.port = GetU16(port);
    at += AddressWireBytes(family);
  }
  if (at != n) {
    *why = "bytes after an address list";
    return false;
  }
  return true;
}

void AppendAddresses(uint8_t type, uint8_t flags, const PeerAddress* addresses, size_t count,
                     Buffer* out) {
  size_t length = kTypeBytes + kAddressesFixedBytes;
  for (size_t i = 0; i < count; ++i) length += AddressWireBytes(addresses[i].family);
  uint8_t* p = out->Reserve(kLengthBytes + length);
  PutU32(p, static_cast<uint32_t>(length));
  p[kLengthBytes] = type;
  p += kFrameHeaderBytes;
  p[0] = flags;
  p[1] = static_cast<uint8_t>(count);
  p += kAddressesFixedBytes;
  for (size_t i = 0; i < count; ++i) {
    const PeerAddress& a = addresses[i];
    p[0] = a.family;
    memcpy(p + 1, a.ip, a.ip_size());
    PutU16(p + 1 + a.ip_size(), a.port);
    p += AddressWireBytes(a.family);
  }
  out->Commit(kLengthBytes + length);
}

void AppendKeepalive(uint8_t flags, Buffer* out) {
  uint8_t* p = out->Reserve(kFrameHeaderBytes + 1);
  PutU32(p, kTypeBytes + 1);
  p[kLengthBytes] = kTypeKeepalive;
  p[kFrameHeaderBytes] = flags;
  out->Commit(kFrameHeaderBytes + 1);
}

}  // namespace floodchat
