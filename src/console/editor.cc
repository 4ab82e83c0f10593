#include "console/editor.h"

#include <cstdio>

#include "console/format.h"

namespace floodchat {

namespace {

// The code point at p[0..n) and its length, or -1 for bytes that are not
// well-formed UTF-8 (with *length the ill-formed prefix's).
long Decode(const unsigned char* p, size_t n, size_t* length) {
  bool valid = false;
  *length = Utf8Sequence(p, n, &valid);
  if (!valid) return -1;
  static const unsigned char kLeadMask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
  long cp = p[0] & kLeadMask[*length];
  for (size_t i = 1; i < *length; ++i) cp = (cp << 6) | (p[i] & 0x3f);
  return cp;
}

// The length of the UTF-8 sequence a lead byte starts (1 for anything else).
size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

void AppendNumber(std::string* s, const char* before, int n, const char* after) {
  char text[32];
  snprintf(text, sizeof text, "%s%d%s", before, n, after);
  *s += text;
}

}  // namespace

LineEditor::LineEditor(size_t max_line, size_t history)
    : max_line_(max_line), history_max_(history) {}

// ---- characters ------------------------------------------------------------------

size_t LineEditor::Next(size_t at) const {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text_.data());
  size_t n = text_.size();
  if (at >= n) return n;
  size_t length = 0;
  Decode(p + at, n - at, &length);
  at += length;
  // Combining marks and other zero-width code points stay with the character
  // before them.
  while (at < n) {
    long cp = Decode(p + at, n - at, &length);
    if (cp < 0 || ColumnsOf(static_cast<uint32_t>(cp)) != 0) break;
    at += length;
  }
  return at;
}

size_t LineEditor::Previous(size_t at) const {
  size_t before = 0;
  for (size_t i = 0; i < at;) {
    before = i;
    i = Next(i);
  }
  return before;
}

size_t LineEditor::WordLeft(size_t at) const {
  while (at > 0 && IsSpace(text_[at - 1])) --at;
  while (at > 0 && !IsSpace(text_[at - 1])) --at;
  return at;
}

size_t LineEditor::WordRight(size_t at) const {
  size_t n = text_.size();
  while (at < n && IsSpace(text_[at])) ++at;
  while (at < n && !IsSpace(text_[at])) ++at;
  return at;
}

// ---- editing -----------------------------------------------------------------------

void LineEditor::Insert(std::string_view bytes) {
  if (bytes.empty()) return;
  if (text_.size() + bytes.size() > max_line_) {
    bell_ = true;
    return;
  }
  text_.insert(cursor_, bytes.data(), bytes.size());
  cursor_ += bytes.size();
  dirty_ = true;
}

void LineEditor::Erase(size_t from, size_t to, bool keep) {
  if (from >= to) return;
  if (keep) cut_ = text_.substr(from, to - from);
  text_.erase(from, to - from);
  cursor_ = from;
  dirty_ = true;
}

void LineEditor::Recall(int step) {
  if (step < 0) {
    if (recalled_ == 0) return;
    if (recalled_ == history_.size()) draft_ = text_;
    --recalled_;
    text_ = history_[recalled_];
  } else {
    if (recalled_ >= history_.size()) return;
    ++recalled_;
    text_ = recalled_ == history_.size() ? draft_ : history_[recalled_];
  }
  cursor_ = text_.size();
  dirty_ = true;
}

void LineEditor::Feed(std::string_view bytes, std::string* screen, Events* events) {
  bool stop = false;
  for (size_t i = 0; i < bytes.size() && !stop; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (escape_ != Escape::kNone) {
      // A control byte inside a sequence ends it and is a key of its own.
      if (c >= 0x20 || c == 0x1b) {
        EscapeByte(c);
        continue;
      }
      escape_ = Escape::kNone;
    }
    if (refuse_ > 0 && c >= 0x80 && c <= 0xbf) {
      --refuse_;
      continue;
    }
    refuse_ = 0;
    if (SequenceLength(c) > 1 && text_.size() + SequenceLength(c) > max_line_) {
      // The whole character would not fit: its lead byte is refused, and so
      // are the bytes that follow it.
      bell_ = true;
      refuse_ = SequenceLength(c) - 1;
      continue;
    }
    Key(c, screen, events, &stop);
  }
  if (bell_) {
    *screen += '\a';
    bell_ = false;
  }
  if (dirty_ && shown_) Draw(screen);
}

void LineEditor::Key(unsigned char c, std::string* screen, Events* events, bool* stop) {
  bool cr = c == '\r';
  if (c == '\n' && after_cr_) {
    after_cr_ = false;
    return;
  }
  after_cr_ = cr;
  switch (c) {
    case '\r':
    case '\n': {
      std::string line;
      line.swap(text_);
      cursor_ = 0;
      if (!line.empty() && (history_.empty() || history_.back() != line)) {
        history_.push_back(line);
        if (history_.size() > history_max_) history_.pop_front();
      }
      recalled_ = history_.size();
      draft_.clear();
      Hide(screen);
      dirty_ = true;
      events->Line(line, screen);
      return;
    }
    case 0x01:  // Ctrl-A
      cursor_ = 0;
      dirty_ = true;
      return;
    case 0x02:  // Ctrl-B
      cursor_ = Previous(cursor_);
      dirty_ = true;
      return;
    case 0x04:  // Ctrl-D
      if (text_.empty()) {
        Hide(screen);
        *stop = true;
        events->EndOfInput(screen);
        return;
      }
      Erase(cursor_, Next(cursor_), false);
      return;
    case 0x05:  // Ctrl-E
      cursor_ = text_.size();
      dirty_ = true;
      return;
    case 0x06:  // Ctrl-F
      cursor_ = Next(cursor_);
      dirty_ = true;
      return;
    case 0x08:  // Ctrl-H
    case 0x7f:  // Backspace
      Erase(Previous(cursor_), cursor_, false);
      return;
    case '\t':
      Insert("\t");
      return;
    case 0x0b:  // Ctrl-K
      Erase(cursor_, text_.size(), true);
      return;
    case 0x0c:  // Ctrl-L
      *screen += "\x1b[H\x1b[2J";
      shown_ = false;
      cursor_row_ = 0;
      dirty_ = true;
      Show(screen);
      return;
    case 0x0e:  // Ctrl-N
      Recall(+1);
      return;
    case 0x10:  // Ctrl-P
      Recall(-1);
      return;
    case 0x15:  // Ctrl-U
      Erase(0, cursor_, true);
      return;
    case 0x17:  // Ctrl-W
      Erase(WordLeft(cursor_), cursor_, true);
      return;
    case 0x19:  // Ctrl-Y
      Insert(cut_);
      return;
    case 0x1b:
      escape_ = Escape::kEsc;
      return;
    default:
      break;
  }
  if (c < 0x20) return;  // other controls: nothing
  char byte = static_cast<char>(c);
  Insert(std::string_view(&byte, 1));
}

void LineEditor::EscapeByte(unsigned char c) {
  switch (escape_) {
    case Escape::kEsc:
      escape_ = Escape::kNone;
      switch (c) {
        case '[':
          escape_ = Escape::kCsi;
          params_.clear();
          return;
        case 'O':
          escape_ = Escape::kSs3;
          params_.clear();
          return;
        case 0x1b:
          escape_ = Escape::kEsc;
          return;
        case 'b':
        case 'B':
          cursor_ = WordLeft(cursor_);
          dirty_ = true;
          return;
        case 'f':
        case 'F':
          cursor_ = WordRight(cursor_);
          dirty_ = true;
          return;
        case 'd':
        case 'D':
          Erase(cursor_, WordRight(cursor_), true);
          return;
        case 0x7f:
        case 0x08:
          Erase(WordLeft(cursor_), cursor_, true);
          return;
        default:
          return;  // Alt with another key: nothing
      }
    case Escape::kCsi:
      if (c >= 0x40 && c <= 0x7e) {
        escape_ = Escape::kNone;
        Sequence(static_cast<char>(c));
      } else if (c >= 0x30 && c <= 0x3f && params_.size() < 16) {
        params_ += static_cast<char>(c);
      }
      return;  // intermediate bytes, and parameters beyond 16 bytes: ignored
    case Escape::kSs3:
      escape_ = Escape::kNone;
      Sequence(static_cast<char>(c));
      return;
    case Escape::kNone:
      return;
  }
}

void LineEditor::Sequence(char final_byte) {
  // "1;5C" is Ctrl-Right, "1;3C" Alt-Right: both move by word.
  bool word = params_.find(";5") != std::string::npos || params_.find(";3") != std::string::npos;
  switch (final_byte) {
    case 'A':
      Recall(-1);
      return;
    case 'B':
      Recall(+1);
      return;
    case 'C':
      cursor_ = word ? WordRight(cursor_) : Next(cursor_);
      break;
    case 'D':
      cursor_ = word ? WordLeft(cursor_) : Previous(cursor_);
      break;
    case 'H':
      cursor_ = 0;
      break;
    case 'F':
      cursor_ = text_.size();
      break;
    case '~':
      if (params_ == "1" || params_ == "7") {
        cursor_ = 0;
      } else if (params_ == "4" || params_ == "8") {
        cursor_ = text_.size();
      } else if (params_ == "3") {
        Erase(cursor_, Next(cursor_), false);
      }
      break;  // others (the paste brackets 200~ and 201~ among them): nothing
    default:
      return;
  }
  dirty_ = true;
}

// ---- drawing --------------------------------------------------------------------------

void LineEditor::Layout(std::string* drawn, Cell* cursor, Cell* end) const {
  int row = 0, column = 0;
  auto place = [&](std::string_view bytes, int width) {
    if (width > 0 && column + width > columns_ && column > 0) {
      ++row;
      column = 0;
    }
    *drawn += bytes;
    column += width;
  };
  auto draw = [&](const std::string& s, size_t mark) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
    for (size_t at = 0; at <= s.size();) {
      if (at == mark) {
        // The cursor is where the next character goes: past a full row, the
        // start of the next.
        *cursor = column >= columns_ ? Cell{row + 1, 0} : Cell{row, column};
      }
      if (at == s.size()) break;
      size_t length = 0;
      long cp = Decode(p + at, s.size() - at, &length);
      if (cp < 0) {
        place("\xef\xbf\xbd", 1);  // U+FFFD for bytes that are not UTF-8
      } else if (cp == '\t') {
        place(" ", 1);
      } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
        place("?", 1);
      } else {
        place(std::string_view(s.data() + at, length), ColumnsOf(static_cast<uint32_t>(cp)));
      }
      at += length;
    }
  };
  draw(prompt_, std::string::npos);
  draw(text_, cursor_);
  if (column >= columns_) {
    // The last row is full: the terminal waits to wrap; CR LF starts the
    // next row, where the cursor of a line typed to the end belongs.
    *drawn += "\r\n";
    ++row;
    column = 0;
  }
  *end = Cell{row, column};
}

void LineEditor::Draw(std::string* screen) {
  Hide(screen);
  std::string drawn;
  Cell cursor, end;
  Layout(&drawn, &cursor, &end);
  *screen += drawn;
  if (end.row > cursor.row) AppendNumber(screen, "\x1b[", end.row - cursor.row, "A");
  if (end.column != cursor.column) {
    *screen += '\r';
    if (cursor.column > 0) AppendNumber(screen, "\x1b[", cursor.column, "C");
  }
  cursor_row_ = cursor.row;
  shown_ = true;
  dirty_ = false;
}

void LineEditor::Hide(std::string* screen) {
  if (!shown_) return;
  *screen += '\r';
  if (cursor_row_ > 0) AppendNumber(screen, "\x1b[", cursor_row_, "A");
  *screen += "\x1b[J";
  shown_ = false;
  cursor_row_ = 0;
}

void LineEditor::Show(std::string* screen) {
  if (!shown_) Draw(screen);
}

void LineEditor::Forget(std::string* screen) {
  shown_ = false;
  cursor_row_ = 0;
  Draw(screen);
}

void LineEditor::SetPrompt(std::string_view prompt, std::string* screen) {
  prompt_ = std::string(prompt);
  if (shown_) Draw(screen);
}

void LineEditor::SetColumns(int columns, std::string* screen) {
  if (columns < 1) columns = kDefaultColumns;
  if (columns == columns_) return;
  columns_ = columns;
  if (shown_) Draw(screen);
}

}  // namespace floodchat
