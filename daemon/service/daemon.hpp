#pragma once
// The running daemon: wires the Scheduler (which sources, when), the Poller
// (fetch, parse, store one source), the ClusterDriver (the clusterer on its
// thread) and Housekeeping (summary, retention, watchdog) together, serves
// /metrics and /healthz, and handles signals: SIGTERM/SIGINT stop it, SIGHUP
// reloads the configuration by swapping in a new snapshot (LiveConfig).
//
// Threads: the caller's thread runs the io_context (network, timers, signals);
// `service.worker_threads` threads parse; `database.pool_size` threads each own
// a connection; one thread runs the clusterer with its own connection.
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "service/run_observer.hpp"

namespace fcd::service {

struct RunOptions {
  // Poll every due source once, let the clusterer catch up, and return.
  bool once = false;
  // With once: make every enabled source due first (poll-once --all).
  bool all_sources = false;
  // With once: poll only this source, due or not (poll-once --source).
  std::optional<std::string> only_source;
  // Told of each poll and of the run's end (poll-once prints them); none: the log only.
  RunObserver* observer = nullptr;
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
