#include "options.h"

#include <cstring>

#include "wire/frame.h"

namespace floodchat {

const char kUsageText[] =
    "usage: floodchat [-hqrVv] [-c host:port] [-f chat | text | json] [-k file]\n"
    "                 [-l [host:]port] [-n nick] [--broadcast tree | flood]\n"
    "                 [--color when]\n"
    "                 [--handshake-timeout s] [--heartbeat s] [--history n] [--hops n]\n"
    "                 [--keepalive s] [--max-peers n] [--max-size bytes]\n"
    "                 [--metrics host:port] [--no-listen] [--peers n] [--presence]\n"
    "                 [--queue-max bytes] [--relay] [--seen n] [--stdout-max bytes]\n"
    "                 [--store bytes] [--timestamps]\n"
    "       floodchat --gen-key\n"
    "\n"
    "  -l, --listen [HOST:]PORT  listen there (default 0.0.0.0:55555, or one of\n"
    "                            the next 100 ports if it is busy)\n"
    "      --no-listen           make outbound connections only\n"
    "  -c, --connect HOST:PORT   keep a connection to that node (repeatable)\n"
    "      --peers N             connections to keep open, dialling known nodes\n"
    "                            (default 5; 0: only -c and /connect)\n"
    "      --max-peers N         most connections; more are refused (default 32)\n"
    "  -n, --nick NAME           name shown with your messages (default $USER)\n"
    "  -k, --key-file FILE       private network: only nodes with a key from FILE\n"
    "                            may join; traffic is encrypted (see SECURITY)\n"
    "      --gen-key             print a new random network key and exit\n"
    "  -f, --format FORMAT       stdout format: chat (NICK: TEXT), text, json\n"
    "      --presence            print who joins, leaves or renames on stdout too\n"
    "                            when not at a terminal (json objects, chat lines)\n"
    "      --timestamps          each line printed starts with the local time it\n"
    "                            arrived, HH:MM:SS (json: \"time_ms\")\n"
    "      --color WHEN          nicks in colour: auto (at a terminal, unless\n"
    "                            NO_COLOR is set), always, never\n"
    "  -r, --raw                 every stdin line is a message, no /commands\n"
    "      --relay               do not read stdin; run until SIGINT or SIGTERM\n"
    "      --metrics HOST:PORT   serve the counters at http://HOST:PORT/metrics\n"
    "                            (Prometheus text format)\n"
    "      --history N           on joining, print up to the N latest messages the\n"
    "                            first peer holds, before live ones (default 0)\n"
    "      --broadcast MODE      tree: messages whole along a spanning tree, their\n"
    "                            IDs on the other links (default); flood: whole\n"
    "                            on every link\n"
    "      --hops N              links a message may cross (default 64, 1-255)\n"
    "      --seen N              message IDs remembered (default 65536)\n"
    "      --max-size BYTES      largest message text (default 65536)\n"
    "      --queue-max BYTES     a peer whose queue passes this is dropped (16 MiB)\n"
    "      --stdout-max BYTES    unread output kept before messages go unprinted\n"
    "                            (default 4 MiB)\n"
    "      --store BYTES         recent messages kept to repair what peers missed\n"
    "                            (default 32 MiB; 0: none)\n"
    "      --handshake-timeout S seconds to connect and say hello (default 10)\n"
    "      --keepalive S         send a keepalive on a link idle for S seconds; a\n"
    "                            peer silent for 3 S is closed (default 10)\n"
    "      --heartbeat S         say this node is here every S seconds (default 30);\n"
    "                            nodes silent for 3 heartbeats and 2 s are gone\n"
    "  -q, --quiet               only errors on stderr\n"
    "  -v, --verbose             more diagnostics on stderr\n"
    "  -h, --help                this text\n"
    "  -V, --version             the version\n"
    "\n"
    "Commands on stdin: /connect HOST:PORT, /disconnect HOST:PORT|NICK, /peers,\n"
    "/who, /stats, /nick NAME, /quit, /help; //text sends /text. See floodchat(1).\n";

const char kVersionText[] = "floodchat 0.1.0 (protocol 2)\n";

namespace {

bool ParseNumber(std::string_view text, uint64_t max, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

bool ParsePort(std::string_view text, uint16_t* port) {
  uint64_t v;
  if (!ParseNumber(text, 65535, &v)) return false;
  *port = static_cast<uint16_t>(v);
  return true;
}

bool ParseRange(std::string_view name, std::string_view text, uint64_t lo, uint64_t hi,
                uint64_t* out, std::string* error) {
  if (!ParseNumber(text, hi, out) || *out < lo) {
    *error = std::string(name) + ": " + std::string(text) + ": not a number from " +
             std::to_string(lo) + " to " + std::to_string(hi);
    return false;
  }
  return true;
}

struct Spec {
  char short_name;  // 0 if none
  const char* long_name;
  bool takes_value;
};

const Spec kSpecs[] = {
    {'l', "listen", true},   {0, "no-listen", false}, {'c', "connect", true},
    {'n', "nick", true},     {'f', "format", true},   {'r', "raw", false},
    {0, "relay", false},     {0, "hops", true},       {0, "seen", true},
    {0, "max-size", true},   {'q', "quiet", false},   {'v', "verbose", false},
    {'h', "help", false},    {'V', "version", false}, {0, "peers", true},
    {0, "max-peers", true},  {0, "queue-max", true},  {0, "stdout-max", true},
    {0, "handshake-timeout", true}, {'k', "key-file", true}, {0, "gen-key", false},
    {0, "metrics", true},    {0, "heartbeat", true}, {0, "presence", false},
    {0, "timestamps", false}, {0, "color", true},   {0, "keepalive", true},
    {0, "store", true},      {0, "history", true},    {0, "broadcast", true},
};

const Spec* FindLong(std::string_view name) {
  for (const Spec& s : kSpecs)
    if (name == s.long_name) return &s;
  return nullptr;
}

const Spec* FindShort(char c) {
  for (const Spec& s : kSpecs)
    if (s.short_name == c) return &s;
  return nullptr;
}

}  // namespace

bool ParseEndpoint(std::string_view text, bool port_only_ok, Endpoint* out,
                   std::string* error) {
  std::string_view host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *error = std::string(text) + ": expected [ADDRESS]:PORT";
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      if (!port_only_ok) {
        *error = std::string(text) + ": expected HOST:PORT";
        return false;
      }
      host = "0.0.0.0";
      port = text;
    } else {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      if (host.find(':') != std::string_view::npos) {
        *error = std::string(text) + ": write an IPv6 address as [ADDRESS]:PORT";
        return false;
      }
    }
  }
  if (host.empty()) {
    *error = std::string(text) + ": empty host";
    return false;
  }
  for (unsigned char c : host) {
    // No name or address has these; taking them would also make the
    // endpoint print as text that reads back differently.
    if (c <= ' ' || c == 0x7f || c == '[' || c == ']') {
      *error = std::string(text) + ": bad character in host";
      return false;
    }
  }
  if (!ParsePort(port, &out->port)) {
    *error = std::string(text) + ": port must be a number from 0 to 65535";
    return false;
  }
  out->host = std::string(host);
  return true;
}

bool ValidNick(std::string_view nick, std::string* error) {
  if (nick.empty() || nick.size() > kMaxNickBytes) {
    *error = "must be 1 to " + std::to_string(kMaxNickBytes) + " bytes";
    return false;
  }
  for (unsigned char c : nick) {
    if (c < 0x20 || c == 0x7f) {
      *error = "must not contain control characters";
      return false;
    }
  }
  return true;
}

std::string EndpointText(const Endpoint& e) {
  bool v6 = e.host.find(':') != std::string::npos;
  return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

ParseOutcome ParseOptions(int argc, const char* const* argv, const char* env_user,
                          Options* o, std::string* error) {
  bool no_listen = false;
  bool nick_given = false;
  bool peers_given = false;
  bool max_peers_given = false;
  bool gen_key = false;
  ParseOutcome outcome = ParseOutcome::kRun;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      if (i + 1 < argc) {
        *error = std::string(argv[i + 1]) + ": unexpected argument (see floodchat --help)";
        return ParseOutcome::kUsageError;
      }
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      *error = std::string(arg) + ": unexpected argument (see floodchat --help)";
      return ParseOutcome::kUsageError;
    }
    // Collect (spec, value) pairs: one for a long option, possibly several
    // for a cluster of short flags such as -qr.
    struct Item {
      const Spec* spec;
      std::string_view value;
      std::string shown;  // the option as the user wrote it, for errors
    };
    std::vector<Item> items;
    if (arg[1] == '-') {
      std::string_view name = arg.substr(2);
      std::string_view value;
      bool has_value = false;
      size_t eq = name.find('=');
      if (eq != std::string_view::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      const Spec* spec = FindLong(name);
      std::string shown = "--" + std::string(name);
      if (spec == nullptr) {
        *error = shown + ": unknown option (see floodchat --help)";
        return ParseOutcome::kUsageError;
      }
      if (spec->takes_value && !has_value) {
        if (i + 1 >= argc) {
          *error = shown + ": missing value";
          return ParseOutcome::kUsageError;
        }
        value = argv[++i];
      } else if (!spec->takes_value && has_value) {
        *error = shown + ": takes no value";
        return ParseOutcome::kUsageError;
      }
      items.push_back({spec, value, shown});
    } else {
      for (size_t k = 1; k < arg.size(); ++k) {
        const Spec* spec = FindShort(arg[k]);
        std::string shown = std::string("-") + arg[k];
        if (spec == nullptr) {
          *error = shown + ": unknown option (see floodchat --help)";
          return ParseOutcome::kUsageError;
        }
        if (!spec->takes_value) {
          items.push_back({spec, {}, shown});
          continue;
        }
        std::string_view value = arg.substr(k + 1);
        if (value.empty()) {
          if (i + 1 >= argc) {
            *error = shown + ": missing value";
            return ParseOutcome::kUsageError;
          }
          value = argv[++i];
        }
        items.push_back({spec, value, shown});
        break;
      }
    }

    for (const Item& item : items) {
      std::string_view name = item.spec->long_name;
      std::string_view v = item.value;
      uint64_t n;
      if (name == "listen") {
        if (!ParseEndpoint(v, true, &o->listen_at, error)) {
          *error = item.shown + ": " + *error;
          return ParseOutcome::kUsageError;
        }
        o->listen_explicit = true;
      } else if (name == "no-listen") {
        no_listen = true;
      } else if (name == "connect") {
        Endpoint e;
        if (!ParseEndpoint(v, false, &e, error)) {
          *error = item.shown + ": " + *error;
          return ParseOutcome::kUsageError;
        }
        if (e.port == 0) {
          *error = item.shown + ": " + std::string(v) + ": port 0 cannot be connected to";
          return ParseOutcome::kUsageError;
        }
        o->connect.push_back(e);
      } else if (name == "nick") {
        std::string why;
        if (!ValidNick(v, &why)) {
          *error = item.shown + ": " + why;
          return ParseOutcome::kUsageError;
        }
        o->nick = std::string(v);
        nick_given = true;
      } else if (name == "format") {
        if (v == "chat") {
          o->format = Format::kChat;
        } else if (v == "text") {
          o->format = Format::kText;
        } else if (v == "json") {
          o->format = Format::kJson;
        } else {
          *error = item.shown + ": " + std::string(v) + ": expected chat, text or json";
          return ParseOutcome::kUsageError;
        }
      } else if (name == "raw") {
        o->raw = true;
      } else if (name == "relay") {
        o->relay = true;
      } else if (name == "timestamps") {
        o->timestamps = true;
      } else if (name == "color") {
        if (v == "auto") {
          o->color = ColorWhen::kAuto;
        } else if (v == "always") {
          o->color = ColorWhen::kAlways;
        } else if (v == "never") {
          o->color = ColorWhen::kNever;
        } else {
          *error = item.shown + ": " + std::string(v) + ": expected auto, always or never";
          return ParseOutcome::kUsageError;
        }
      } else if (name == "broadcast") {
        if (v == "tree") {
          o->broadcast = BroadcastMode::kTree;
        } else if (v == "flood") {
          o->broadcast = BroadcastMode::kFlood;
        } else {
          *error = item.shown + ": " + std::string(v) + ": expected tree or flood";
          return ParseOutcome::kUsageError;
        }
      } else if (name == "presence") {
        o->presence = true;
      } else if (name == "heartbeat") {
        if (!ParseRange(item.shown, v, 1, 3600, &n, error)) return ParseOutcome::kUsageError;
        o->heartbeat_s = static_cast<int>(n);
      } else if (name == "hops") {
        if (!ParseRange(item.shown, v, 1, 255, &n, error)) return ParseOutcome::kUsageError;
        o->hops = static_cast<int>(n);
      } else if (name == "seen") {
        if (!ParseRange(item.shown, v, 1, (uint64_t{1} << 24), &n, error))
          return ParseOutcome::kUsageError;
        o->seen = static_cast<size_t>(n);
      } else if (name == "max-size") {
        if (!ParseRange(item.shown, v, 1, kMaxMaxSize, &n, error))
          return ParseOutcome::kUsageError;
        o->max_size = static_cast<size_t>(n);
      } else if (name == "peers") {
        if (!ParseRange(item.shown, v, 0, kMaxMaxPeers, &n, error)) return ParseOutcome::kUsageError;
        o->peers = static_cast<size_t>(n);
        peers_given = true;
      } else if (name == "max-peers") {
        if (!ParseRange(item.shown, v, 1, kMaxMaxPeers, &n, error)) return ParseOutcome::kUsageError;
        o->max_peers = static_cast<size_t>(n);
        max_peers_given = true;
      } else if (name == "queue-max" || name == "stdout-max") {
        if (!ParseRange(item.shown, v, kMinQueueMax, kMaxQueueMax, &n, error))
          return ParseOutcome::kUsageError;
        (name == "queue-max" ? o->queue_max : o->stdout_max) = static_cast<size_t>(n);
      } else if (name == "history") {
        if (!ParseRange(item.shown, v, 0, 10000, &n, error)) return ParseOutcome::kUsageError;
        o->history = static_cast<size_t>(n);
      } else if (name == "store") {
        if (!ParseRange(item.shown, v, 0, kMaxStore, &n, error)) return ParseOutcome::kUsageError;
        o->store = static_cast<size_t>(n);
      } else if (name == "metrics") {
        if (!ParseEndpoint(v, false, &o->metrics_at, error)) {
          *error = item.shown + ": " + *error;
          return ParseOutcome::kUsageError;
        }
        o->metrics = true;
      } else if (name == "handshake-timeout") {
        if (!ParseRange(item.shown, v, 1, 3600, &n, error)) return ParseOutcome::kUsageError;
        o->handshake_timeout = static_cast<int>(n);
      } else if (name == "keepalive") {
        if (!ParseRange(item.shown, v, 1, 3600, &n, error)) return ParseOutcome::kUsageError;
        o->keepalive_s = static_cast<int>(n);
      } else if (name == "key-file") {
        if (v.empty()) {
          *error = item.shown + ": empty file name";
          return ParseOutcome::kUsageError;
        }
        o->key_file = std::string(v);
      } else if (name == "gen-key") {
        gen_key = true;
      } else if (name == "quiet") {
        o->verbosity = 0;
      } else if (name == "verbose") {
        o->verbosity = 2;
      } else if (name == "help") {
        outcome = ParseOutcome::kHelp;
      } else if (name == "version") {
        if (outcome != ParseOutcome::kHelp) outcome = ParseOutcome::kVersion;
      }
    }
  }
  if (outcome != ParseOutcome::kRun) return outcome;
  if (gen_key) {
    if (argc != 2) {
      *error = "--gen-key: takes no other option";
      return ParseOutcome::kUsageError;
    }
    return ParseOutcome::kGenKey;
  }
  if (no_listen && o->listen_explicit) {
    *error = "--no-listen: conflicts with -l";
    return ParseOutcome::kUsageError;
  }
  if (no_listen) o->listen = false;
  if (o->peers > o->max_peers) {
    if (peers_given && max_peers_given) {
      *error = "--peers: " + std::to_string(o->peers) + ": more than --max-peers " +
               std::to_string(o->max_peers);
      return ParseOutcome::kUsageError;
    }
    // Only one of them was given: the other default gives way.
    if (peers_given) o->max_peers = o->peers;
    else o->peers = o->max_peers;
  }
  if (!o->listen && o->relay && o->connect.empty()) {
    *error = "--relay: with --no-listen it needs at least one -c";
    return ParseOutcome::kUsageError;
  }
  if (!nick_given) {
    std::string why;
    o->nick = (env_user != nullptr && ValidNick(env_user, &why)) ? env_user : "anon";
  }
  return ParseOutcome::kRun;
}

}  // namespace floodchat
