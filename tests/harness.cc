#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "wire/frame.h"

#ifndef FLOODCHAT_DEFAULT_BIN
#define FLOODCHAT_DEFAULT_BIN "./floodchat"
#endif

namespace floodchat_test {

namespace {

std::vector<Proc*>& Live() {
  static std::vector<Proc*> live;
  return live;
}

void NonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK); }

}  // namespace

long long NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

std::string BinaryPath() {
  const char* env = getenv("FLOODCHAT_BIN");
  return env != nullptr && *env != '\0' ? env : FLOODCHAT_DEFAULT_BIN;
}

namespace {

std::unique_ptr<Proc> StartWith(bool runner, const std::string& binary,
                                const std::vector<std::string>& args, int open_files) {
  std::vector<std::string> command;
  // $FLOODCHAT_RUNNER: a command that runs the binary (an emulator), if any.
  const char* run = getenv("FLOODCHAT_RUNNER");
  if (runner && run != nullptr) {
    std::istringstream words(run);
    for (std::string w; words >> w;) command.push_back(w);
  }
  command.push_back(binary);
  // $FLOODCHAT_EXTRA_ARGS: options given to every node (words split on
  // spaces), e.g. "-k FILE" to run the mesh tests on a keyed network.
  if (const char* extra = getenv("FLOODCHAT_EXTRA_ARGS")) {
    std::istringstream words(extra);
    for (std::string w; words >> w;) command.push_back(w);
  }
  command.insert(command.end(), args.begin(), args.end());
  return Proc::StartCommand(command, open_files);
}

}  // namespace

std::unique_ptr<Proc> Proc::Start(const std::vector<std::string>& args, int open_files) {
  return StartWith(true, BinaryPath(), args, open_files);
}

std::unique_ptr<Proc> Proc::StartNative(const std::vector<std::string>& args) {
  return StartWith(false, FLOODCHAT_DEFAULT_BIN, args, 0);
}

std::unique_ptr<Proc> Proc::StartCommand(const std::vector<std::string>& command,
                                         int open_files) {
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2], err[2];
  if (command.empty() || pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return nullptr;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    // Nothing else the test runner holds (or inherited) reaches the node.
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    if (open_files > 0) {
      struct rlimit r;
      r.rlim_cur = r.rlim_max = static_cast<rlim_t>(open_files);
      if (setrlimit(RLIMIT_NOFILE, &r) != 0) _exit(126);
    }
    std::vector<char*> argv;
    for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  std::unique_ptr<Proc> p(new Proc);
  p->pid_ = pid;
  p->in_ = in[1];
  p->out_ = out[0];
  p->errfd_ = err[0];
  fcntl(p->in_, F_SETFD, FD_CLOEXEC);
  fcntl(p->out_, F_SETFD, FD_CLOEXEC);
  fcntl(p->errfd_, F_SETFD, FD_CLOEXEC);
  NonBlocking(p->out_);
  NonBlocking(p->errfd_);
  Live().push_back(p.get());
  return p;
}

Proc::~Proc() {
  auto& live = Live();
  live.erase(std::remove(live.begin(), live.end(), this), live.end());
  if (status_ < 0 && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  for (int fd : {in_, out_, errfd_})
    if (fd >= 0) close(fd);
}

void Proc::Pump(bool* got_any) {
  char buf[65536];
  for (;;) {
    ssize_t n = out_ >= 0 && !stdout_paused_ ? read(out_, buf, sizeof buf) : -1;
    if (n <= 0) break;
    *got_any = true;
    out_partial_.append(buf, static_cast<size_t>(n));
    size_t start = 0, lf;
    while ((lf = out_partial_.find('\n', start)) != std::string::npos) {
      lines_.push_back(out_partial_.substr(start, lf - start));
      start = lf + 1;
    }
    out_partial_.erase(0, start);
  }
  for (;;) {
    ssize_t n = errfd_ >= 0 ? read(errfd_, buf, sizeof buf) : -1;
    if (n <= 0) break;
    *got_any = true;
    err_.append(buf, static_cast<size_t>(n));
  }
}

void Proc::PumpAll(int ms) {
  std::vector<pollfd> fds;
  for (Proc* p : Live()) {
    if (p->out_ >= 0 && !p->stdout_paused_) fds.push_back({p->out_, POLLIN, 0});
    fds.push_back({p->errfd_, POLLIN, 0});
  }
  poll(fds.data(), fds.size(), ms);
  bool any = false;
  for (Proc* p : Live()) p->Pump(&any);
}

int Proc::Port(int timeout_ms) {
  const std::string key = "floodchat: listening on ";
  // Gives up early if the process ends without listening.
  long long deadline = NowMs() + timeout_ms;
  while (!WaitStderr(key, 100)) {
    if (Wait(0) >= 0 && err_.find(key) == std::string::npos) return -1;
    if (NowMs() >= deadline) return -1;
  }
  size_t at = err_.find(key) + key.size();
  size_t end = err_.find('\n', at);
  if (end == std::string::npos) return -1;
  std::string addr = err_.substr(at, end - at);
  return atoi(addr.substr(addr.rfind(':') + 1).c_str());
}

void Proc::Write(const std::string& bytes) { WriteSome(bytes, 60000); }

size_t Proc::WriteSome(const std::string& bytes, int timeout_ms) {
  // Non-blocking, pumping every process's output while the pipe is full, so
  // that a large write cannot deadlock against a node whose stdout nobody
  // reads meanwhile.
  if (in_ < 0) return 0;
  NonBlocking(in_);
  size_t done = 0;
  long long end = NowMs() + timeout_ms;
  while (done < bytes.size()) {
    ssize_t n = write(in_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (NowMs() >= end) break;
      PumpAll(5);
    } else {
      break;
    }
  }
  return done;
}

void Proc::CloseStdin() {
  if (in_ >= 0) close(in_);
  in_ = -1;
}

void Proc::CloseStdout() {
  if (out_ >= 0) close(out_);
  out_ = -1;
}

void Proc::Signal(int sig) {
  if (status_ < 0) kill(pid_, sig);
}

bool Proc::WaitLines(const std::function<bool(const std::vector<std::string>&)>& pred,
                     int timeout_ms) {
  long long end = NowMs() + timeout_ms;
  for (;;) {
    bool any = false;
    Pump(&any);
    if (pred(lines_)) return true;
    if (NowMs() >= end) return false;
    PumpAll(20);
  }
}

bool Proc::WaitLineCount(size_t n, int timeout_ms) {
  return WaitLines([n](const std::vector<std::string>& l) { return l.size() >= n; }, timeout_ms);
}

bool Proc::WaitStderr(const std::string& needle, int timeout_ms) {
  long long end = NowMs() + timeout_ms;
  for (;;) {
    bool any = false;
    Pump(&any);
    if (err_.find(needle) != std::string::npos) return true;
    if (NowMs() >= end) return false;
    PumpAll(20);
  }
}

int Proc::Wait(int timeout_ms) {
  long long end = NowMs() + timeout_ms;
  while (status_ < 0) {
    int st;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (NowMs() >= end) return -1;
    PumpAll(10);
  }
  bool any = false;
  Pump(&any);
  return status_;
}

int RunToEnd(const std::vector<std::string>& args, const std::string& stdin_data,
             std::string* out, std::string* err, int timeout_ms) {
  std::unique_ptr<Proc> p = Proc::Start(args);
  p->Write(stdin_data);
  p->CloseStdin();
  int status = p->Wait(timeout_ms);
  Proc::PumpAll(0);
  out->clear();
  for (const auto& l : p->lines()) *out += l + "\n";
  *err = p->err();
  return status;
}

RawClient::RawClient(int port) {
  signal(SIGPIPE, SIG_IGN);
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

std::unique_ptr<RawClient> RawClient::Adopt(int fd) {
  std::unique_ptr<RawClient> c(new RawClient);
  c->fd_ = fd;
  return c;
}

void RawClient::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

bool RawClient::Receive(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return true;
  char buf[65536];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EINTR);
  received_.append(buf, static_cast<size_t>(n));
  return true;
}

Listener::Listener() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(fd_, 16) == 0 &&
      getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port_ = ntohs(a.sin_port);
  }
}

Listener::~Listener() {
  if (fd_ >= 0) close(fd_);
}

std::unique_ptr<RawClient> Listener::Accept(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  long long end = NowMs() + timeout_ms;
  while (poll(&p, 1, 20) <= 0) {
    if (NowMs() >= end) return nullptr;
    Proc::PumpAll(0);
  }
  int fd = accept(fd_, nullptr, nullptr);
  return fd < 0 ? nullptr : RawClient::Adopt(fd);
}

RawClient::~RawClient() {
  if (fd_ >= 0) close(fd_);
}

bool RawClient::Send(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool RawClient::WaitClosed(int timeout_ms) {
  long long end = NowMs() + timeout_ms;
  char buf[4096];
  while (NowMs() < end) {
    pollfd p{fd_, POLLIN, 0};
    Proc::PumpAll(0);
    if (poll(&p, 1, 20) <= 0) continue;
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
    received_.append(buf, static_cast<size_t>(n));
  }
  return false;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

size_t CountLine(const std::vector<std::string>& lines, const std::string& line) {
  return static_cast<size_t>(std::count(lines.begin(), lines.end(), line));
}

TempFile::TempFile(const std::string& content, mode_t mode) {
  char dir[] = "/tmp/floodchat-keys-XXXXXX";
  if (mkdtemp(dir) != nullptr) dir_ = dir;
  path_ = dir_ + "/keys";
  Rewrite(content);
  chmod(path_.c_str(), mode);
}

TempFile::~TempFile() {
  unlink(path_.c_str());
  rmdir(dir_.c_str());
}

void TempFile::Rewrite(const std::string& content) {
  FILE* f = fopen(path_.c_str(), "w");
  if (f == nullptr) return;
  fputs(content.c_str(), f);
  fclose(f);
}

bool WaitConnected(Proc* node, size_t peers, int timeout_ms) {
  long long end = NowMs() + timeout_ms;
  while (Count(node->err(), "floodchat: connected to ") < peers) {
    if (NowMs() >= end) return false;
    Proc::PumpAll(20);
  }
  return true;
}

bool WaitConnectedTo(Proc* node, const std::string& nick, size_t times, int timeout_ms) {
  long long end = NowMs() + timeout_ms;
  const std::string tail = " (" + nick + ")";
  for (;;) {
    size_t seen = 0;
    std::istringstream in(node->err());
    for (std::string line; std::getline(in, line);)
      if (line.rfind("floodchat: connected to ", 0) == 0 && line.size() >= tail.size() &&
          line.compare(line.size() - tail.size(), tail.size(), tail) == 0)
        ++seen;
    if (seen >= times) return true;
    if (NowMs() >= end) return false;
    Proc::PumpAll(20);
  }
}

void PumpFor(int ms) {
  long long end = NowMs() + ms;
  while (NowMs() < end) Proc::PumpAll(static_cast<int>(std::min<long long>(20, end - NowMs())));
}

void Settle() { PumpFor(300); }

long long Stat(Proc* node, const std::string& name) {
  size_t before = Count(node->err(), "stats: ");
  node->Write("/stats\n");
  long long end = NowMs() + 3000;
  while (Count(node->err(), "stats: ") <= before && NowMs() < end) Proc::PumpAll(20);
  const std::string& e = node->err();
  size_t line = e.rfind("stats: ");
  size_t at = e.find(" " + name + "=", line);
  if (line == std::string::npos || at == std::string::npos) return -1;
  return atoll(e.c_str() + at + name.size() + 2);
}

size_t OpenDescriptors(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return 0;
  size_t n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

long StatusKiB(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field + ":", 0) == 0) return atol(line.c_str() + field.size() + 1);
  return -1;
}

// A port below the system's range for outgoing connections (32768 and up on
// Linux by default): a node that dials a port where nothing listens yet could
// otherwise be given that very port as its own end of the attempt, and the
// node meant to listen there would find it taken.
int FreePort() {
  static std::mt19937 rng(static_cast<uint32_t>(getpid()) * 2654435761u ^
                          static_cast<uint32_t>(NowMs()));
  for (int attempt = 0; attempt < 200; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = 20000 + static_cast<int>(rng() % 12000);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (ok) return port;
  }
  return -1;
}

std::string HelloBytes(uint64_t node_id, const std::string& nick) {
  floodchat::Buffer b;
  floodchat::AppendHello(node_id, nick, 0, &b);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string MessageBytes(uint64_t node_id, uint64_t n, const std::string& nick,
                         const std::string& text, uint8_t hops, uint8_t limit) {
  floodchat::Message m;
  floodchat::PutU64(m.id.bytes, node_id);
  floodchat::PutU64(m.id.bytes + 8, n);
  m.hops = hops;
  m.hop_limit = limit;
  m.nick = nick;
  m.text = text;
  floodchat::Buffer b;
  floodchat::AppendMessage(m, &b);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// Decodes the message frames at the head of `bytes` (consuming them) and
// returns their texts; skips a hello.
std::vector<std::string> TakeMessages(std::string* bytes) {
  std::vector<std::string> texts;
  size_t at = 0;
  for (;;) {
    floodchat::Frame f;
    const char* why = nullptr;
    auto st = floodchat::DecodeFrame(reinterpret_cast<const uint8_t*>(bytes->data()) + at,
                                     bytes->size() - at, 1 << 20, &f, &why);
    if (st != floodchat::DecodeStatus::kFrame) break;
    floodchat::Message m;
    if (f.type == floodchat::kTypeMessage && floodchat::ParseMessage(f, &m, &why))
      texts.emplace_back(m.text);
    at += f.wire_size;
  }
  bytes->erase(0, at);
  return texts;
}

std::string FromBase64(const std::string& in) {
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    size_t v = alphabet.find(c);
    if (v == std::string::npos) break;
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace floodchat_test
