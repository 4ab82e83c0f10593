#include "metrics/http.h"

#include <cstdio>

namespace floodchat {

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

// A method is a token: visible ASCII but for the separators (RFC 9110 5.6.2).
bool TokenChar(char c) {
  if (c <= ' ' || c >= 0x7f) return false;
  for (char s : std::string_view("\"(),/:;<=>?@[\\]{}")) if (c == s) return false;
  return true;
}

// Judges a complete request line (without its line end).
HttpVerdict JudgeRequestLine(std::string_view line) {
  HttpVerdict v;
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1 ||
      line.find(' ', sp2 + 1) != std::string_view::npos) {
    v.status = 400;
    return v;
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method)
    if (!TokenChar(c)) {
      v.status = 400;
      return v;
    }
  for (char c : target)
    if (c <= ' ' || c >= 0x7f) {
      v.status = 400;
      return v;
    }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    v.status = 400;
    return v;
  }
  if (version[5] != '1') {
    v.status = 505;
    return v;
  }
  std::string_view path = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") {
    v.status = 405;
  } else if (path != "/metrics") {
    v.status = 404;
  } else {
    v.status = 200;
  }
  v.head = method == "HEAD";
  return v;
}

}  // namespace

HttpParse ParseHttpRequest(std::string_view received, HttpVerdict* verdict) {
  // Empty lines before the request line are allowed (RFC 9112 2.2).
  size_t start = 0;
  while (start < received.size() && (received[start] == '\r' || received[start] == '\n')) ++start;
  std::string_view rest = received.substr(start);
  size_t line_end = rest.find('\n');
  if (line_end == std::string_view::npos) {
    // No whole request line yet: a byte no request line holds ends it now.
    for (char c : rest)
      if ((c < ' ' && c != '\r') || c == 0x7f) {
        verdict->status = 400;
        verdict->head = false;
        return HttpParse::kDone;
      }
    if (received.size() >= kMaxRequestHeadBytes) {
      *verdict = HttpVerdict{431, false};
      return HttpParse::kDone;
    }
    return HttpParse::kNeedMore;
  }
  std::string_view line = rest.substr(0, line_end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  HttpVerdict v = JudgeRequestLine(line);
  if (v.status == 400) {
    *verdict = v;
    return HttpParse::kDone;
  }
  // The header fields are not used, but the answer waits for the end of the
  // head, so that the client has sent everything before the server closes.
  size_t pos = line_end + 1;
  for (;;) {
    size_t next = rest.find('\n', pos);
    if (next == std::string_view::npos) break;
    std::string_view field = rest.substr(pos, next - pos);
    if (field.empty() || field == "\r") {
      *verdict = v;
      return HttpParse::kDone;
    }
    pos = next + 1;
  }
  if (received.size() >= kMaxRequestHeadBytes) {
    *verdict = HttpVerdict{431, false};
    return HttpParse::kDone;
  }
  return HttpParse::kNeedMore;
}

std::string HttpAnswer(const HttpVerdict& verdict, std::string_view body) {
  const int status = verdict.status;
  char text[96];
  if (status != 200) {
    int n = snprintf(text, sizeof text, "%d %s%s\n", status, Reason(status),
                     status == 404 ? ": the metrics are at /metrics" : "");
    body = std::string_view(text, static_cast<size_t>(n));
  }
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: text/plain; %scharset=utf-8\r\n%s"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                   status, Reason(status), status == 200 ? "version=0.0.4; " : "",
                   status == 405 ? "Allow: GET, HEAD\r\n" : "", body.size());
  std::string out(head, static_cast<size_t>(n));
  if (!verdict.head) out.append(body.data(), body.size());
  return out;
}

}  // namespace floodchat
