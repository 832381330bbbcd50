#pragma once
// The running daemon: scheduling by leases, polling on one event loop, parsing
// on a CPU pool, ingest on database threads, the clusterer when this instance
// holds its lock, and signals.
//
// Threads: the caller's thread runs the io_context (network, timers, signals);
// `service.worker_threads` threads parse; `database.pool_size` threads each own
// a connection; one thread runs the clusterer with its own connection.
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace fcd::service {

struct RunOptions {
  // Poll every due source once, let the clusterer catch up, and return.
  bool once = false;
  // With once: make every enabled source due first (poll-once --all).
  bool all_sources = false;
  // With once: poll only this source, due or not (poll-once --source).
  std::optional<std::string> only_source;
  // Print one line per poll and a summary line to stdout (poll-once).
  bool print_polls = false;
};

class Daemon {
 public:
  // config_path is re-read on SIGHUP; config is the already loaded one.
  Daemon(config::Config config, std::string config_path);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Migrates (when database.auto_migrate), syncs config sources, then runs
  // until SIGTERM/SIGINT (or, with once, until the work is done). Returns the
  // process exit code. Throws store::StoreError when start-up cannot reach the
  // database.
  int run(const RunOptions& options);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fcd::service
