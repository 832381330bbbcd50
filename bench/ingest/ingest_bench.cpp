// Ingest benchmark: articles/s committed by Store::commit_poll (one
// transaction per poll: the poll's articles plus the source's new fetch
// state), against PostgreSQL's own COPY of the same rows into the same schema
// (indexes, generated full-text column and all) as the ceiling.
//
// Run (Release build, a server of your own; the URL names any database the
// user may connect to, the bench creates and drops its own):
//   FEEDCLUSTERD_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55433/postgres
//     build-release/bench/ingest/ingest_bench [sources=20] [polls_per_source=20] [items_per_poll=50] [body_words=0] [writers=2]
// The items are the real RSS items of ../shared/corpus/news/rss_board_dev
// (title + summary, no body, as most feeds deliver them); body_words adds a
// generated body of that many words to each, for feeds with full content.
// writers: concurrent connections, as the daemon's pool of database threads
// (the COPY ceiling uses as many).
// FEEDCLUSTERD_TEST_DATABASE_URL is used when the BENCH variable is unset.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
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

// CPU seconds (user + system) a local process has used, from /proc: the
// server runs on this machine, so its backend's CPU per article can be
// measured even when other load stretches the wall-clock time.
double process_cpu_seconds(long pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields{stat.substr(close + 2)};
  std::string field;
  double ticks = 0.0;
  // After "pid (comm) " comes field 3 (state); utime and stime are 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i >= 14) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

struct Measurement {
  double wall = 0;    // seconds
  double server = 0;  // CPU seconds of the server backend
  double client = 0;  // CPU seconds of this process
};

// The backend serving the one connection whose application_name is name.
long backend_pid(const std::string& url, const std::string& name) {
  pqxx::connection c{url};
  pqxx::nontransaction tx{c};
  const auto r = tx.exec_params("SELECT pid FROM pg_stat_activity WHERE application_name = $1", name);
  if (r.size() != 1) throw std::runtime_error("cannot find the backend of " + name);
  return r[0][0].as<long>();
}

// The measured path, as the daemon's database threads run it: `writers`
// threads, each an instance with its own Store, claim due sources and commit
// one poll each (articles + fetch state, one transaction). The poll number
// travels in the ETag; a source is due again at once until its last poll.
Measurement run_store(const std::string& url, const Workload& w, TimePoint start, int writers) {
  {
    fcd::store::Store setup{{url, "setup", {}, {}}};
    std::vector<fcd::store::SourceSpec> specs;
    for (int s = 0; s < w.sources; ++s)
      specs.push_back({"https://site" + std::to_string(s) + ".example/feed", {}, {}, {}, {}});
    setup.upsert_sources(specs, fcd::store::SourceOrigin::kCli);
  }
  std::vector<std::unique_ptr<fcd::store::Store>> stores;
  std::vector<long> servers;
  for (int k = 0; k < writers; ++k) {
    const std::string id = "bench-" + std::to_string(k);
    stores.push_back(std::make_unique<fcd::store::Store>(fcd::store::StoreOptions{url, id, {}, {}}));
    servers.push_back(backend_pid(url, "feedclusterd " + id));
  }
  auto server_cpu = [&servers] {
    double total = 0;
    for (const long pid : servers) total += process_cpu_seconds(pid);
    return total;
  };
  std::map<fcd::core::SourceId, std::size_t> index_of;
  for (const auto& row : stores[0]->list_sources())
    index_of[row.id] = static_cast<std::size_t>(std::stoi(row.url.substr(std::string{"https://site"}.size())));

  const double server0 = server_cpu(), client0 = self_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (auto& owned : stores) {
    threads.emplace_back([&, store = owned.get()] {
      for (;;) {
        const auto claimed = store->claim_due_sources(start, Duration{300}, 2);
        if (claimed.empty()) return;
        for (const auto& source : claimed) {
          const int poll = source.etag ? std::stoi(*source.etag) + 1 : 0;
          fcd::store::FetchOutcome outcome;
          outcome.http_status = 200;
          outcome.etag = std::to_string(poll);
          outcome.next_poll_at = poll + 1 < w.polls_per_source ? start : start + Duration{86400};
          const auto& items = w.polls.at(index_of.at(source.id)).at(static_cast<std::size_t>(poll));
          committed += store->commit_poll(source.id, items, outcome, start + Duration{poll * 900}).inserted;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const Measurement m{seconds_since(t0), server_cpu() - server0, self_cpu_seconds() - client0};
  const int expected = w.sources * w.polls_per_source * w.items_per_poll;
  if (committed != expected) {
    std::fprintf(stderr, "store committed %d articles, expected %d\n", committed.load(), expected);
    std::exit(1);
  }
  return m;
}

// The ceiling: COPY of the same article rows by `writers` connections, each
// taking a share of the sources: one COPY and one transaction per poll
// (per_poll), or each writer's rows in one COPY.
Measurement run_copy(const std::string& url, const Workload& w, TimePoint start, bool per_poll, int writers) {
  {
    pqxx::connection c{url};
    pqxx::work tx{c};
    for (int s = 0; s < w.sources; ++s)
      tx.exec_params("INSERT INTO sources (url, origin) VALUES ($1, 'cli')",
                     "https://site" + std::to_string(s) + ".example/feed");
    tx.commit();
  }
  const std::vector<std::string> columns{"source_id", "guid",         "url",          "canonical_url", "title",
                                         "summary",   "content",      "author",       "published_at",  "first_seen_at",
                                         "updated_at", "sort_at",     "language"};
  std::vector<std::unique_ptr<pqxx::connection>> conns;
  std::vector<long> servers;
  for (int k = 0; k < writers; ++k) {
    conns.push_back(std::make_unique<pqxx::connection>(url));
    servers.push_back(conns.back()->backendpid());
  }
  auto server_cpu = [&servers] {
    double total = 0;
    for (const long pid : servers) total += process_cpu_seconds(pid);
    return total;
  };
  const double server0 = server_cpu(), client0 = self_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int k = 0; k < writers; ++k) {
    threads.emplace_back([&, k] {
      pqxx::connection& c = *conns[static_cast<std::size_t>(k)];
      std::optional<pqxx::work> tx;
      std::optional<pqxx::stream_to> copy;
      for (int p = 0; p < w.polls_per_source; ++p) {
        const std::string now = fcd::core::format_rfc3339(start + Duration{p * 900});
        for (int s = k; s < w.sources; s += writers) {
          if (!tx) {
            tx.emplace(c);
            copy.emplace(*tx, "articles", columns);
          }
          for (const auto& a : w.polls[static_cast<std::size_t>(s)][static_cast<std::size_t>(p)]) {
            const std::string published = fcd::core::format_rfc3339(*a.published_at);
            *copy << std::make_tuple(s + 1, a.guid, *a.url, *a.canonical_url, a.title, a.summary, a.content,
                                     *a.author, published, now, now, published, *a.language);
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
    });
  }
  for (auto& t : threads) t.join();
  return {seconds_since(t0), server_cpu() - server0, self_cpu_seconds() - client0};
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
  const int writers = argc > 5 ? std::atoi(argv[5]) : 2;
  if (sources <= 0 || polls <= 0 || items <= 0 || body_words < 0 || writers <= 0) {
    std::fprintf(stderr, "usage: ingest_bench [sources] [polls_per_source] [items_per_poll] [body_words] [writers]\n");
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
    Measurement store{1e30, 1e30, 1e30}, copy_poll{1e30, 1e30, 1e30}, copy_all{1e30, 1e30, 1e30};
    auto keep_best = [](Measurement& best, const Measurement& m) {
      best.wall = std::min(best.wall, m.wall);
      best.server = std::min(best.server, m.server);
      best.client = std::min(best.client, m.client);
    };
    for (int round = 0; round < rounds; ++round) {
      {
        BenchDatabase db{url, "store"};
        keep_best(store, run_store(db.url(), w, start, writers));
      }
      {
        BenchDatabase db{url, "copy"};
        keep_best(copy_poll, run_copy(db.url(), w, start, true, writers));
      }
      {
        BenchDatabase db{url, "copyall"};
        keep_best(copy_all, run_copy(db.url(), w, start, false, writers));
      }
    }
    std::printf("%d writer connections each; best of %d interleaved rounds; wall clock, then per CPU-second of the\n"
                "server backends and of this client:\n",
                writers, rounds);
    auto line = [n](const char* what, const Measurement& m) {
      std::printf("%-46s %7.0f articles/s (%.2f s) | %7.0f /server CPU-s | %7.0f /client CPU-s\n", what, n / m.wall,
                  m.wall, n / m.server, n / m.client);
    };
    line("store commit_poll (1 txn/poll, + source state)", store);
    line("COPY ceiling, 1 COPY + txn per poll", copy_poll);
    line("COPY, all rows in one COPY", copy_all);
    std::printf("store / COPY per poll: wall %.0f%%, server CPU %.0f%%;  store / single COPY: wall %.0f%%, server CPU %.0f%%\n",
                100.0 * copy_poll.wall / store.wall, 100.0 * copy_poll.server / store.server,
                100.0 * copy_all.wall / store.wall, 100.0 * copy_all.server / store.server);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ingest_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
