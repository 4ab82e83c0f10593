// Splits the stdin byte stream into lines, with bounded memory.
//
// A line ends at LF; one CR before the LF is dropped. A line longer than
// `max_line` bytes (after the CR is dropped) is not delivered: the splitter
// stops buffering it, skips to its LF and reports its length instead, so a
// newline-free stream never grows memory past max_line + 1 bytes.
#ifndef FLOODCHAT_WIRE_LINES_H_
#define FLOODCHAT_WIRE_LINES_H_

#include <cstddef>
#include <cstring>
#include <string_view>

#include "base/buffer.h"

namespace floodchat {

struct LineEvent {
  bool too_long = false;
  std::string_view line;  // valid only during the callback; empty if too_long
  size_t length = 0;      // the line's length in bytes (also when too_long)
};

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line) : max_line_(max_line) {}

  // Calls on_line(const LineEvent&) for every line that `data` completes.
  template <typename F>
  void Feed(const char* data, size_t n, F&& on_line);

  // End of input: a last line without LF is delivered like any other.
  template <typename F>
  void Finish(F&& on_line);

  // Bytes of an unfinished line held now.
  size_t pending() const { return partial_.size(); }

 private:
  template <typename F>
  void Emit(const char* line, size_t length, F&& on_line);
  template <typename F>
  void Take(const char* data, size_t n, bool at_lf, F&& on_line);

  size_t max_line_;
  Buffer partial_;
  bool skipping_ = false;  // inside an overlong line
  size_t skipped_ = 0;     // its length so far
  bool skipped_cr_ = false;  // its last byte so far is a CR
};

template <typename F>
void LineSplitter::Emit(const char* line, size_t length, F&& on_line) {
  if (length > 0 && line[length - 1] == '\r') --length;
  LineEvent event;
  event.length = length;
  if (length > max_line_) {
    event.too_long = true;
  } else {
    event.line = std::string_view(line, length);
  }
  on_line(event);
}

// Takes `n` bytes of one line; `at_lf` says the line ends after them.
template <typename F>
void LineSplitter::Take(const char* data, size_t n, bool at_lf, F&& on_line) {
  if (!skipping_ && partial_.size() + n > max_line_ + 1) {
    // Over the bound even if the last byte turns out to be a CR: stop keeping
    // it. Its length is still counted for the error message.
    skipping_ = true;
    skipped_ = partial_.size();
    skipped_cr_ = !partial_.empty() && partial_.data()[partial_.size() - 1] == '\r';
    partial_.Clear();
  }
  if (skipping_) {
    skipped_ += n;
    if (n > 0) skipped_cr_ = data[n - 1] == '\r';
    if (!at_lf) return;
    LineEvent event;
    event.too_long = true;
    event.length = skipped_ - (skipped_cr_ ? 1 : 0);  // as for any line, without its CR
    skipping_ = false;
    skipped_ = 0;
    skipped_cr_ = false;
    on_line(event);
    return;
  }
  if (!at_lf) {
    partial_.Append(data, n);
    return;
  }
  if (partial_.empty()) {
    Emit(data, n, on_line);  // the common case: the whole line is in `data`
  } else {
    partial_.Append(data, n);
    Emit(reinterpret_cast<const char*>(partial_.data()), partial_.size(), on_line);
    partial_.Clear();
  }
}

template <typename F>
void LineSplitter::Feed(const char* data, size_t n, F&& on_line) {
  while (n > 0) {
    const char* lf = static_cast<const char*>(memchr(data, '\n', n));
    if (lf == nullptr) {
      Take(data, n, false, on_line);
      return;
    }
    size_t len = static_cast<size_t>(lf - data);
    Take(data, len, true, on_line);
    data += len + 1;
    n -= len + 1;
  }
}

template <typename F>
void LineSplitter::Finish(F&& on_line) {
  if (skipping_ || !partial_.empty()) Take("", 0, true, on_line);
}

}  // namespace floodchat

#endif  // FLOODCHAT_WIRE_LINES_H_
