// The line editor used when stdin and stdout are a terminal: typed bytes in,
// the bytes that draw the input line and the finished lines out. No IO; the
// console writes what it appends to `screen` to stdout, in order with the
// messages it prints above the input line (Hide, print, Show).
//
// The input line is the prompt and the text typed so far, starting at column
// 0 of its own row and wrapping over as many rows as it needs. The editor
// remembers where on that area it left the cursor, so that Hide can move back
// to the area's first row and erase it; every change redraws the area whole
// (a few dozen bytes for a line typed by hand, and one redraw for each chunk
// of pasted text, not one for each byte).
//
// Keys: printable text is inserted at the cursor (UTF-8: the cursor moves by
// code point, with combining marks kept with the character before them, and
// East Asian wide characters take two columns); Enter (CR, LF or CR LF) ends
// the line; Left/Right, Home/End (and Ctrl-B/F/A/E), Alt-B/F or Ctrl-Left/
// Right by word; Backspace, Delete, Ctrl-D (on an empty line: the end of
// input), Ctrl-K/U/W (cut to the end, to the start, the word before), Alt-D
// (the word after), Ctrl-Y (paste what was cut last); Up/Down (and Ctrl-P/N)
// through the history; Ctrl-L clears the screen. A tab is kept and drawn as
// one space. Other control bytes and unknown escape sequences are ignored.
// Ctrl-C and Ctrl-Z are the terminal's signals, not keys.
#ifndef FLOODCHAT_CONSOLE_EDITOR_H_
#define FLOODCHAT_CONSOLE_EDITOR_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace floodchat {

class LineEditor {
 public:
  static constexpr size_t kDefaultHistory = 200;
  static constexpr int kDefaultColumns = 80;

  // A line holds at most `max_line` bytes: keys that would make it longer
  // are refused with the terminal's bell. The history keeps the last
  // `history` distinct lines.
  explicit LineEditor(size_t max_line, size_t history = kDefaultHistory);

  // What Feed reports, in the order typed.
  struct Events {
    virtual ~Events() = default;
    // A finished line. The input area is hidden when this is called: what the
    // callee appends to `screen` appears above the next prompt.
    virtual void Line(std::string_view line, std::string* screen) = 0;
    // Ctrl-D on an empty line. Feed stops there: the rest is not read.
    virtual void EndOfInput(std::string* screen) = 0;
  };

  // Handles typed bytes (any split: an escape sequence or a UTF-8 character
  // cut between two calls is completed by the next).
  void Feed(std::string_view bytes, std::string* screen, Events* events);

  // Erases the input area (the cursor ends at column 0 of its first row), so
  // that what is written next appears where the input was.
  void Hide(std::string* screen);
  // Draws the input area if it is hidden (at the cursor, which must be at
  // column 0 of a fresh row).
  void Show(std::string* screen);
  bool shown() const { return shown_; }
  // The screen was changed behind the editor's back (the process was
  // stopped and continued; the shell printed meanwhile): the cursor is taken
  // to be at column 0 of a fresh row, and the area is drawn there anew.
  void Forget(std::string* screen);

  // Redraws at once if shown.
  void SetPrompt(std::string_view prompt, std::string* screen);
  // The terminal's width; below 1 means unknown (kDefaultColumns).
  void SetColumns(int columns, std::string* screen);

  const std::string& text() const { return text_; }
  size_t cursor() const { return cursor_; }  // a byte offset into text()
  const std::deque<std::string>& history() const { return history_; }

 private:
  enum class Escape { kNone, kEsc, kCsi, kSs3 };
  // Where a column lands on the area: the row (0 is the first) and column.
  struct Cell {
    int row = 0;
    int column = 0;
  };

  void Key(unsigned char c, std::string* screen, Events* events, bool* stop);
  void EscapeByte(unsigned char c);
  void Sequence(char final_byte);
  void Insert(std::string_view bytes);
  void Erase(size_t from, size_t to, bool keep);
  void Recall(int step);
  size_t Next(size_t at) const;  // the offset after the character at `at`
  size_t Previous(size_t at) const;
  size_t WordLeft(size_t at) const;
  size_t WordRight(size_t at) const;
  void Draw(std::string* screen);
  // Appends the text as drawn and returns where the cursor cell is and where
  // the drawing ends.
  void Layout(std::string* drawn, Cell* cursor, Cell* end) const;

  size_t max_line_;
  size_t history_max_;
  std::string prompt_;
  std::string text_;
  size_t cursor_ = 0;
  std::string cut_;
  std::deque<std::string> history_;
  size_t recalled_ = 0;  // history_.size(): the line being typed
  std::string draft_;    // the line being typed, while another is recalled

  int columns_ = kDefaultColumns;
  bool shown_ = false;
  bool dirty_ = false;
  int cursor_row_ = 0;  // the cursor's row on the area as drawn

  Escape escape_ = Escape::kNone;
  std::string params_;  // of a CSI sequence
  bool after_cr_ = false;
  bool bell_ = false;
  size_t refuse_ = 0;  // continuation bytes of a character refused at the limit
};

// The number of columns a terminal gives the code point (0, 1 or 2), as
// wcwidth() would for the common cases: combining marks and zero-width
// characters 0, East Asian wide and fullwidth characters and emoji 2.
int ColumnsOf(uint32_t code_point);

}  // namespace floodchat

#endif  // FLOODCHAT_CONSOLE_EDITOR_H_
