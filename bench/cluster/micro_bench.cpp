// Micro-benchmarks of the pieces an article goes through.
#include <benchmark/benchmark.h>

#include <string>

#include "cluster/engine.hpp"
#include "text/analyzer.hpp"
#include "text/minhash.hpp"
#include "text/tokenize.hpp"

namespace {

const std::string kTitle = "Trump and Putin will meet in Alaska next week, Trump says";
const std::string kSummary =
    "President Trump and Vladimir Putin plan to meet in Alaska on Friday. Trump has confirmed the summit in a Truth "
    "Social post, and multiple sources say planning remains fluid. The White House has signaled openness to a "
    "trilateral meeting that could include Ukrainian President Volodymyr Zelenskyy, but those talks are not set in "
    "stone. If the meeting goes ahead, it would be the first face-to-face encounter between a U.S. leader and Putin "
    "since 2021. Washington has tied a potential ceasefire deal to sanctions relief as the war continues.";

void BM_Tokenize(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fcd::text::tokenize(kSummary));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kSummary.size()));
}
BENCHMARK(BM_Tokenize);

void BM_Analyze(benchmark::State& state) {
  fcd::text::Analyzer analyzer;
  for (auto _ : state) benchmark::DoNotOptimize(analyzer.analyze(kTitle, kSummary, fcd::text::Language::kEnglish));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Analyze);

void BM_AnalyzeDetectingLanguage(benchmark::State& state) {
  fcd::text::Analyzer analyzer;
  for (auto _ : state) benchmark::DoNotOptimize(analyzer.analyze(kTitle, kSummary, fcd::text::Language::kUnknown));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AnalyzeDetectingLanguage);

void BM_MinHash(benchmark::State& state) {
  fcd::text::Analyzer analyzer;
  const auto shingles = analyzer.analyze(kTitle, kSummary, fcd::text::Language::kEnglish).shingles;
  for (auto _ : state) benchmark::DoNotOptimize(fcd::text::minhash(shingles));
}
BENCHMARK(BM_MinHash);

// Steady state: an engine holding state.range(0) articles of varied filler
// news, fed one more article per iteration (ids and times move on, so the
// window keeps its size).
void BM_EngineAdd(benchmark::State& state) {
  fcd::cluster::Engine engine;
  const fcd::core::TimePoint t0{std::chrono::sys_days{std::chrono::year{2026} / 8 / 7}};
  const auto window_items = static_cast<std::int64_t>(state.range(0));
  const auto step = std::chrono::seconds(72 * 3600 / window_items);
  std::int64_t id = 0;
  auto make = [&](std::int64_t n) {
    fcd::cluster::Article a;
    a.id = n + 1;
    a.source = "source" + std::to_string(n % 50);
    a.title = kTitle + " " + std::to_string(n % 997) + " topic" + std::to_string(n % 131);
    a.text = "story" + std::to_string(n % 211) + " " + kSummary.substr(static_cast<std::size_t>(n % 60));
    a.language = "en";
    a.published = t0 + step * n;
    return a;
  };
  for (; id < window_items; ++id) engine.add(make(id));
  for (auto _ : state) benchmark::DoNotOptimize(engine.add(make(id++)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EngineAdd)->Arg(1000)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
