// What a person sees at a terminal: a real floodchat in a real
// pseudo-terminal, its screen read through pyte (Debian's python3-pyte, a
// terminal emulator written elsewhere), keys typed into the terminal as a
// person types them.
//
// The node runs as the foreground job of a little session of its own: the
// test's child takes the pseudo-terminal as its controlling terminal and
// starts the node in a process group of its own, as a shell with job control
// would, so that Ctrl-Z stops it (a process group without a parent in its
// session would be orphaned, and the kernel does not stop those).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "console/format.h"
#include "harness.h"

namespace floodchat_test {
namespace {

const char kPython[] = "/usr/bin/python3";

// The screen pyte draws from `bytes` on a terminal of `columns` x `rows`,
// resized to `resize_columns` once the first `resize_at` bytes are drawn (if
// resize_at is not npos).
struct Shot {
  std::vector<std::string> rows;  // right-trimmed
  int x = 0, y = 0;               // the cursor
  std::string Text() const {
    std::string s;
    for (const auto& r : rows) s += "|" + r + "\n";
    return s + "cursor " + std::to_string(x) + "," + std::to_string(y) + "\n";
  }
  // The last row that is not blank.
  int LastRow() const {
    for (int r = static_cast<int>(rows.size()) - 1; r >= 0; --r)
      if (!rows[r].empty()) return r;
    return -1;
  }
};

Shot Emulate(const std::string& bytes, int columns, int rows, size_t resize_at = std::string::npos,
             int resize_columns = 0) {
  static const char kScript[] =
      "import sys, pyte\n"
      "columns, rows, at, wide = (int(a) for a in sys.argv[1:5])\n"
      "screen = pyte.Screen(columns, rows)\n"
      "stream = pyte.ByteStream(screen)\n"
      "data = sys.stdin.buffer.read()\n"
      "if at >= 0:\n"
      "    stream.feed(data[:at]); screen.resize(rows, wide); data = data[at:]\n"
      "stream.feed(data)\n"
      "for line in screen.display: sys.stdout.write(line.rstrip() + '\\n')\n"
      "sys.stdout.write('cursor %d %d\\n' % (screen.cursor.x, screen.cursor.y))\n";
  TempFile input(bytes);
  std::string command = std::string(kPython) + " -c \"$(cat <<'EOF'\n" + kScript + "EOF\n)\" " +
                        std::to_string(columns) + " " + std::to_string(rows) + " " +
                        std::to_string(resize_at == std::string::npos ? -1L : long(resize_at)) +
                        " " + std::to_string(resize_columns) + " < " + input.path();
  Shot shot;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return shot;
  char line[4096];
  while (fgets(line, sizeof line, p) != nullptr) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (s.rfind("cursor ", 0) == 0) {
      sscanf(s.c_str() + 7, "%d %d", &shot.x, &shot.y);
    } else {
      shot.rows.push_back(s);
    }
  }
  pclose(p);
  return shot;
}

bool PyteAvailable() {
  std::string command = std::string(kPython) + " -c 'import pyte' 2>/dev/null";
  return system(command.c_str()) == 0;
}

struct Modes {
  termios t;
  bool operator==(const Modes& o) const {
    return t.c_iflag == o.t.c_iflag && t.c_oflag == o.t.c_oflag && t.c_cflag == o.t.c_cflag &&
           t.c_lflag == o.t.c_lflag && memcmp(t.c_cc, o.t.c_cc, sizeof t.c_cc) == 0;
  }
};

// A node in a pseudo-terminal.
class Tty {
 public:
  // `stdin_fd` or `stdout_fd`, if not -1, replace the terminal on that side;
  // `term`, if not null, is $TERM.
  static std::unique_ptr<Tty> Start(const std::vector<std::string>& args, int columns = 60,
                                    int rows = 16, int stdin_fd = -1, int stdout_fd = -1,
                                    const char* term = nullptr) {
    std::unique_ptr<Tty> t(new Tty);
    t->columns_ = columns;
    t->rows_ = rows;
    t->master_ = posix_openpt(O_RDWR | O_NOCTTY);
    if (t->master_ < 0 || grantpt(t->master_) != 0 || unlockpt(t->master_) != 0) return nullptr;
    std::string slave = ptsname(t->master_);
    winsize w{};
    w.ws_col = static_cast<unsigned short>(columns);
    w.ws_row = static_cast<unsigned short>(rows);
    ioctl(t->master_, TIOCSWINSZ, &w);
    // The test's own view of the terminal's modes.
    t->slave_ = open(slave.c_str(), O_RDWR | O_NOCTTY);
    tcgetattr(t->slave_, &t->found_.t);
    int report[2];
    if (pipe(report) != 0) return nullptr;
    std::vector<std::string> command = {BinaryPath()};
    command.insert(command.end(), args.begin(), args.end());
    pid_t child = fork();
    if (child == 0) {
      // The session leader, as a shell would be.
      setsid();
      int fd = open(slave.c_str(), O_RDWR);
      ioctl(fd, TIOCSCTTY, 0);
      pid_t node = fork();
      if (node == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, SIG_IGN);
        tcsetpgrp(fd, getpid());
        signal(SIGTTOU, SIG_DFL);
        for (int i = 0; i < 3; ++i) dup2(fd, i);
        if (stdin_fd >= 0) dup2(stdin_fd, 0);
        if (stdout_fd >= 0) dup2(stdout_fd, 1);
        if (term != nullptr) setenv("TERM", term, 1);
        for (int i = 3; i < 1024; ++i) close(i);
        std::vector<char*> argv;
        for (auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
      }
      setpgid(node, node);
      ssize_t ignored = write(report[1], &node, sizeof node);
      (void)ignored;
      for (int i = 0; i < 1024; ++i)
        if (i != fd) close(i);
      int status = 0;
      while (waitpid(node, &status, 0) < 0 && errno == EINTR) {
      }
      _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    close(report[1]);
    t->child_ = child;
    if (read(report[0], &t->node_, sizeof t->node_) != sizeof t->node_) t->node_ = -1;
    close(report[0]);
    fcntl(t->master_, F_SETFL, fcntl(t->master_, F_GETFL) | O_NONBLOCK);
    return t;
  }

  ~Tty() {
    if (node_ > 0) {
      kill(node_, SIGCONT);
      kill(node_, SIGKILL);
    }
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
    if (slave_ >= 0) close(slave_);
  }

  // Types `keys`, then reads what the terminal shows for `ms`.
  void Type(const std::string& keys, int ms = 30) {
    size_t done = 0;
    long long until = NowMs() + 2000;
    while (done < keys.size() && NowMs() < until) {
      ssize_t n = write(master_, keys.data() + done, keys.size() - done);
      if (n > 0) done += static_cast<size_t>(n);
      Read(5);
    }
    Read(ms);
  }

  // Reads the terminal (and every pipe of the other nodes) for up to `ms`.
  void Read(int ms) {
    long long until = NowMs() + ms;
    do {
      pollfd p{master_, POLLIN, 0};
      poll(&p, 1, 5);
      char buffer[4096];
      for (;;) {
        ssize_t n = read(master_, buffer, sizeof buffer);
        if (n <= 0) break;
        bytes_.append(buffer, static_cast<size_t>(n));
      }
      Proc::PumpAll(1);
    } while (NowMs() < until);
  }

  // Waits until the bytes the terminal got contain `needle` (from `from` on).
  bool WaitBytes(const std::string& needle, int timeout_ms, size_t from = 0) {
    long long until = NowMs() + timeout_ms;
    while (bytes_.find(needle, from) == std::string::npos) {
      if (NowMs() > until) return false;
      Read(20);
    }
    return true;
  }

  Shot Screen() const { return Emulate(bytes_, columns_, rows_, resize_at_, resized_columns_); }

  void Resize(int columns) {
    winsize w{};
    w.ws_col = static_cast<unsigned short>(columns);
    w.ws_row = static_cast<unsigned short>(rows_);
    Read(50);  // what was drawn before the resize
    resize_at_ = bytes_.size();
    resized_columns_ = columns;
    ioctl(master_, TIOCSWINSZ, &w);  // the kernel sends SIGWINCH
  }

  Modes modes() const {
    Modes m;
    tcgetattr(slave_, &m.t);
    return m;
  }
  const Modes& found() const { return found_; }
  const std::string& bytes() const { return bytes_; }
  pid_t node() const { return node_; }

  // The node's exit status (or 128 + signal), -1 if it runs after timeout_ms.
  int Wait(int timeout_ms) {
    long long until = NowMs() + timeout_ms;
    for (;;) {
      int status = 0;
      pid_t r = waitpid(child_, &status, WNOHANG);
      if (r == child_) {
        child_ = -1;
        node_ = -1;
        Read(20);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (NowMs() > until) return -1;
      Read(20);
    }
  }

  // 'T' while stopped, 'S' or 'R' while running (from /proc).
  char State() const {
    std::ifstream f("/proc/" + std::to_string(node_) + "/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    size_t paren = all.rfind(')');
    return paren == std::string::npos || paren + 2 >= all.size() ? '?' : all[paren + 2];
  }

 private:
  Tty() = default;
  int master_ = -1, slave_ = -1;
  pid_t child_ = -1, node_ = -1;
  int columns_ = 0, rows_ = 0;
  size_t resize_at_ = std::string::npos;
  int resized_columns_ = 0;
  std::string bytes_;
  Modes found_;
};

using Node = std::unique_ptr<Proc>;

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

#define REQUIRE_PYTE()                                                              \
  do {                                                                              \
    if (!PyteAvailable()) {                                                         \
      GTEST_FAIL() << kPython << " cannot import pyte (apt-get install python3-pyte)"; \
    }                                                                               \
  } while (0)

// A hub that prints what reaches it, and a node "me" at a terminal joined to it.
struct Chat {
  Node hub;
  std::unique_ptr<Tty> me;
  bool Start(int columns = 60, std::vector<std::string> extra = {}) {
    hub = Proc::Start({"-l", "127.0.0.1:0", "-n", "ticker", "--peers", "0"});
    if (hub->Port() <= 0) return false;
    std::vector<std::string> args = {"--no-listen", "-n", "me", "-c", Addr(hub->Port())};
    args.insert(args.end(), extra.begin(), extra.end());
    me = Tty::Start(args, columns);
    return me != nullptr && WaitConnected(hub.get(), 1, 5000) &&
           me->WaitBytes("connected to", 5000);
  }
};

TEST(Terminal, TypingWhileMessagesArriveKeepsTheInputWholeBelowThem) {
  REQUIRE_PYTE();
  Chat c;
  ASSERT_TRUE(c.Start()) << c.hub->err();
  const std::string typed = "hello world how are you";
  int ticks = 0;
  for (size_t i = 0; i < typed.size(); ++i) {
    c.me->Type(typed.substr(i, 1), 15);
    if (i % 3 == 0) c.hub->Write("tick " + std::to_string(ticks++) + "\n");
  }
  ASSERT_TRUE(c.me->WaitBytes(": tick " + std::to_string(ticks - 1) + "\r\n", 5000));
  c.me->Read(100);
  Shot s = c.me->Screen();
  // Every message whole on its own row, in order, and the input whole below.
  std::vector<std::string> messages;
  for (const auto& row : s.rows)
    if (row.rfind("ticker: ", 0) == 0) messages.push_back(row);
  ASSERT_EQ(messages.size(), static_cast<size_t>(ticks)) << s.Text();
  for (int i = 0; i < ticks; ++i) EXPECT_EQ(messages[i], "ticker: tick " + std::to_string(i));
  int last = s.LastRow();
  ASSERT_GE(last, 0);
  EXPECT_EQ(s.rows[last], "me> " + typed) << s.Text();
  EXPECT_EQ(s.y, last);
  EXPECT_EQ(s.x, static_cast<int>(4 + typed.size())) << s.Text();
  for (const auto& row : s.rows) {
    if (row.find("ticker") != std::string::npos) {
      EXPECT_EQ(row.find("me>"), std::string::npos) << s.Text();
    }
  }
  // Enter: the line goes out as typed and shows in this node's transcript.
  c.me->Type("\r");
  ASSERT_TRUE(c.hub->WaitLineCount(1, 5000));
  EXPECT_EQ(c.hub->lines()[0], "me: " + typed);
  c.me->Read(100);
  s = c.me->Screen();
  last = s.LastRow();
  EXPECT_EQ(s.rows[last], "me>") << s.Text();
  EXPECT_EQ(s.rows[last - 1], "me: " + typed) << s.Text();
  printf("[ screen   ] typing while ticks arrive:\n%s", s.Text().c_str());
}

TEST(Terminal, ArrowsBackspaceAndHistoryEditTheLine) {
  REQUIRE_PYTE();
  Chat c;
  ASSERT_TRUE(c.Start()) << c.hub->err();
  c.me->Type("typo fix");
  c.me->Type("\x1b[D\x1b[D\x1b[D");  // Left three times
  c.me->Type("X");
  c.me->Type("\x1b[C\x7f");  // Right, Backspace
  Shot s = c.me->Screen();
  EXPECT_EQ(s.rows[s.LastRow()], "me> typo Xix") << s.Text();
  EXPECT_EQ(s.x, 10) << s.Text();
  c.me->Type("\r");
  c.me->Type("\x1b[A");  // Up: the line again
  s = c.me->Screen();
  EXPECT_EQ(s.rows[s.LastRow()], "me> typo Xix") << s.Text();
  c.me->Type("\x01>\r");  // Ctrl-A, insert, send
  ASSERT_TRUE(c.hub->WaitLineCount(2, 5000));
  EXPECT_EQ(c.hub->lines()[0], "me: typo Xix");
  EXPECT_EQ(c.hub->lines()[1], "me: >typo Xix");
}

TEST(Terminal, ALongLineWrapsAndIsEditedAcrossRows) {
  REQUIRE_PYTE();
  Chat c;
  ASSERT_TRUE(c.Start(20)) << c.hub->err();
  std::string text;
  for (int i = 0; i < 5; ++i) text += "word" + std::to_string(i) + " ";
  text += "end";  // 33 bytes, with the prompt 37: two rows of 20
  c.me->Type(text);
  Shot s = c.me->Screen();
  int last = s.LastRow();
  std::string drawn = "me> " + text;
  EXPECT_EQ(s.rows[last - 1], drawn.substr(0, 20)) << s.Text();
  EXPECT_EQ(s.rows[last], drawn.substr(20)) << s.Text();
  c.me->Type("\x01!");  // Home and an insert: the text moves across the rows
  s = c.me->Screen();
  drawn = "me> !" + text;
  EXPECT_EQ(s.rows[last - 1], drawn.substr(0, 20)) << s.Text();
  EXPECT_EQ(s.rows[last], drawn.substr(20)) << s.Text();
  EXPECT_EQ(s.y, last - 1);
  EXPECT_EQ(s.x, 5);
  c.me->Type("\r");
  ASSERT_TRUE(c.hub->WaitLineCount(1, 5000));
  EXPECT_EQ(c.hub->lines()[0], "me: !" + text);
}

// Ctrl-C and Ctrl-D: the node ends, the input line is erased so that what
// comes next starts on a fresh row, and the terminal's modes are as found.
TEST(Terminal, CtrlCAndCtrlDEndOnAFreshLineWithTheModesAsFound) {
  REQUIRE_PYTE();
  for (const char* key : {"\x03", "\x04"}) {
    Chat c;
    ASSERT_TRUE(c.Start()) << c.hub->err();
    EXPECT_FALSE(c.me->modes() == c.me->found()) << "the editor did not set its modes";
    if (key[0] == '\x03') c.me->Type("half a line");
    c.me->Type(key);
    EXPECT_EQ(c.me->Wait(5000), 0) << c.me->bytes();
    EXPECT_TRUE(c.me->modes() == c.me->found());
    Shot s = c.me->Screen();
    EXPECT_EQ(s.x, 0) << s.Text();
    EXPECT_EQ(s.rows[s.y], "") << s.Text();
    for (const auto& row : s.rows) EXPECT_EQ(row.find("me>"), std::string::npos) << s.Text();
    EXPECT_TRUE(c.hub->lines().empty());
  }
}

TEST(Terminal, CtrlZStopsWithTheModesAsFoundAndContinueRedraws) {
  REQUIRE_PYTE();
  Chat c;
  ASSERT_TRUE(c.Start()) << c.hub->err();
  c.me->Type("before");
  c.me->Type("\x1a", 100);  // Ctrl-Z
  long long until = NowMs() + 5000;
  while (c.me->State() != 'T' && NowMs() < until) c.me->Read(20);
  ASSERT_EQ(c.me->State(), 'T');
  EXPECT_TRUE(c.me->modes() == c.me->found());
  size_t mark = c.me->bytes().size();
  kill(c.me->node(), SIGCONT);
  ASSERT_TRUE(c.me->WaitBytes("me> before", 5000, mark));
  EXPECT_FALSE(c.me->modes() == c.me->found());
  c.me->Type(" after\r");
  ASSERT_TRUE(c.hub->WaitLineCount(1, 5000));
  EXPECT_EQ(c.hub->lines()[0], "me: before after");
}

TEST(Terminal, AResizeRedrawsTheInputAtTheNewWidth) {
  REQUIRE_PYTE();
  Chat c;
  ASSERT_TRUE(c.Start(40)) << c.hub->err();
  const std::string text = "abcdefghijklmnopqrstuvwxyz0123456789";  // 40 with the prompt
  c.me->Type(text);
  c.me->Resize(24);
  c.me->Read(200);
  c.me->Type("!");
  Shot s = c.me->Screen();
  std::string drawn = "me> " + text + "!";
  int last = s.LastRow();
  EXPECT_EQ(s.rows[last - 1], drawn.substr(0, 24)) << s.Text();
  EXPECT_EQ(s.rows[last], drawn.substr(24)) << s.Text();
  EXPECT_EQ(s.x, static_cast<int>(drawn.size() - 24));
}

// Presence at a terminal: who joins, renames and leaves is printed above the
// line being typed, once each.
TEST(Terminal, PresenceNoticesArePrintedAboveTheInput) {
  REQUIRE_PYTE();
  Chat c;
  ASSERT_TRUE(c.Start()) << c.hub->err();
  ASSERT_TRUE(c.me->WaitBytes("* ticker joined", 5000)) << c.me->Screen().Text();
  c.me->Type("half a line");
  Node carol = Proc::Start({"--no-listen", "-n", "carol", "-c", Addr(c.hub->Port())});
  ASSERT_TRUE(c.me->WaitBytes("* carol joined", 5000)) << c.me->Screen().Text();
  carol->Write("/nick caroline\n");
  ASSERT_TRUE(c.me->WaitBytes("* carol is now caroline", 5000)) << c.me->Screen().Text();
  carol->CloseStdin();
  EXPECT_EQ(carol->Wait(5000), 0);
  ASSERT_TRUE(c.me->WaitBytes("* caroline left", 5000)) << c.me->Screen().Text();
  c.me->Read(200);
  Shot s = c.me->Screen();
  int last = s.LastRow();
  EXPECT_EQ(s.rows[last], "me> half a line") << s.Text();
  EXPECT_EQ(s.rows[last - 1], "* caroline left") << s.Text();
  EXPECT_EQ(s.rows[last - 2], "* carol is now caroline") << s.Text();
  EXPECT_EQ(Count(c.me->bytes(), "* carol joined"), 1u);
}

// At a terminal nicks are in colour, unless NO_COLOR is set or --color never;
// the screen reads the same either way.
TEST(Terminal, NicksInColourUnlessNoColor) {
  REQUIRE_PYTE();
  for (int run = 0; run < 3; ++run) {
    if (run == 1) setenv("NO_COLOR", "1", 1);
    Chat c;
    bool started = c.Start(60, run == 2 ? std::vector<std::string>{"--color", "never"}
                                        : std::vector<std::string>{});
    unsetenv("NO_COLOR");
    ASSERT_TRUE(started) << c.hub->err();
    c.hub->Write("coloured?\n");
    ASSERT_TRUE(c.me->WaitBytes("coloured?", 5000)) << c.me->Screen().Text();
    std::string colour = "\x1b[" + std::to_string(floodchat::NickColor("ticker")) + "mticker\x1b[0m: coloured?";
    EXPECT_EQ(c.me->bytes().find(colour) != std::string::npos, run == 0) << run;
    c.me->Read(100);
    Shot s = c.me->Screen();
    EXPECT_EQ(s.rows[s.LastRow() - 1], "ticker: coloured?") << s.Text();
  }
}

// A line typed while no peer is connected says so, once each time lines
// start to wait.
TEST(Terminal, ALineQueuedWithoutAPeerIsNoticedOnce) {
  REQUIRE_PYTE();
  std::unique_ptr<Tty> me = Tty::Start({"-l", "127.0.0.1:0", "-n", "me", "--peers", "0"});
  ASSERT_NE(me, nullptr);
  ASSERT_TRUE(me->WaitBytes("listening on 127.0.0.1:", 5000));
  ASSERT_TRUE(me->WaitBytes("\n", 2000, me->bytes().find("listening on 127.0.0.1:")));
  int port = atoi(me->bytes().c_str() + me->bytes().find("listening on 127.0.0.1:") + 23);
  ASSERT_GT(port, 0);
  const std::string notice = "floodchat: no peer connected: lines are kept and sent when one connects";
  me->Type("hello\r");
  ASSERT_TRUE(me->WaitBytes(notice, 3000)) << me->Screen().Text();
  me->Type("again\r", 200);
  EXPECT_EQ(Count(me->bytes(), notice), 1u);
  Node peer = Proc::Start({"--no-listen", "-n", "peer", "-c", Addr(port)});
  ASSERT_TRUE(peer->WaitLineCount(2, 5000)) << peer->err();
  EXPECT_EQ(peer->lines()[0], "me: hello");
  EXPECT_EQ(peer->lines()[1], "me: again");
  // Alone again: the next line says it once more.
  peer->CloseStdin();
  EXPECT_EQ(peer->Wait(5000), 0);
  ASSERT_TRUE(me->WaitBytes("connection closed", 3000)) << me->Screen().Text();
  me->Type("third\r");
  long long until = NowMs() + 3000;
  while (Count(me->bytes(), notice) < 2 && NowMs() < until) me->Read(20);
  EXPECT_EQ(Count(me->bytes(), notice), 2u) << me->Screen().Text();
}

// Unless stdin and stdout are both a terminal that can move its cursor, there
// is no editor: no prompt, no escape sequence, stdout carries the messages
// alone, as it did before the editor.
TEST(Terminal, WithoutATerminalOnBothSidesTheBytesAreTheMessagesAlone) {
  Node hub = Proc::Start({"-l", "127.0.0.1:0", "-n", "hub", "--peers", "0"});
  ASSERT_GT(hub->Port(), 0);
  const std::vector<std::string> args = {"--no-listen", "-n", "t", "-q", "-c",
                                         Addr(hub->Port())};
  size_t peers = 0;
  auto run = [&](const char* what, int stdin_fd, int stdout_fd, const char* term,
                 int stdout_read) {
    std::unique_ptr<Tty> t = Tty::Start(args, 60, 16, stdin_fd, stdout_fd, term);
    ASSERT_NE(t, nullptr) << what;
    ASSERT_TRUE(WaitConnected(hub.get(), ++peers, 5000)) << what;
    PumpFor(100);
    hub->Write(std::string("to ") + what + "\n");
    std::string out;
    long long until = NowMs() + 5000;
    std::string want = std::string("hub: to ") + what + (stdout_read >= 0 ? "\n" : "\r\n");
    while (out.size() < want.size() && NowMs() < until) {
      if (stdout_read >= 0) {
        char b[256];
        ssize_t n = read(stdout_read, b, sizeof b);
        if (n > 0) out.append(b, static_cast<size_t>(n));
        t->Read(10);
      } else {
        t->Read(10);
        out = t->bytes();
      }
    }
    EXPECT_EQ(out, want) << what;
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << what;
    t->Type("\x03");  // on a terminal in its own modes, Ctrl-C is SIGINT still
    EXPECT_EQ(t->Wait(5000), 0) << what;
    EXPECT_TRUE(t->modes() == t->found()) << what;
  };
  int in[2], out[2];
  ASSERT_EQ(pipe(in), 0);
  ASSERT_EQ(pipe(out), 0);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  run("a pipe for stdin", in[0], -1, nullptr, -1);
  run("a pipe for stdout", -1, out[1], nullptr, out[0]);
  run("a dumb terminal", -1, -1, "dumb", -1);
  for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
}

}  // namespace
}  // namespace floodchat_test
