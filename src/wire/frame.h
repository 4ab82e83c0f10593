// The wire format. Everything a peer sends is a sequence of frames:
//
//   frame   := length:u32be  type:u8  payload[length - 1]
//
// `length` counts the type byte and the payload, so it is at least 1. Integers
// are big-endian. The first frame in each direction is a hello; after that any
// frame type may follow, and types this version does not know are skipped.
//
//   hello     := magic:"FLCH"  version:u8  node_id:u64be  nick_len:u8  nick
//                [listen_port:u16be  [more extension bytes, ignored]]
//   message   := id:16 bytes  hops:u8  hop_limit:u8  sent_ms:u64be  nick_len:u8  nick
//                text
//   presence  := the same payload as message; its text is an event
//                (presence/presence.h: joined, left, a new nick, alive)
//   addresses := flags:u8  count:u8  address[count]
//   full      := the same payload as addresses
//   address   := family:u8 (4 or 6)  ip:4 or 16 bytes  port:u16be
//   keepalive := flags:u8 (0)  [more bytes, ignored]
//
// `hops` is the number of links the message has crossed when it arrives
// (1 at the origin's neighbours); `sent_ms` is the origin's wall clock when it
// sent the message, milliseconds since 1970 (UTC); `text` runs to the end of
// the frame and may hold any bytes. `listen_port` is the port the sender accepts connections
// on (0 or absent: none); the receiver pairs it with the IP it sees the
// connection come from. An addresses frame offers other nodes to connect to;
// flag bit 0 asks the receiver to answer with its own. A node that refuses a
// connection because it is full sends a full frame instead of its hello, then
// closes. A keepalive says only that its sender is there: it is sent on a
// connection that has carried nothing for --keepalive seconds (transport.h);
// its flags are 0 and, like the bytes after them, ignored. In keyed mode (-k) these frames travel inside sealed records after
// a key exchange: session.h. The man page's PROTOCOL section is written from
// this file and that one.
#ifndef FLOODCHAT_WIRE_FRAME_H_
#define FLOODCHAT_WIRE_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "wire/address.h"
#include "base/buffer.h"
#include "base/endian.h"

namespace floodchat {

constexpr size_t kLengthBytes = 4;
constexpr size_t kTypeBytes = 1;
constexpr size_t kFrameHeaderBytes = kLengthBytes + kTypeBytes;

constexpr uint8_t kTypeHello = 0x01;
constexpr uint8_t kTypeMessage = 0x02;
constexpr uint8_t kTypeAddresses = 0x03;
constexpr uint8_t kTypeFull = 0x04;
// The first frame of a keyed node (session.h); an open node refuses it.
constexpr uint8_t kTypeKeyHello = 0x05;
// Relayed, deduplicated and hop-limited as messages are, from the same ID
// sequence, but shown as presence notices; nodes before it skip it.
constexpr uint8_t kTypePresence = 0x06;
// "Still here": handled by the transport, never seen by the policies.
constexpr uint8_t kTypeKeepalive = 0x07;

constexpr uint8_t kHelloMagic[4] = {'F', 'L', 'C', 'H'};
// 2: messages carry their send time. Nodes of other versions refuse each
// other's hellos.
constexpr uint8_t kProtocolVersion = 2;
constexpr size_t kMagicBytes = 4;
constexpr size_t kNodeIdBytes = 8;
constexpr size_t kNickLenBytes = 1;
constexpr size_t kHelloFixedBytes =
    kMagicBytes + 1 /* version */ + kNodeIdBytes + kNickLenBytes;
// A hello may carry extension bytes for later versions, up to this many.
constexpr size_t kMaxHelloExtensionBytes = 1024;

constexpr size_t kMessageIdBytes = 16;
constexpr size_t kHopsOffset = kMessageIdBytes;  // within the payload
constexpr size_t kSentOffset = kHopsOffset + 2;  // after hops and hop_limit
constexpr size_t kSentBytes = 8;
constexpr size_t kMessageFixedBytes =
    kMessageIdBytes + 1 /* hops */ + 1 /* hop_limit */ + kSentBytes + kNickLenBytes;

constexpr size_t kMaxNickBytes = 32;

constexpr size_t kListenPortBytes = 2;
constexpr uint8_t kAddressesAsk = 0x01;  // flags: "send me yours"
constexpr size_t kMaxAddressesPerFrame = 16;

// An anti-entropy summary frame's payload is at most this long
// (wire/summary.h).
constexpr size_t kMaxSummaryPayload = 4096;

// The largest `length` field accepted for a given largest message text.
// Anything longer is refused as soon as its 4-byte header arrives, before any
// of it is buffered.
constexpr size_t MaxFrameLength(size_t max_text_bytes) {
  // A message, or a repair frame around one (wire/summary.h).
  size_t message =
      kFrameHeaderBytes + kTypeBytes + kMessageFixedBytes + kMaxNickBytes + max_text_bytes;
  size_t hello =
      kTypeBytes + kHelloFixedBytes + kMaxNickBytes + kMaxHelloExtensionBytes;
  size_t summary = kTypeBytes + kMaxSummaryPayload;
  size_t most = message > hello ? message : hello;
  return most > summary ? most : summary;
}

struct MessageId {
  uint8_t bytes[kMessageIdBytes];
};

inline bool operator==(const MessageId& a, const MessageId& b) {
  return memcmp(a.bytes, b.bytes, kMessageIdBytes) == 0;
}

struct Hello {
  uint8_t version = kProtocolVersion;
  uint64_t node_id = 0;
  std::string_view nick;  // points into the decoded frame
  uint16_t listen_port = 0;  // 0: the sender does not listen (or did not say)
};

struct AddressList {
  uint8_t flags = 0;
  size_t count = 0;
  PeerAddress addresses[kMaxAddressesPerFrame];
};

struct Message {
  uint8_t type = kTypeMessage;  // or kTypePresence
  MessageId id{};
  uint8_t hops = 0;
  uint8_t hop_limit = 0;
  uint64_t sent_ms = 0;  // the origin's wall clock at sending, ms since 1970
  std::string_view nick;  // points into the decoded frame or the caller's data
  std::string_view text;
};

// One decoded frame; `payload` points into the caller's buffer and is valid
// until that buffer changes.
struct Frame {
  uint8_t type = 0;
  const uint8_t* payload = nullptr;
  size_t payload_size = 0;
  size_t wire_size = 0;  // header + payload: the bytes to consume
};

enum class DecodeStatus { kNeedMore, kFrame, kError };

// Looks at the start of `data` for one whole frame. Returns kNeedMore when the
// bytes end inside a frame, kFrame with *frame filled in, or kError with *why
// set when the length field is 0 or over `max_length` (it is checked as soon
// as the 4 length bytes are there). Never reads past `size`.
DecodeStatus DecodeFrame(const uint8_t* data, size_t size, size_t max_length,
                         Frame* frame, const char** why);

// True when `data` is a sequence of whole frames, each with a length of at
// least 1, and nothing else (an empty input is such a sequence). Reads only
// the length fields.
bool WholeFrames(const uint8_t* data, size_t size);

// Payload parsers: false and *why on a short payload, bad magic, bad version,
// a nick of the wrong length or a hop count out of range.
bool ParseHello(const Frame& frame, Hello* hello, const char** why);
// ParseMessage reads kTypeMessage and kTypePresence frames (and sets type).
bool ParseMessage(const Frame& frame, Message* message, const char** why);
// For kTypeAddresses and kTypeFull: false and *why on a short or overlong
// payload, more than kMaxAddressesPerFrame addresses or an unknown family.
bool ParseAddresses(const Frame& frame, AddressList* list, const char** why);

// The first plain frame of a connection: a hello, or on a connection this
// node dialled, a full frame refusing it. A keyed node's key hello
// (session.h) is kKeyed for a node without a key, which refuses it; `keyed`
// says this frame came out of a session's first record, where a key hello
// is an error. kError and *why for anything else, including a malformed
// hello or full frame, and a full frame on a connection this node accepted.
enum class Opening { kHello, kFull, kKeyed, kError };
Opening ParseOpening(const Frame& frame, bool dialled, bool keyed, Hello* hello,
                     AddressList* full, const char** why);

// Encoders append one whole frame to `out`. The caller keeps nick within
// kMaxNickBytes; text may be any bytes.
void AppendHello(uint64_t node_id, std::string_view nick, uint16_t listen_port, Buffer* out);
void AppendMessage(const Message& message, Buffer* out);
// `type` is kTypeAddresses or kTypeFull; count is at most
// kMaxAddressesPerFrame and every address has family 4 or 6.
void AppendAddresses(uint8_t type, uint8_t flags, const PeerAddress* addresses, size_t count,
                     Buffer* out);
void AppendKeepalive(uint8_t flags, Buffer* out);

}  // namespace floodchat

#endif  // FLOODCHAT_WIRE_FRAME_H_
