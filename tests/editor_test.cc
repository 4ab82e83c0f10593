// The line editor on byte strings: keys in, state and screen bytes out. The
// screen bytes are checked by playing them on a small model of a terminal
// (the few sequences the editor writes); the end-to-end tests in a real
// pseudo-terminal read the screen through pyte, an emulator written
// elsewhere.
#include "console/editor.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace floodchat {
namespace {

struct Recorder : LineEditor::Events {
  std::vector<std::string> lines;
  int ends = 0;
  void Line(std::string_view line, std::string* screen) override {
    lines.emplace_back(line);
    // What the console does: the line appears above the prompt.
    *screen += "> ";
    *screen += std::string(line);
    *screen += "\r\n";
  }
  void EndOfInput(std::string*) override { ++ends; }
};

// A terminal of `columns` by `rows` cells that knows printable ASCII, CR, LF,
// BEL, ESC[nA, ESC[nC, ESC[J, ESC[H and ESC[2J, with the pending wrap of a
// real terminal: a character written in the last column leaves the cursor
// there until the next one. Anything else fails the test.
class Screen {
 public:
  Screen(int columns, int rows) : columns_(columns), cells_(rows, std::string(columns, ' ')) {}

  void Play(const std::string& bytes) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      char c = bytes[i];
      if (c == '\r') {
        x_ = 0;
        pending_ = false;
      } else if (c == '\n') {
        LineFeed();
        pending_ = false;
      } else if (c == '\a') {
        ++bells;
      } else if (c == '\x1b') {
        ASSERT_LT(i + 1, bytes.size());
        ASSERT_EQ(bytes[i + 1], '[') << "at " << i;
        size_t j = i + 2;
        int n = 0;
        bool digits = false;
        while (j < bytes.size() && bytes[j] >= '0' && bytes[j] <= '9') {
          n = n * 10 + (bytes[j++] - '0');
          digits = true;
        }
        ASSERT_LT(j, bytes.size());
        char f = bytes[j];
        pending_ = false;
        if (f == 'A') {
          y_ -= digits ? n : 1;
          ASSERT_GE(y_, 0);
        } else if (f == 'C') {
          x_ += digits ? n : 1;
          if (x_ > columns_ - 1) x_ = columns_ - 1;
        } else if (f == 'J' && n == 2) {
          for (auto& row : cells_) row.assign(columns_, ' ');
        } else if (f == 'J') {
          cells_[y_].replace(x_, columns_ - x_, columns_ - x_, ' ');
          for (size_t r = y_ + 1; r < cells_.size(); ++r) cells_[r].assign(columns_, ' ');
        } else if (f == 'H') {
          x_ = y_ = 0;
        } else {
          FAIL() << "unexpected sequence ending in " << f;
        }
        i = j;
      } else {
        ASSERT_GE(static_cast<unsigned char>(c), 0x20) << "control byte " << int(c);
        if (pending_) {
          x_ = 0;
          LineFeed();
          pending_ = false;
        }
        cells_[y_][x_] = c;
        if (x_ == columns_ - 1) {
          pending_ = true;
        } else {
          ++x_;
        }
      }
    }
  }

  std::string Row(int y) const { return cells_[y]; }
  int x() const { return x_; }
  int y() const { return y_; }
  int bells = 0;

 private:
  void LineFeed() {
    if (y_ + 1 < static_cast<int>(cells_.size())) {
      ++y_;
    } else {
      cells_.erase(cells_.begin());
      cells_.emplace_back(columns_, ' ');
      ++scrolled;
    }
  }

 public:
  int scrolled = 0;

 private:
  int columns_;
  std::vector<std::string> cells_;
  int x_ = 0, y_ = 0;
  bool pending_ = false;
};

// Feeds `keys` one byte at a time, as a slow typist would.
void Type(LineEditor* e, const std::string& keys, std::string* screen, Recorder* r) {
  for (char c : keys) e->Feed(std::string_view(&c, 1), screen, r);
}

TEST(Editor, TypingInsertsAtTheCursorAndEnterEndsTheLine) {
  LineEditor e(100);
  Recorder r;
  std::string screen;
  e.Show(&screen);
  e.Feed("helo\x1b[D", &screen, &r);
  e.Feed("l", &screen, &r);
  EXPECT_EQ(e.text(), "hello");
  EXPECT_EQ(e.cursor(), 4u);
  e.Feed("\r", &screen, &r);
  EXPECT_EQ(r.lines, std::vector<std::string>{"hello"});
  EXPECT_EQ(e.text(), "");
}

TEST(Editor, EveryMovementAndDeletionKey) {
  struct Case {
    const char* keys;
    const char* text;
    size_t cursor;
  } cases[] = {
      {"abc\x01X", "Xabc", 1},               // Ctrl-A
      {"abc\x1b[HX", "Xabc", 1},             // Home
      {"abc\x1b[1~X", "Xabc", 1},            // Home, another terminal's
      {"abc\x1bOHX", "Xabc", 1},             // Home in application mode
      {"abc\x01\x05X", "abcX", 4},           // Ctrl-E
      {"abc\x01\x1b[FX", "abcX", 4},         // End
      {"abc\x01\x1b[4~X", "abcX", 4},        // End, another terminal's
      {"abc\x02X", "abXc", 3},               // Ctrl-B
      {"abc\x01\x06X", "aXbc", 2},           // Ctrl-F
      {"abc\x1b[D\x1b[D\x1b[CX", "abXc", 3}, // Left, Left, Right
      {"abc\x1bOD\x1bODX", "aXbc", 2},       // Left in application mode
      {"abc\x7f", "ab", 2},                  // Backspace
      {"abc\x08", "ab", 2},                  // Ctrl-H
      {"abc\x01\x1b[3~", "bc", 0},           // Delete
      {"abc\x01\x04", "bc", 0},              // Ctrl-D on a non-empty line
      {"abc\x02\x02\x0b", "a", 1},           // Ctrl-K
      {"abc\x02\x15", "c", 0},               // Ctrl-U
      {"one two  \x17", "one ", 4},          // Ctrl-W
      {"one two\x17\x17", "", 0},            // Ctrl-W twice
      {"one two\x01\x1b" "d", " two", 0},    // Alt-D
      {"one two\x1b\x7f", "one ", 4},        // Alt-Backspace
      {"one two\x1b" "bX", "one Xtwo", 5},   // Alt-B
      {"one two\x01\x1b" "fX", "oneX two", 4},  // Alt-F
      {"one two\x1b[1;5DX", "one Xtwo", 5},     // Ctrl-Left
      {"one two\x01\x1b[1;5CX", "oneX two", 4}, // Ctrl-Right
      {"abc\x15xy\x19", "xyabc", 5},         // Ctrl-Y pastes what Ctrl-U cut
      {"a\tb", "a\tb", 3},                   // a tab is kept
      {"a\x03\x1a\x07z", "az", 2},           // other controls: nothing
      {"a\x1b[200~b\x1b[201~", "ab", 2},     // paste brackets: nothing
      {"a\x1b[99;99;99;99;99;99;99;99Zb", "ab", 2},  // unknown sequence, long
      {"a\x1bxb", "ab", 2},                  // Alt-x: nothing
  };
  for (const Case& c : cases) {
    LineEditor e(100);
    Recorder r;
    std::string screen;
    e.Feed(c.keys, &screen, &r);
    EXPECT_EQ(e.text(), c.text) << c.keys;
    EXPECT_EQ(e.cursor(), c.cursor) << c.keys;
    EXPECT_TRUE(r.lines.empty()) << c.keys;
  }
}

TEST(Editor, CtrlDOnAnEmptyLineEndsInputAndTheRestIsNotRead) {
  LineEditor e(100);
  Recorder r;
  std::string screen;
  e.Feed("x\r\x04y\r", &screen, &r);
  EXPECT_EQ(r.lines, std::vector<std::string>{"x"});
  EXPECT_EQ(r.ends, 1);
  EXPECT_EQ(e.text(), "");
}

TEST(Editor, CrLfAndLfEachEndOneLine) {
  LineEditor e(100);
  Recorder r;
  std::string screen;
  e.Feed("a\r\nb\nc\r\rd\n\n", &screen, &r);
  EXPECT_EQ(r.lines, (std::vector<std::string>{"a", "b", "c", "", "d", ""}));
}

TEST(Editor, HistoryRecallsAndKeepsTheDraft) {
  LineEditor e(100, 3);
  Recorder r;
  std::string screen;
  e.Feed("one\rtwo\rtwo\rthree\rfour\r", &screen, &r);
  // "two" once (the same line twice in a row is kept once); "one" fell out.
  EXPECT_EQ(e.history(), (std::deque<std::string>{"two", "three", "four"}));
  e.Feed("dra", &screen, &r);
  e.Feed("\x1b[A", &screen, &r);
  EXPECT_EQ(e.text(), "four");
  e.Feed("\x1b[A\x10", &screen, &r);  // Up, Ctrl-P
  EXPECT_EQ(e.text(), "two");
  e.Feed("\x1b[A", &screen, &r);  // no further
  EXPECT_EQ(e.text(), "two");
  e.Feed("!\x1b[B", &screen, &r);  // an edit of a recalled line is not kept
  EXPECT_EQ(e.text(), "three");
  e.Feed("\x0e\x1b[B", &screen, &r);  // Ctrl-N, Down: back to the draft
  EXPECT_EQ(e.text(), "dra");
  e.Feed("\x1b[A\r", &screen, &r);
  EXPECT_EQ(r.lines.back(), "four");
  EXPECT_EQ(e.history().back(), "four");
  EXPECT_EQ(e.history()[1], "three");
}

TEST(Editor, CursorMovesByCharacterInUtf8) {
  LineEditor e(100);
  Recorder r;
  std::string screen;
  // é (2 bytes), e + combining acute (1 + 2), 日 (3 bytes, wide), 😀 (4).
  std::string text = "\xc3\xa9" "e\xcc\x81" "\xe6\x97\xa5" "\xf0\x9f\x98\x80";
  e.Feed(text, &screen, &r);
  EXPECT_EQ(e.cursor(), text.size());
  std::vector<size_t> stops;
  for (int i = 0; i < 5; ++i) {
    e.Feed("\x1b[D", &screen, &r);
    stops.push_back(e.cursor());
  }
  EXPECT_EQ(stops, (std::vector<size_t>{8, 5, 2, 0, 0}));
  e.Feed("\x1b[C\x1b[C\x7f", &screen, &r);  // the combined e goes whole
  EXPECT_EQ(e.text(), "\xc3\xa9" "\xe6\x97\xa5" "\xf0\x9f\x98\x80");
  EXPECT_EQ(ColumnsOf(0x65e5), 2);
  EXPECT_EQ(ColumnsOf(0x301), 0);
  EXPECT_EQ(ColumnsOf('a'), 1);
}

TEST(Editor, AnyKeySequenceSplitAtAnyByteGivesTheSameResult) {
  const std::string keys =
      "h\xc3\xa9llo\x1b[D\x1b[1;5D\x1bOHX\x1b[3~\x1b" "f\r"
      "two\x1b[A\x1b[B\x17z\r\n\xe6\x97\xa5\x02\x7fq\r";
  LineEditor whole(100);
  Recorder rw;
  std::string sw;
  whole.Feed(keys, &sw, &rw);
  ASSERT_EQ(rw.lines.size(), 3u);
  for (size_t split = 0; split <= keys.size(); ++split) {
    LineEditor e(100);
    Recorder r;
    std::string s;
    e.Feed(std::string_view(keys).substr(0, split), &s, &r);
    e.Feed(std::string_view(keys).substr(split), &s, &r);
    EXPECT_EQ(r.lines, rw.lines) << "split at " << split;
    EXPECT_EQ(e.text(), whole.text()) << "split at " << split;
  }
  LineEditor bytes(100);
  Recorder rb;
  std::string sb;
  Type(&bytes, keys, &sb, &rb);
  EXPECT_EQ(rb.lines, rw.lines);
}

TEST(Editor, ALineStopsAtItsLimitWithTheBell) {
  LineEditor e(5);
  Recorder r;
  std::string screen;
  e.Feed("abcd\xc3\xa9", &screen, &r);  // é would make 6 bytes: refused whole
  EXPECT_EQ(e.text(), "abcd");
  EXPECT_NE(screen.find('\a'), std::string::npos);
  e.Feed("e", &screen, &r);
  EXPECT_EQ(e.text(), "abcde");
  e.Feed("\x15" "abc\x19", &screen, &r);  // pasting the cut would overflow
  EXPECT_EQ(e.text(), "abc");
}

// The area as drawn: prompt and text wrapped at `columns`, the cursor where
// the text's cursor is.
TEST(Editor, TheScreenShowsPromptAndTextWrappedWithTheCursorInPlace) {
  const int kColumns = 10;
  Screen term(kColumns, 8);
  LineEditor e(200);
  e.SetColumns(kColumns, nullptr);
  Recorder r;
  std::string screen;
  e.SetPrompt("me> ", &screen);
  e.Show(&screen);
  term.Play(screen);
  EXPECT_EQ(term.Row(0), "me>       ");
  EXPECT_EQ(term.x(), 4);
  screen.clear();
  e.Feed("abcdef", &screen, &r);  // fills the first row exactly
  term.Play(screen);
  EXPECT_EQ(term.Row(0), "me> abcdef");
  EXPECT_EQ(term.y(), 1);
  EXPECT_EQ(term.x(), 0);
  screen.clear();
  e.Feed("ghijklmnopqr\x01", &screen, &r);
  term.Play(screen);
  EXPECT_EQ(term.Row(0), "me> abcdef");
  EXPECT_EQ(term.Row(1), "ghijklmnop");
  EXPECT_EQ(term.Row(2), "qr        ");
  EXPECT_EQ(term.y(), 0);
  EXPECT_EQ(term.x(), 4);
  // A message printed above: the area is erased, the text goes where it was,
  // and the area is drawn again below it.
  screen.clear();
  e.Hide(&screen);
  screen += "bob: hi\r\n";
  e.Show(&screen);
  term.Play(screen);
  EXPECT_EQ(term.Row(0), "bob: hi   ");
  EXPECT_EQ(term.Row(1), "me> abcdef");
  EXPECT_EQ(term.Row(2), "ghijklmnop");
  EXPECT_EQ(term.Row(3), "qr        ");
  EXPECT_EQ(term.Row(4), "          ");
  EXPECT_EQ(term.y(), 1);
  EXPECT_EQ(term.x(), 4);
  // Deleting shrinks the area; the erased rows are blank.
  screen.clear();
  e.Feed("\x0b", &screen, &r);
  term.Play(screen);
  EXPECT_EQ(term.Row(1), "me>       ");
  EXPECT_EQ(term.Row(2), "          ");
  EXPECT_EQ(term.Row(3), "          ");
}

// Random keys on a narrow terminal: after every Feed, what the model screen
// shows is the prompt and the text, wrapped, with the cursor on the cell of
// the text's cursor.
TEST(Editor, RandomEditsAlwaysLeaveTheScreenRight) {
  const char* const kKeys[] = {"a", "b", " ", "xyz", "\x1b[D", "\x1b[C", "\x01", "\x05",
                               "\x7f", "\x1b[3~", "\x0b", "\x15", "\x17", "\x19",
                               "\x1b[A", "\x1b[B", "\r", "0123456789"};
  std::mt19937 rng(12345);
  for (int columns : {1, 2, 7, 13}) {
    Screen term(columns, 200);
    LineEditor e(60);
    e.SetColumns(columns, nullptr);
    Recorder r;
    std::string screen;
    e.SetPrompt("p> ", &screen);
    e.Show(&screen);
    term.Play(screen);
    for (int step = 0; step < 400; ++step) {
      screen.clear();
      int top = term.y();  // the area's first row before this key
      size_t messages = r.lines.size();
      e.Feed(kKeys[rng() % (sizeof kKeys / sizeof kKeys[0])], &screen, &r);
      e.Show(&screen);
      term.Play(screen);
      // Row of the area's start now: below any line printed above it.
      std::string drawn = "p> " + e.text();
      int rows = (static_cast<int>(drawn.size()) + columns) / columns;
      int cursor = 3 + static_cast<int>(e.cursor());
      (void)top;
      (void)messages;
      int start = term.y() - cursor / columns;
      ASSERT_GE(start + term.scrolled, 0);
      for (int row = 0; row < rows; ++row) {
        std::string want = drawn.substr(std::min(drawn.size(), size_t(row * columns)), columns);
        want.resize(columns, ' ');
        ASSERT_EQ(term.Row(start + row), want)
            << "columns " << columns << " step " << step << " row " << row;
      }
      ASSERT_EQ(term.x(), cursor % columns) << "columns " << columns << " step " << step;
    }
  }
}

}  // namespace
}  // namespace floodchat
