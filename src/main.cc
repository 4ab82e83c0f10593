// floodchat: parse the command line, then hand over to the loop.
#include <cstdio>
#include <string>

#include "diag.h"
#include "loop.h"
#include "net.h"
#include "options.h"

int main(int argc, char** argv) {
  floodchat::Options options;
  std::string error;
  floodchat::net::PrepareStdio();
  switch (floodchat::ParseOptions(argc, argv, floodchat::net::UserName(), &options, &error)) {
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
