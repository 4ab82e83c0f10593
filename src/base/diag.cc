#include "base/diag.h"

#include <cstdarg>
#include <cstdio>

namespace floodchat {

namespace {

StderrSink stderr_sink = nullptr;
void* stderr_sink_context = nullptr;

}  // namespace

void SetStderrSink(StderrSink sink, void* context) {
  stderr_sink = sink;
  stderr_sink_context = context;
}

void ErrPrintf(const char* format, ...) {
  char text[4096];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(text, sizeof text, format, args);
  va_end(args);
  if (n < 0) return;
  size_t size = static_cast<size_t>(n);
  if (size >= sizeof text) {
    size = sizeof text - 1;
    text[size - 1] = '\n';
  }
  if (stderr_sink != nullptr) {
    stderr_sink(stderr_sink_context, text, size);
    return;
  }
  fwrite(text, 1, size, stderr);
  // Windows' C runtime buffers stderr when it is not a console.
  fflush(stderr);
}

void Log::Say(Level level, const char* format, ...) const {
  if (!Shows(level)) return;
  char line[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (capture_ != nullptr) {
    capture_->emplace_back(line);
    return;
  }
  ErrPrintf("floodchat: %s\n", line);
}

}  // namespace floodchat
