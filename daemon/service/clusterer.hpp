#pragma once
// The clusterer's side of the pipeline: reads committed, not yet clustered
// articles in commit order, feeds them to the engine and writes its decisions
// back, batch by batch, so it can stop and resume anywhere.
//
// Only the instance holding the clusterer advisory lock runs it. The lock lives
// on this object's own connection; a Clusterer is driven by one thread at a time.
#include <cstddef>
#include <memory>

#include "cluster/engine.hpp"
#include "service/mapping.hpp"
#include "store/store.hpp"

namespace fcd::service {

struct ClusterStepResult {
  bool holds_lock = false;
  std::size_t articles = 0;       // clustered in this step
  std::size_t stories_created = 0;
  std::size_t stories_merged = 0;
};

class Clusterer {
 public:
  Clusterer(store::StoreOptions store_options, cluster::EngineOptions engine_options, std::size_t batch_size);

  // One step: (re)connects and tries to take the lock when needed, then
  // clusters up to batch_size pending articles. Throws store::StoreError; after
  // a lost connection the next step reconnects (and must win the lock again).
  ClusterStepResult step(core::TimePoint now);

  // Gives up the lock and the connection (shutdown).
  void release();

 private:
  store::StoreOptions store_options_;
  cluster::Engine engine_;
  std::size_t batch_size_;
  std::unique_ptr<store::Store> store_;
  StoryIdMap story_ids_;
};

}  // namespace fcd::service
