// floodchat: parse the command line, then hand over to the loop.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "diag.h"
#include "loop.h"
#include "options.h"

int main(int argc, char** argv) {
  floodchat::Options options;
  std::string error;
  // The default nick: $USER, or on Windows %USERNAME%.
  const char* user = getenv("USER");
#ifdef _WIN32
  if (user == nullptr) user = getenv("USERNAME");
#endif
  switch (floodchat::ParseOptions(argc, argv, user, &options, &error)) {
    case floodchat::ParseOutcome::kHelp:
      fputs(floodchat::kUsageText, stdout);
      return 0;
    case floodchat::ParseOutcome::kVersion:
      fputs(floodchat::kVersionText, stdout);
      return 0;
    case floodchat::ParseOutcome::kUsageError:
      floodchat::ErrPrintf("floodchat: %s\n", error.c_str());
      return 2;
    case floodchat::ParseOutcome::kRun:
      break;
  }
  floodchat::Node node(options);
  return node.Run();
}
