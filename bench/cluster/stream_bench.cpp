// Stream benchmark: replays the three development sets as one long feed and
// reports items/s through the whole engine (analysis, dedup, clustering,
// merges) and memory per article in the window.
//
//   cluster_stream_bench [ITEMS=1000000] [ITEMS_PER_DAY=7613]
//
// Each pass feeds all 7,613 dev items once, spread evenly over one day of
// article time, in a seeded shuffled order. Every pass renames about half of
// the words (a pass-specific suffix, the same within the pass), so the texts
// of one pass are neither duplicates of the last pass's nor unrelated to
// them. Items without a ~500-character summary get one by appending the
// titles and summaries of other items of the same set.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cluster/engine.hpp"
#include "text/minhash.hpp"

namespace {

using fcd::cluster::Article;
using fcd::cluster::Engine;

constexpr std::size_t kSummaryChars = 500;

struct Item {
  std::string title, summary, source, lang;
};

std::vector<Item> load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<Item> items;
  std::string line;
  auto text = [](const nlohmann::json& j, const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string{};
  };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    items.push_back({text(j, "title"), text(j, "summary"), text(j, "source"), text(j, "lang")});
  }
  const std::vector<Item> originals = items;  // pad from unpadded text only
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string& s = items[i].summary;
    // Padding from items scattered over the set, a different mix for each
    // item, so padded items do not become near-duplicates of one another.
    for (std::size_t k = 1; s.size() < kSummaryChars && k < items.size(); ++k) {
      const std::string key = std::to_string(i) + "/" + std::to_string(k);
      const Item& next = originals[fcd::text::hash64(key) % originals.size()];
      if (!s.empty()) s.push_back(' ');
      s.append(next.title).append(". ").append(next.summary);
    }
    if (const std::size_t cut = s.find(' ', kSummaryChars); cut != std::string::npos) s.resize(cut);
  }
  return items;
}

// Renames about half the words for this pass: ASCII words only, so UTF-8 stays valid.
std::string rename_words(const std::string& text, std::size_t pass) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isalpha(static_cast<unsigned char>(text[i]))) {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    std::string word = text.substr(i, j - i);
    std::string lower = word;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += word;
    if (((fcd::text::hash64(lower) ^ (pass * 0x9e3779b97f4a7c15ULL)) >> 7) % 2 == 0) out.append("x").append(std::to_string(pass));
    i = j;
  }
  return out;
}

// CPU time of this thread: unlike wall time, it does not grow when other
// jobs on a shared machine take the core away.
std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t total = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t per_day = argc > 2 ? std::stoul(argv[2]) : 7613;
  const std::string news = std::string(FCD_SHARED_DIR) + "/corpus/news/";
  std::vector<Item> items;
  for (const char* set : {"rss_board_dev/items.jsonl", "uci_newsagg_dev.jsonl", "uci_newsagg_sample/items.jsonl"}) {
    auto part = load(news + set);
    items.insert(items.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  std::mt19937_64 rng(42);
  const long baseline_kb = peak_rss_kb();

  Engine engine;
  const fcd::core::TimePoint start{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
  std::chrono::nanoseconds engine_time{0}, engine_cpu_time{0};
  std::size_t fed = 0, duplicates = 0, joined = 0, max_window = 0;
  std::size_t max_state_bytes = 0;
  std::vector<std::size_t> order(items.size());
  for (std::size_t pass = 0; fed < total; ++pass) {
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t k = 0; k < order.size() && fed < total; ++k, ++fed) {
      const Item& item = items[order[k]];
      Article a;
      a.id = static_cast<fcd::core::ArticleId>(fed + 1);
      a.title = rename_words(item.title, pass);
      a.text = rename_words(item.summary, pass);
      a.source = item.source;
      a.language = item.lang;
      a.published = start + std::chrono::seconds(static_cast<long long>(fed * 86400 / per_day));
      const auto t0 = std::chrono::steady_clock::now();
      const auto cpu0 = thread_cpu_time();
      const auto d = engine.add(a);
      engine_cpu_time += thread_cpu_time() - cpu0;
      engine_time += std::chrono::steady_clock::now() - t0;
      duplicates += d.placement == fcd::cluster::Decision::Placement::kDuplicate;
      joined += d.placement == fcd::cluster::Decision::Placement::kJoined;
      if (fed % 20000 == 0) {
        const auto s = engine.stats();
        max_window = std::max(max_window, s.articles);
        max_state_bytes = std::max(max_state_bytes, s.state_bytes);
      }
    }
  }
  const auto s = engine.stats();
  max_window = std::max(max_window, s.articles);
  max_state_bytes = std::max(max_state_bytes, s.state_bytes);
  const double seconds = std::chrono::duration<double>(engine_time).count();
  const long peak_kb = peak_rss_kb();
  std::printf("items                 %zu (%zu a day of article time, window %s)\n", fed, per_day, "72h");
  const double cpu_seconds = std::chrono::duration<double>(engine_cpu_time).count();
  std::printf("engine time           %.2f s wall, %.2f s CPU, on one thread\n", seconds, cpu_seconds);
  std::printf("throughput            %.0f items/s wall, %.0f items per CPU-second\n", static_cast<double>(fed) / seconds,
              static_cast<double>(fed) / cpu_seconds);
  std::printf("placements            %zu joined, %zu duplicates, %zu founded\n", joined, duplicates,
              fed - joined - duplicates);
  std::printf("window at end         %zu articles, %zu stories, %zu postings, %zu df terms\n", s.articles, s.stories,
              s.postings, s.vocabulary);
  std::printf("state estimate        %.0f bytes/article (engine's own count, largest sample %zu bytes, window max %zu)\n",
              static_cast<double>(s.state_bytes) / static_cast<double>(s.articles), max_state_bytes, max_window);
  std::printf("peak RSS              %.1f MiB (%.1f MiB before the engine) -> %.0f bytes per windowed article\n",
              peak_kb / 1024.0, baseline_kb / 1024.0,
              static_cast<double>(peak_kb - baseline_kb) * 1024.0 / static_cast<double>(max_window));
  return 0;
}
