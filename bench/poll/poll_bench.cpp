// Fetch-only polling benchmark. Three subcommands, driven by run.sh:
//   generate DIR N SEED   writes N seeded feeds (20-50 items, 20-60 KB) under
//                         DIR/feeds and their paths to DIR/paths.txt
//   free-port             prints a free TCP port on 127.0.0.1
//   fetch DIR BASE_URL CONCURRENCY
//                         fetches every path with the fetcher: a cold pass,
//                         then a warm pass with the cold pass's validators
//                         (expect all 304); prints one line of figures per
//                         pass and writes curl configs for the same requests
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "asio/asio.hpp"
#include "core/clock.hpp"
#include "fetch/fetcher.hpp"

namespace {

namespace fs = std::filesystem;
using fcd::fetch::FetchRequest;
using fcd::fetch::FetchResult;

constexpr const char* kWords[] = {"market", "election", "storm",   "minister", "report", "court",   "energy",
                                  "talks",  "city",     "company", "league",   "budget", "science", "health",
                                  "border", "vote",     "police",  "climate",  "trade",  "bank",    "school"};

std::string sentence(std::mt19937_64& rng, int words) {
  std::uniform_int_distribution<std::size_t> pick(0, std::size(kWords) - 1);
  std::string text;
  for (int i = 0; i < words; ++i) {
    if (i > 0) text += ' ';
    text += kWords[pick(rng)];
  }
  return text;
}

int generate(const fs::path& dir, int count, unsigned seed) {
  std::mt19937_64 rng{seed};
  fs::create_directories(dir / "feeds");
  std::ofstream paths{dir / "paths.txt"};
  std::uint64_t total_bytes = 0, total_items = 0;
  for (int feed = 0; feed < count; ++feed) {
    const int items = std::uniform_int_distribution<int>(20, 50)(rng);
    const std::size_t target = std::uniform_int_distribution<std::size_t>(20'000, 60'000)(rng);
    const std::size_t per_item = target / static_cast<std::size_t>(items);
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Feed " +
                      std::to_string(feed) + "</title><link>http://example.org/" + std::to_string(feed) +
                      "/</link><description>" + sentence(rng, 8) + "</description>\n";
    for (int item = 0; item < items; ++item) {
      const std::string id = std::to_string(feed) + "-" + std::to_string(item);
      std::string entry = "<item><title>" + sentence(rng, 8) + "</title><link>http://example.org/a/" + id +
                          "</link><guid>urn:bench:" + id + "</guid><pubDate>Sun, 01 Mar 2026 " +
                          (item % 24 < 10 ? "0" : "") + std::to_string(item % 24) +
                          ":00:00 GMT</pubDate><description>";
      while (entry.size() + 30 < per_item) entry += sentence(rng, 10) + ". ";
      xml += entry + "</description></item>\n";
    }
    xml += "</channel></rss>\n";
    const std::string sub = std::to_string(feed / 1000);
    fs::create_directories(dir / "feeds" / sub);
    const std::string path = "/" + sub + "/feed-" + std::to_string(feed) + ".xml";
    std::ofstream{dir / "feeds" / (sub + "/feed-" + std::to_string(feed) + ".xml"), std::ios::binary} << xml;
    paths << path << "\n";
    total_bytes += xml.size();
    total_items += static_cast<std::uint64_t>(items);
  }
  std::printf("generated %d feeds, %llu items, %.1f MB in %s (seed %u)\n", count,
              static_cast<unsigned long long>(total_items), static_cast<double>(total_bytes) / 1e6,
              dir.c_str(), seed);
  return 0;
}

int free_port() {
  fcd::asio::io_context io;
  fcd::asio::ip::tcp::acceptor acceptor{io, {fcd::asio::ip::make_address("127.0.0.1"), 0}};
  std::printf("%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  return 0;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// What a pass keeps of each fetch. Only this, not whole results: keeping
// 10,000 FetchResults (or their bodies) would measure this benchmark's
// memory, not the fetcher's; a poller hands results on and drops them.
struct Outcome {
  std::string label;  // status or error kind
  std::string etag, last_modified;
  std::uint64_t body_hash = 0;
  double latency_ms = 0;  // without the time queued for a slot
};

// One pass over every URL, all fetches started at once (the fetcher queues
// them behind its concurrency caps, as the daemon would).
std::vector<Outcome> run_pass(fcd::fetch::Fetcher& fetcher, fcd::asio::io_context& io,
                              const std::vector<FetchRequest>& requests, const char* name) {
  std::vector<Outcome> outcomes(requests.size());
  std::uint64_t body_bytes = 0, wire_bytes = 0;
  const double cpu_before = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    fcd::asio::co_spawn(
        io, fetcher.fetch(requests[i]),
        [&outcomes, &body_bytes, &wire_bytes, i](std::exception_ptr error, FetchResult result) {
          if (error) std::rethrow_exception(error);
          body_bytes += result.body.size();
          wire_bytes += result.bytes_on_wire;
          outcomes[i] = Outcome{
              result.ok() ? std::to_string(result.status) : std::string{fcd::fetch::to_string(result.error)},
              std::move(result.etag), std::move(result.last_modified), result.body_hash,
              std::chrono::duration<double, std::milli>(result.timings.total - result.timings.queued).count()};
        });
  }
  io.run();
  io.restart();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_before;
  std::map<std::string, int> counts;
  std::vector<double> latency_ms;
  for (const auto& outcome : outcomes) {
    ++counts[outcome.label];
    latency_ms.push_back(outcome.latency_ms);
  }
  std::sort(latency_ms.begin(), latency_ms.end());
  std::printf("fetcher %-4s: %zu feeds in %.2f s = %.0f feeds/s, %.1f MB body (%.1f MB/s), %.1f MB on the wire, "
              "CPU %.2f s, peak RSS %.1f MB; latency ms p50 %.2f p99 %.2f max %.2f; outcomes:",
              name, requests.size(), seconds, static_cast<double>(requests.size()) / seconds,
              static_cast<double>(body_bytes) / 1e6, static_cast<double>(body_bytes) / 1e6 / seconds,
              static_cast<double>(wire_bytes) / 1e6, cpu, static_cast<double>(peak_rss_kb()) / 1024.0,
              latency_ms[latency_ms.size() / 2], latency_ms[latency_ms.size() * 99 / 100], latency_ms.back());
  for (const auto& [label, count] : counts) std::printf(" %s=%d", label.c_str(), count);
  std::printf("\n");
  return outcomes;
}

// One block per URL: curl applies options (silent, write-out, headers) per
// URL set, and "next" separates the sets (none after the last, or curl
// complains of an empty one).
void write_curl_config(const fs::path& file, const std::vector<FetchRequest>& requests) {
  std::ofstream out{file};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (i > 0) out << "next\n";
    out << "url = \"" << requests[i].url << "\"\noutput = \"/dev/null\"\nsilent\nwrite-out = \"%{http_code}\\n\"\n";
    if (!requests[i].etag.empty()) {
      std::string etag;  // ETags are quoted: escape for curl's config syntax
      for (char c : requests[i].etag) {
        if (c == '"' || c == '\\') etag += '\\';
        etag += c;
      }
      out << "header = \"If-None-Match: " << etag << "\"\n";
    }
  }
}

int fetch(const fs::path& dir, const std::string& base_url, std::size_t concurrency) {
  std::vector<FetchRequest> requests;
  std::ifstream paths{dir / "paths.txt"};
  for (std::string path; std::getline(paths, path);)
    if (!path.empty()) requests.push_back(FetchRequest{base_url + path, {}, {}, {}, {}});

  fcd::asio::io_context io;
  fcd::core::SystemWallClock clock;
  fcd::fetch::FetcherOptions options;
  options.max_concurrent = concurrency;
  options.hosts.defaults = fcd::fetch::HostLimits{concurrency, 0, 1};  // one host: politeness off
  fcd::fetch::Fetcher fetcher{io, options, clock};

  write_curl_config(dir / "curl-cold.cfg", requests);
  const auto cold = run_pass(fetcher, io, requests, "cold");
  for (std::size_t i = 0; i < requests.size(); ++i) {
    requests[i].etag = cold[i].etag;
    requests[i].last_modified = cold[i].last_modified;
    requests[i].previous_body_hash = cold[i].body_hash;
  }
  write_curl_config(dir / "curl-warm.cfg", requests);
  run_pass(fetcher, io, requests, "warm");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 4 && args[0] == "generate") return generate(args[1], std::stoi(args[2]), std::stoul(args[3]));
    if (args.size() == 1 && args[0] == "free-port") return free_port();
    if (args.size() == 4 && args[0] == "fetch") return fetch(args[1], args[2], std::stoul(args[3]));
  } catch (const std::exception& e) {
    std::cerr << "fcd_poll_bench: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: fcd_poll_bench generate DIR N SEED | free-port | fetch DIR BASE_URL CONCURRENCY\n";
  return 2;
}
