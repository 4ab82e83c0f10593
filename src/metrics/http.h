// The little HTTP the metrics endpoint speaks (RFC 9112, the part a scraper
// uses): one request per connection, its head read whole and bounded, one
// answer, then the connection is closed. Pure: bytes in, a verdict and the
// answer's bytes out; the sockets are the server's (metrics/server.h).
#ifndef FLOODCHAT_METRICS_HTTP_H_
#define FLOODCHAT_METRICS_HTTP_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace floodchat {

// A request head longer than this is answered 431 and not read further.
constexpr size_t kMaxRequestHeadBytes = 4096;

struct HttpVerdict {
  // 200 for GET or HEAD of /metrics (a query string is ignored); else 400
  // (not a request line), 404 (another path), 405 (another method), 431
  // (the head passed kMaxRequestHeadBytes) or 505 (not HTTP/1.x).
  int status = 0;
  bool head = false;  // a HEAD request: the answer has no body
};

enum class HttpParse { kNeedMore, kDone };

// Looks at what has arrived on a connection so far. kNeedMore until the
// head's empty line (CRLF CRLF, or LF LF) has arrived, or until `received`
// shows it can never be a good request (an overlong head, a request line
// that is already wrong). A body is never read: the endpoint takes none.
HttpParse ParseHttpRequest(std::string_view received, HttpVerdict* verdict);

// The whole answer: status line, Content-Type, Content-Length, Connection:
// close, and `body` unless it is for a HEAD. For a status other than 200 the
// body is a one-line text of the status and `body` is not used.
std::string HttpAnswer(const HttpVerdict& verdict, std::string_view body);

}  // namespace floodchat

#endif  // FLOODCHAT_METRICS_HTTP_H_
