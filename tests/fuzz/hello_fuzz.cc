// libFuzzer target: the handshake as the node reads it. The input is what a
// peer sends on a new connection; the first frame goes through ParseOpening
// (dialled or accepted, chosen by the first input byte), the frames after a
// hello through the parsers the live connection uses. Whatever the bytes,
// each step ends in a decision with a reason, and a full frame only ever
// ends a connection this node dialled.
#include <cstdlib>

#include "wire/frame.h"

namespace {

void Require(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floodchat;
  if (size < 1) return 0;
  const bool dialled = (data[0] & 1) != 0;
  const uint8_t* p = data + 1;
  size_t n = size - 1;
  const size_t max = MaxFrameLength(1024);
  bool live = false;
  while (n > 0) {
    Frame f;
    const char* why = nullptr;
    DecodeStatus st = DecodeFrame(p, n, max, &f, &why);
    if (st == DecodeStatus::kNeedMore) return 0;  // waits for the handshake timeout
    if (st == DecodeStatus::kError) {
      Require(why != nullptr);
      return 0;
    }
    if (!live) {
      Hello h;
      AddressList full;
      Opening o = ParseOpening(f, dialled, false, &h, &full, &why);
      if (o == Opening::kError) {
        Require(why != nullptr);
        return 0;
      }
      if (o == Opening::kKeyed) {
        Require(f.type == kTypeKeyHello && why != nullptr);
        return 0;  // a keyed peer: refused, closed
      }
      if (o == Opening::kFull) {
        Require(dialled && full.count <= kMaxAddressesPerFrame);
        return 0;  // the node closes after a full frame
      }
      Require(f.type == kTypeHello && h.version == kProtocolVersion);
      Require(!h.nick.empty() && h.nick.size() <= kMaxNickBytes);
      Require(h.nick.data() >= reinterpret_cast<const char*>(p) &&
              h.nick.data() + h.nick.size() <= reinterpret_cast<const char*>(p + f.wire_size));
      live = true;
    } else if (f.type == kTypeHello || f.type == kTypeFull) {
      return 0;  // a second opening: protocol error, closed
    } else if (f.type == kTypeMessage) {
      Message m;
      if (!ParseMessage(f, &m, &why)) return 0;
      Require(m.text.data() + m.text.size() <= reinterpret_cast<const char*>(p + f.wire_size));
    } else if (f.type == kTypeAddresses) {
      AddressList list;
      if (!ParseAddresses(f, &list, &why)) return 0;
      for (size_t i = 0; i < list.count; ++i)
        Require(list.addresses[i].family == 4 || list.addresses[i].family == 6);
    }
    p += f.wire_size;
    n -= f.wire_size;
  }
  return 0;
}
