#pragma once

namespace fcd::cli {

// Parses argv, runs the chosen command and returns the process exit code:
// 0 ok, 1 runtime failure, 2 usage or configuration error.
int run(int argc, char** argv);

}  // namespace fcd::cli
