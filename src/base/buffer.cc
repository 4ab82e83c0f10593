#include "base/buffer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace floodchat {

Buffer::~Buffer() { free(buf_); }

uint8_t* Buffer::Reserve(size_t n) {
  if (cap_ - end_ >= n) return buf_ + end_;
  // Slide the live bytes to the front first: peers consume from the head all
  // the time, and moving a short tail is cheaper than growing.
  size_t live = end_ - begin_;
  if (begin_ > 0) {
    memmove(buf_, buf_ + begin_, live);
    begin_ = 0;
    end_ = live;
    if (cap_ - end_ >= n) return buf_ + end_;
  }
  size_t want = cap_ ? cap_ : 4096;
  while (want - live < n) want *= 2;
  uint8_t* grown = static_cast<uint8_t*>(realloc(buf_, want));
  if (grown == nullptr) {
    fputs("floodchat: out of memory\n", stderr);
    abort();
  }
  buf_ = grown;
  cap_ = want;
  return buf_ + end_;
}

void Buffer::Append(const void* bytes, size_t n) {
  if (n == 0) return;
  memcpy(Reserve(n), bytes, n);
  end_ += n;
}

void Buffer::Consume(size_t n) {
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
}

void Buffer::Release(size_t keep_bytes) {
  if (begin_ == end_ && cap_ > keep_bytes) {
    free(buf_);
    buf_ = nullptr;
    cap_ = begin_ = end_ = 0;
  }
}

}  // namespace floodchat
