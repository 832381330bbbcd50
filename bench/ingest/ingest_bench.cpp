// Ingest benchmark: articles/s committed by Store::commit_poll (one
// transaction per poll: the poll's articles plus the source's new fetch
// state), against PostgreSQL's own COPY of the same rows into the same schema
// (indexes, generated full-text column and all) as the ceiling.
//
// Run (Release build, a server of your own; the URL names any database the
// user may connect to, the bench creates and drops its own):
//   FEEDCLUSTERD_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55433/postgres
//     build-release/bench/ingest/ingest_bench [sources=20] [polls_per_source=20] [items_per_poll=50] [body_words=0]
// The items are the real RSS items of ../shared/corpus/news/rss_board_dev
// (title + summary, no body, as most feeds deliver them); body_words adds a
// generated body of that many words to each, for feeds with full content.
// FEEDCLUSTERD_TEST_DATABASE_URL is used when the BENCH variable is unset.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/time.hpp"
#include "store/conninfo.hpp"
#include "store/store.hpp"

namespace {

using fcd::core::Duration;
using fcd::core::TimePoint;
using fcd::store::ArticleInput;
using fcd::store::with_database;

// A fresh, migrated database, dropped on destruction.
class BenchDatabase {
 public:
  BenchDatabase(std::string server, const std::string& tag)
      : server_(std::move(server)), name_("fcd_bench_" + tag + "_" + std::to_string(getpid())) {
    pqxx::connection admin{server_};
    pqxx::nontransaction tx{admin};
    tx.exec("CREATE DATABASE " + tx.quote_name(name_));
    url_ = with_database(server_, name_);
    fcd::store::Store{{url_, "bench", {}, {}}}.migrate();
  }
  ~BenchDatabase() {
    try {
      pqxx::connection admin{server_};
      pqxx::nontransaction tx{admin};
      tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dropping %s: %s\n", name_.c_str(), e.what());
    }
  }
  const std::string& url() const { return url_; }

 private:
  std::string server_;
  std::string name_;
  std::string url_;
};

// Filler words for the optional article bodies (the real items have none).
class TextGenerator {
 public:
  explicit TextGenerator(const std::vector<std::string>& corpus) : rng_(42) {
    for (const auto& text : corpus) {
      std::size_t pos = 0;
      while (pos < text.size()) {
        const auto end = std::min(text.find(' ', pos), text.size());
        if (end > pos) words_.push_back(text.substr(pos, end - pos));
        pos = end + 1;
      }
    }
    if (words_.empty()) words_.push_back("news");
  }
  std::string words(int n) {
    std::string out;
    std::uniform_int_distribution<std::size_t> pick(0, words_.size() - 1);
    for (int i = 0; i < n; ++i) {
      if (i) out += ' ';
      out += words_[pick(rng_)];
    }
    return out;
  }

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> words_;
};

struct RealItem {
  std::string title;
  std::string summary;
  std::string url;
  std::string lang;
};

// The 565 real RSS items of shared/corpus/news/rss_board_dev (title and the
// outlet's summary): what feeds really deliver.
std::vector<RealItem> load_real_items() {
  const std::string path = std::string{FCD_SHARED_DIR} + "/corpus/news/rss_board_dev/items.jsonl";
  std::ifstream in{path};
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<RealItem> items;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    auto text = [&j](const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string{}; };
    items.push_back({text("title"), text("summary"), text("url"), text("lang")});
  }
  if (items.empty()) throw std::runtime_error(path + " has no items");
  return items;
}

struct Workload {
  int sources;
  int polls_per_source;
  int items_per_poll;
  // polls[source][poll] = that poll's new items
  std::vector<std::vector<std::vector<ArticleInput>>> polls;
  std::size_t bytes = 0;
};

// Real items, cycled; each copy gets its own guid and URL, as the same text
// on another source or day would. body_words > 0 adds a generated body.
Workload make_workload(int sources, int polls_per_source, int items_per_poll, int body_words, TimePoint start) {
  Workload w{sources, polls_per_source, items_per_poll, {}, 0};
  const auto real = load_real_items();
  std::vector<std::string> corpus;
  for (const auto& r : real) corpus.push_back(r.title + " " + r.summary);
  TextGenerator text{corpus};
  std::size_t next = 0;
  w.polls.resize(static_cast<std::size_t>(sources));
  for (int s = 0; s < sources; ++s) {
    for (int p = 0; p < polls_per_source; ++p) {
      std::vector<ArticleInput> items;
      for (int i = 0; i < items_per_poll; ++i) {
        const auto& r = real[next++ % real.size()];
        ArticleInput a;
        const std::string id = std::to_string(s) + "-" + std::to_string(p) + "-" + std::to_string(i);
        a.guid = r.url + "#" + id;
        a.url = a.guid + "?utm_source=rss";
        a.canonical_url = a.guid;
        a.title = r.title;
        a.summary = r.summary;
        if (body_words > 0) a.content = text.words(body_words);
        a.author = "Reporter " + std::to_string(i % 7);
        a.published_at = start - Duration{3600 - p * 60 - i};
        a.language = r.lang.empty() ? "en" : r.lang;
        w.bytes += a.title.size() + a.summary.size() + a.content.size();
        items.push_back(std::move(a));
      }
      w.polls[static_cast<std::size_t>(s)].push_back(std::move(items));
    }
  }
  return w;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The measured path: each round claims every source, then commits one poll
// per source (articles + fetch state) in its own transaction.
double run_store(const std::string& url, const Workload& w, TimePoint start) {
  fcd::store::Store store{{url, "bench", {}, {}}};
  std::vector<fcd::store::SourceSpec> specs;
  for (int s = 0; s < w.sources; ++s) specs.push_back({"https://site" + std::to_string(s) + ".example/feed", {}, {}, {}, {}});
  store.upsert_sources(specs, fcd::store::SourceOrigin::kCli);
  std::map<fcd::core::SourceId, std::size_t> index_of;
  for (const auto& row : store.list_sources())
    index_of[row.id] = static_cast<std::size_t>(std::stoi(row.url.substr(std::string{"https://site"}.size())));
  const auto t0 = std::chrono::steady_clock::now();
  int committed = 0;
  for (int p = 0; p < w.polls_per_source; ++p) {
    const TimePoint now = start + Duration{p * 900};
    const auto claimed = store.claim_due_sources(now, Duration{300}, static_cast<std::size_t>(w.sources));
    for (const auto& source : claimed) {
      const auto index = index_of.at(source.id);
      fcd::store::FetchOutcome outcome;
      outcome.http_status = 200;
      outcome.etag = std::string{"W/"}.append(std::to_string(p));
      outcome.next_poll_at = now + Duration{900};
      const auto report = store.commit_poll(source.id, w.polls.at(index).at(static_cast<std::size_t>(p)), outcome, now);
      committed += report.inserted;
    }
  }
  const double elapsed = seconds_since(t0);
  const int expected = w.sources * w.polls_per_source * w.items_per_poll;
  if (committed != expected) {
    std::fprintf(stderr, "store committed %d articles, expected %d\n", committed, expected);
    std::exit(1);
  }
  return elapsed;
}

// The ceiling: COPY of the same article rows, one COPY and one transaction
// per poll (per_poll) or everything in one COPY.
double run_copy(const std::string& url, const Workload& w, TimePoint start, bool per_poll) {
  pqxx::connection c{url};
  {
    pqxx::work tx{c};
    for (int s = 0; s < w.sources; ++s)
      tx.exec_params("INSERT INTO sources (url, origin) VALUES ($1, 'cli')",
                     "https://site" + std::to_string(s) + ".example/feed");
    tx.commit();
  }
  const std::vector<std::string> columns{"source_id", "guid",         "url",          "canonical_url", "title",
                                         "summary",   "content",      "author",       "published_at",  "first_seen_at",
                                         "updated_at", "sort_at",     "language"};
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<pqxx::work> tx;
  std::optional<pqxx::stream_to> copy;
  for (int p = 0; p < w.polls_per_source; ++p) {
    const std::string now = fcd::core::format_rfc3339(start + Duration{p * 900});
    for (int s = 0; s < w.sources; ++s) {
      if (!tx) {
        tx.emplace(c);
        copy.emplace(*tx, "articles", columns);
      }
      for (const auto& a : w.polls[static_cast<std::size_t>(s)][static_cast<std::size_t>(p)]) {
        const std::string published = fcd::core::format_rfc3339(*a.published_at);
        *copy << std::make_tuple(s + 1, a.guid, *a.url, *a.canonical_url, a.title, a.summary, a.content, *a.author,
                                 published, now, now, published, *a.language);
      }
      if (per_poll) {
        copy->complete();
        copy.reset();
        tx->commit();
        tx.reset();
      }
    }
  }
  if (tx) {
    copy->complete();
    copy.reset();
    tx->commit();
  }
  return seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  const char* url = std::getenv("FEEDCLUSTERD_BENCH_DATABASE_URL");
  if (url == nullptr || *url == '\0') url = std::getenv("FEEDCLUSTERD_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    std::fprintf(stderr, "set FEEDCLUSTERD_BENCH_DATABASE_URL to a PostgreSQL server URL\n");
    return 2;
  }
  const int sources = argc > 1 ? std::atoi(argv[1]) : 20;
  const int polls = argc > 2 ? std::atoi(argv[2]) : 20;
  const int items = argc > 3 ? std::atoi(argv[3]) : 50;
  const int body_words = argc > 4 ? std::atoi(argv[4]) : 0;
  if (sources <= 0 || polls <= 0 || items <= 0 || body_words < 0) {
    std::fprintf(stderr, "usage: ingest_bench [sources] [polls_per_source] [items_per_poll] [body_words]\n");
    return 2;
  }
  try {
    const TimePoint start{Duration{1'750'000'000}};
    const auto w = make_workload(sources, polls, items, body_words, start);
    const double n = static_cast<double>(sources) * polls * items;
    std::printf("workload: %d sources x %d polls x %d items = %.0f articles (rss_board_dev items, %d-word bodies), "
                "%.0f bytes of text per article\n",
                sources, polls, items, n, body_words, static_cast<double>(w.bytes) / n);

    // Interleaved rounds, best of each: on a shared machine the other load
    // only ever slows a run down, so the fastest run is the truest figure.
    const int rounds = 3;
    double store_s = 1e30, copy_poll_s = 1e30, copy_all_s = 1e30;
    for (int round = 0; round < rounds; ++round) {
      {
        BenchDatabase db{url, "store"};
        store_s = std::min(store_s, run_store(db.url(), w, start));
      }
      {
        BenchDatabase db{url, "copy"};
        copy_poll_s = std::min(copy_poll_s, run_copy(db.url(), w, start, true));
      }
      {
        BenchDatabase db{url, "copyall"};
        copy_all_s = std::min(copy_all_s, run_copy(db.url(), w, start, false));
      }
    }
    std::printf("best of %d interleaved rounds:\n", rounds);
    std::printf("store commit_poll (articles + source state, 1 txn/poll): %8.0f articles/s (%.2f s)\n", n / store_s,
                store_s);
    std::printf("COPY ceiling, 1 COPY + txn per poll:                     %8.0f articles/s (%.2f s)\n",
                n / copy_poll_s, copy_poll_s);
    std::printf("COPY, all rows in one COPY:                              %8.0f articles/s (%.2f s)\n",
                n / copy_all_s, copy_all_s);
    std::printf("ratio store / COPY per poll: %.0f%%   store / single COPY: %.0f%%\n", 100.0 * copy_poll_s / store_s,
                100.0 * copy_all_s / store_s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ingest_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
