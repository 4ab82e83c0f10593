// The wire format. Everything a peer sends is a sequence of frames:
//
//   frame   := length:u32be  type:u8  payload[length - 1]
//
// `length` counts the type byte and the payload, so it is at least 1. Integers
// are big-endian. The first frame in each direction is a hello; after that any
// frame type may follow, and types this version does not know are skipped.
//
//   hello   := magic:"FLCH"  version:u8  node_id:u64be  nick_len:u8  nick
//              [extension bytes, ignored by this version]
//   message := id:16 bytes  hops:u8  hop_limit:u8  nick_len:u8  nick  text
//
// `hops` is the number of links the message has crossed when it arrives
// (1 at the origin's neighbours); `text` runs to the end of the frame and may
// hold any bytes. The man page's PROTOCOL section is written from this file.
#ifndef FLOODCHAT_FRAME_H_
#define FLOODCHAT_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "buffer.h"

namespace floodchat {

constexpr size_t kLengthBytes = 4;
constexpr size_t kTypeBytes = 1;
constexpr size_t kFrameHeaderBytes = kLengthBytes + kTypeBytes;

constexpr uint8_t kTypeHello = 0x01;
constexpr uint8_t kTypeMessage = 0x02;

constexpr uint8_t kHelloMagic[4] = {'F', 'L', 'C', 'H'};
constexpr uint8_t kProtocolVersion = 1;
constexpr size_t kMagicBytes = 4;
constexpr size_t kNodeIdBytes = 8;
constexpr size_t kNickLenBytes = 1;
constexpr size_t kHelloFixedBytes =
    kMagicBytes + 1 /* version */ + kNodeIdBytes + kNickLenBytes;
// A hello may carry extension bytes for later versions, up to this many.
constexpr size_t kMaxHelloExtensionBytes = 1024;

constexpr size_t kMessageIdBytes = 16;
constexpr size_t kHopsOffset = kMessageIdBytes;  // within the payload
constexpr size_t kMessageFixedBytes =
    kMessageIdBytes + 1 /* hops */ + 1 /* hop_limit */ + kNickLenBytes;

constexpr size_t kMaxNickBytes = 32;

// The largest `length` field accepted for a given largest message text.
// Anything longer is refused as soon as its 4-byte header arrives, before any
// of it is buffered.
constexpr size_t MaxFrameLength(size_t max_text_bytes) {
  size_t message = kTypeBytes + kMessageFixedBytes + kMaxNickBytes + max_text_bytes;
  size_t hello =
      kTypeBytes + kHelloFixedBytes + kMaxNickBytes + kMaxHelloExtensionBytes;
  return message > hello ? message : hello;
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
};

struct Message {
  MessageId id{};
  uint8_t hops = 0;
  uint8_t hop_limit = 0;
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

// Payload parsers: false and *why on a short payload, bad magic, bad version,
// a nick of the wrong length or a hop count out of range.
bool ParseHello(const Frame& frame, Hello* hello, const char** why);
bool ParseMessage(const Frame& frame, Message* message, const char** why);

// Encoders append one whole frame to `out`. The caller keeps nick within
// kMaxNickBytes; text may be any bytes.
void AppendHello(uint64_t node_id, std::string_view nick, Buffer* out);
void AppendMessage(const Message& message, Buffer* out);

// The big-endian helpers the codec is written with, exposed for tests.
void PutU32(uint8_t* p, uint32_t v);
uint32_t GetU32(const uint8_t* p);
void PutU64(uint8_t* p, uint64_t v);
uint64_t GetU64(const uint8_t* p);

}  // namespace floodchat

#endif  // FLOODCHAT_FRAME_H_
