// Command-line parsing: argv in, Options or one error message out. No IO.
#ifndef FLOODCHAT_OPTIONS_H_
#define FLOODCHAT_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace floodchat {

enum class Format { kChat, kText, kJson };
enum class ColorWhen { kAuto, kAlways, kNever };
enum class BroadcastMode { kTree, kFlood };

struct Endpoint {
  std::string host;  // a name or an address, without IPv6 brackets
  uint16_t port = 0;
};

constexpr uint16_t kDefaultPort = 55555;
constexpr int kDefaultPortTries = 101;  // the default port and the next 100
constexpr int kDefaultHops = 64;
constexpr size_t kDefaultSeen = 65536;
constexpr size_t kDefaultMaxSize = 65536;
constexpr size_t kMaxMaxSize = size_t{16} << 20;
constexpr size_t kDefaultPeers = 5;
constexpr size_t kDefaultMaxPeers = 32;
constexpr size_t kMaxMaxPeers = 1000;
constexpr size_t kDefaultQueueMax = size_t{16} << 20;
constexpr size_t kDefaultStdoutMax = size_t{4} << 20;
constexpr size_t kMinQueueMax = size_t{1} << 20;  // the backpressure threshold
constexpr size_t kMaxQueueMax = size_t{1} << 30;
// Twice --queue-max's default: what a dropped peer's queue shed, and as much
// again that arrived while it was away.
constexpr size_t kDefaultStore = size_t{32} << 20;
constexpr size_t kMaxStore = size_t{1} << 30;
constexpr int kDefaultHandshakeTimeout = 10;      // seconds
constexpr int kDefaultKeepalive = 10;             // seconds

struct Options {
  bool listen = true;
  Endpoint listen_at{"0.0.0.0", kDefaultPort};
  bool listen_explicit = false;  // -l given: a busy port is an error
  std::vector<Endpoint> connect;
  std::string nick;
  Format format = Format::kChat;
  bool raw = false;
  bool relay = false;
  int hops = kDefaultHops;
  size_t seen = kDefaultSeen;
  size_t max_size = kDefaultMaxSize;
  size_t peers = kDefaultPeers;          // connections kept open; 0: no automatic dialling
  size_t max_peers = kDefaultMaxPeers;   // connections of all kinds; more inbound are refused
  size_t queue_max = kDefaultQueueMax;    // a peer's output queue above this drops the peer
  size_t stdout_max = kDefaultStdoutMax;  // pending stdout bytes before messages go unprinted
  size_t store = kDefaultStore;  // --store: bytes of recent messages kept for repair
  size_t history = 0;  // --history: recent messages asked for on the first connection
  int handshake_timeout = kDefaultHandshakeTimeout;  // seconds to connect and send a hello
  int keepalive_s = kDefaultKeepalive;  // silence before a keepalive; twice it closes
  int heartbeat_s = 30;  // presence: seconds between this node's "alive" events
  bool presence = false;  // --presence: notices on stdout also off a terminal
  bool timestamps = false;  // --timestamps: the arrival time before each line
  ColorWhen color = ColorWhen::kAuto;  // --color: nicks in colour (chat format)
  BroadcastMode broadcast = BroadcastMode::kTree;  // --broadcast
  int verbosity = 1;  // 0 quiet, 1 normal, 2 verbose
  std::string key_file;  // -k: keyed mode; empty: an open network
  bool metrics = false;  // --metrics: serve the counters over HTTP
  Endpoint metrics_at;
};

enum class ParseOutcome { kRun, kHelp, kVersion, kGenKey, kUsageError };

// Parses argv[1..argc-1]. `env_user` is $USER or null (the default nick).
// On kUsageError, *error is the message without the "floodchat: " prefix.
ParseOutcome ParseOptions(int argc, const char* const* argv, const char* env_user,
                          Options* options, std::string* error);

// "HOST:PORT", "[V6]:PORT", or with `port_only_ok` a bare "PORT" (host
// 0.0.0.0). Ports 0 to 65535; the caller refuses 0 where it means nothing.
bool ParseEndpoint(std::string_view text, bool port_only_ok, Endpoint* out,
                   std::string* error);

// 1 to kMaxNickBytes bytes, no control characters (C0, DEL).
bool ValidNick(std::string_view nick, std::string* error);

// "host:port" for display, with brackets around an IPv6 address.
std::string EndpointText(const Endpoint& endpoint);

// The text of --help; its first lines are the man page's SYNOPSIS.
extern const char kUsageText[];
extern const char kVersionText[];

}  // namespace floodchat

#endif  // FLOODCHAT_OPTIONS_H_
