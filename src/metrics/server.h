// The metrics endpoint (--metrics HOST:PORT): a listener and a few scrapers'
// connections, served from the node's poll loop. Each connection gets one
// request and one answer (metrics/http.h), then is closed. Bounded so that
// no scraper, slow or hostile, costs the node more than a little: at most
// kMaxScrapers connections at a time (one more is answered 503 and closed at
// once), a request head of at most kMaxRequestHeadBytes, 16 KiB read after
// the answer, at most one read of a connection per turn once its request is
// whole, and kScrapeTimeoutMs from accept to close, whatever the client does.
#ifndef FLOODCHAT_METRICS_SERVER_H_
#define FLOODCHAT_METRICS_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/diag.h"
#include "net/net.h"
#include "options.h"

namespace floodchat {

constexpr size_t kMaxScrapers = 8;
constexpr uint64_t kScrapeTimeoutMs = 5000;

// Where the body of a GET /metrics comes from (the node), asked only when
// a good request has arrived.
class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  virtual std::string MetricsText() = 0;
};

class MetricsServer {
 public:
  MetricsServer(MetricsSource* source, const Log* log) : source_(source), log_(log) {}
  ~MetricsServer() { CloseAll(); }
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds; prints "floodchat: metrics on http://ADDRESS/metrics" (always, as
  // the chat listener's line is: scripts read the port from it). False after
  // saying why.
  bool Listen(const Endpoint& at);
  bool listening() const { return listener_ != net::kNoSocket; }

  // Appends the listener's and the connections' entries; HandlePoll reads
  // them back from the same place.
  void FillPoll(std::vector<net::PollEntry>* poll, uint64_t now);
  void HandlePoll(const std::vector<net::PollEntry>& poll, uint64_t now);
  // Closes what has passed its deadline.
  void CheckTimers(uint64_t now);
  uint64_t NextWake(uint64_t now) const;  // UINT64_MAX when nothing waits
  void CloseAll();

  size_t connections() const { return clients_.size(); }
  uint64_t scrapes() const { return scrapes_; }

 private:
  enum class State { kReading, kWriting, kLingering };
  struct Client {
    net::Socket socket = net::kNoSocket;
    uint64_t deadline = 0;
    State state = State::kReading;
    std::string in;
    std::string out;
    size_t sent = 0;
    size_t dropped = 0;  // read and dropped after the answer
  };

  void Accept(uint64_t now);
  void Read(Client* c);
  void Write(Client* c);
  void DropClosed();  // forgets the connections closed since

  MetricsSource* source_;
  const Log* log_;
  net::Socket listener_ = net::kNoSocket;
  // After an accept failed (out of descriptors, say) the listener stays
  // readable; it is left out of the poll set until then instead of spinning.
  uint64_t accept_paused_until_ = 0;
  std::vector<Client> clients_;
  size_t poll_at_ = 0;  // where FillPoll put the listener's entry
  bool listener_polled_ = false;
  uint64_t scrapes_ = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_METRICS_SERVER_H_
