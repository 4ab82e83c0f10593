// A growable byte queue: bytes are appended at the tail and consumed from the
// head. Used for peer input, peer output and stdout. It never shrinks below
// what it holds; Release() hands memory back once a burst has drained, so an
// idle node stays small.
#ifndef FLOODCHAT_BASE_BUFFER_H_
#define FLOODCHAT_BASE_BUFFER_H_

#include <cstddef>
#include <cstdint>

namespace floodchat {

class Buffer {
 public:
  Buffer() = default;
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  const uint8_t* data() const { return buf_ + begin_; }
  uint8_t* data() { return buf_ + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  size_t capacity() const { return cap_; }

  // Returns room for at least `n` more bytes at the tail; Commit() says how
  // many of them were written. Aborts the process if memory runs out (every
  // caller bounds `size() + n` first, so that means the machine is out).
  uint8_t* Reserve(size_t n);
  void Commit(size_t n) { end_ += n; }

  void Append(const void* bytes, size_t n);
  void AppendByte(uint8_t b) { *Reserve(1) = b; Commit(1); }

  // Drops `n` bytes from the head; n <= size().
  void Consume(size_t n);
  void Clear() { begin_ = end_ = 0; }

  // Frees the storage when the buffer is empty and holds more than
  // `keep_bytes` of capacity.
  void Release(size_t keep_bytes);

 private:
  uint8_t* buf_ = nullptr;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BASE_BUFFER_H_
