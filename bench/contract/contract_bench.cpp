// Contract benchmark: every documented query of sql/README.md against a large
// synthetic database, with its p50/p95 latency and whether its plan reads an
// index (EXPLAIN) or scans a big table sequentially.
//
// Run (Release build; the URL names any database the user may connect to, the
// bench creates its own, fills it IN the database with generate_series, and
// drops it unless keep=1):
//   FEEDCLUSTERD_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/postgres
//     build-release/bench/contract/contract_bench [articles=10000000] [stories=2000000] [runs=200] [keep=0]
// FEEDCLUSTERD_TEST_DATABASE_URL is used when the BENCH variable is unset.
// The articles are spread over 1,000 sources and the last 30 days; titles and
// texts are drawn from a small vocabulary in five languages; every story gets
// a created event plus one grew event per extra article.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <pqxx/pqxx>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "store/conninfo.hpp"
#include "store/store.hpp"
#include "support/sql_readme.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The first line that is not a comment, for the table.
std::string label(const std::string& query) {
  std::stringstream lines{query};
  std::string line, out;
  while (std::getline(lines, line)) {
    line.erase(0, line.find_first_not_of(' '));
    if (line.empty() || line.starts_with("--")) continue;
    if (!out.empty()) out += ' ';
    out += line;
    if (out.size() > 70) break;
  }
  return out.substr(0, 70);
}

void step(pqxx::connection& c, const char* what, const std::string& sql) {
  const auto start = Clock::now();
  pqxx::nontransaction tx{c};
  tx.exec(sql);
  std::printf("  %-44s %8.1f s\n", what, seconds_since(start));
  std::fflush(stdout);
}

void fill(pqxx::connection& c, long articles, long stories) {
  const std::string n = std::to_string(articles), m = std::to_string(stories);
  std::printf("filling %ld articles, %ld stories\n", articles, stories);
  step(c, "sources", "INSERT INTO sources (url, title, origin) SELECT 'https://s' || g || '.example/feed',"
                     " 'Source ' || g, 'cli' FROM generate_series(1, 1000) g");
  // Indexes are built after the rows: far cheaper than maintaining them row by row.
  step(c, "drop article indexes",
       "DROP INDEX articles_source_recent_idx, articles_recent_idx, articles_source_hash_idx,"
       " articles_search_idx, articles_first_seen_brin, articles_visible_seq_idx;"
       " ALTER TABLE articles DROP CONSTRAINT articles_source_id_guid_key;"
       " ALTER TABLE articles DROP CONSTRAINT articles_source_id_fkey");
  step(c, "stories",
       "INSERT INTO stories (id, headline, first_seen, last_updated, article_count, source_count, top_terms,"
       " published_first, published_last) OVERRIDING SYSTEM VALUE"
       " SELECT g, 'Story ' || g || ' about ' || (ARRAY['earthquake','election','flood','market','match'])[1 + g % 5],"
       " now() - interval '30 days' * (g::float8 / " + m + ") - interval '1 hour',"
       " now() - interval '30 days' * (g::float8 / " + m + ") + interval '1 microsecond' * (g % 997),"
       " " + n + " / " + m + ", least(" + n + " / " + m + ", 5), ARRAY['term' || g % 100],"
       " now() - interval '30 days' * (g::float8 / " + m + ") - interval '2 hours',"
       " now() - interval '30 days' * (g::float8 / " + m + ")"
       " FROM generate_series(1, " + m + ") g;"
       " SELECT setval(pg_get_serial_sequence('stories', 'id'), " + m + ")");
  step(c, "articles (with the generated search vector)",
       "INSERT INTO articles (source_id, guid, url, title, summary, content, author, published_at,"
       " first_seen_at, updated_at, sort_at, language)"
       " SELECT 1 + g % 1000, 'g' || g, 'https://s' || (1 + g % 1000) || '.example/a/' || g,"
       " (ARRAY['Earthquake hits','Election results in','Floods reach','Markets fall in','Cup final in',"
       "'Erdbeben trifft','Wahlen in','Séisme à','Terremoto en','Inondations à'])[1 + g % 10]"
       " || ' city ' || (g % 5000),"
       " 'Reports from city ' || (g % 5000) || ' say ' || (ARRAY['houses','bridges','voters','prices','fans'])[1 + g % 5]"
       " || ' were affected.', 'The full text of article ' || g || ' repeats what the reports say.',"
       " 'Author ' || g % 300, t - interval '5 minutes', t, t, t - interval '5 minutes',"
       " (ARRAY['en','en','de','fr','es',NULL])[1 + g % 6]"
       " FROM (SELECT g, now() - interval '30 days' * ((g % " + m + ")::float8 / " + m + ") AS t"
       " FROM generate_series(1, " + n + ") g) x");
  step(c, "article indexes and keys",
       "ALTER TABLE articles ADD CONSTRAINT articles_source_id_guid_key UNIQUE (source_id, guid);"
       " CREATE INDEX articles_source_recent_idx ON articles (source_id, sort_at DESC);"
       " CREATE INDEX articles_recent_idx ON articles (sort_at DESC, id DESC);"
       " CREATE INDEX articles_source_hash_idx ON articles (source_id, content_hash);"
       " CREATE INDEX articles_first_seen_brin ON articles USING brin (first_seen_at);"
       " CREATE UNIQUE INDEX articles_visible_seq_idx ON articles (visible_seq);"
       " ALTER TABLE articles ADD CONSTRAINT articles_source_id_fkey FOREIGN KEY (source_id)"
       " REFERENCES sources (id) ON DELETE CASCADE NOT VALID");
  // Every article placed in story 1 + id % stories, as the clusterer leaves them.
  step(c, "placements",
       "INSERT INTO article_placements (article_id, source_id, story_id, dedup_level, visible_seq)"
       " SELECT id, source_id, 1 + id % " + m + ", 'story', nextval('article_visible_seq') FROM articles;"
       " DELETE FROM cluster_queue");
  step(c, "full-text index", "CREATE INDEX articles_search_idx ON articles USING gin (search)");
  step(c, "story events",
       "INSERT INTO story_events (story_id, event, at, article_count, headline)"
       " SELECT s.id, CASE WHEN k = 1 THEN 'created' ELSE 'grew' END, s.first_seen + interval '1 minute' * k, k,"
       " s.headline FROM stories s, generate_series(1, least(s.article_count, 5)) k ORDER BY s.id, k");
  step(c, "tombstones (one per 1,000 articles)",
       "INSERT INTO article_tombstones (article_id, source_id, story_id, deleted_at, cause)"
       " SELECT " + n + " + g, 1 + g % 1000, 1 + g % " + m + ", now(), 'retention'"
       " FROM generate_series(1, " + n + " / 1000) g");
  step(c, "vacuum analyze", "VACUUM ANALYZE");
}

// Search texts by the share of articles fill() gives them: every title has
// "city", one in ten begins "Earthquake hits", one in five summaries have
// "bridges", one in 5,000 is about city 4242, "123456" is in one text only,
// "nomatchword" in none.
const std::vector<std::pair<std::string, std::string>> kSearchTexts{
    {"city", "all"},          {"earthquake", "1/10"}, {"bridges", "1/5"},
    {"city 4242", "1/5,000"}, {"123456", "one"},      {"nomatchword", "none"}};
const std::regex kSearchText{"feedclusterd_search_query\\('[^']*'"};

struct Figures {
  double p50_ms = 0, p95_ms = 0;
  long rows = 0;
  std::size_t runs = 0;
  std::string index;  // index names in the plan
  bool seq_scan = false;  // a sequential scan of articles, stories or story_events
};

Figures measure(pqxx::connection& c, const std::string& query, int runs) {
  Figures f;
  std::vector<double> ms;
  // A slow query stops after 30 s of runs (10 at least): its p95 is clear by then.
  const auto started = Clock::now();
  for (int i = 0; i < runs && (i < 10 || seconds_since(started) < 30); ++i) {
    pqxx::nontransaction tx{c};
    const auto start = Clock::now();
    f.rows = static_cast<long>(tx.exec(query).size());
    ms.push_back(seconds_since(start) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  f.runs = ms.size();
  f.p50_ms = ms[ms.size() / 2];
  f.p95_ms = ms[std::min(ms.size() - 1, ms.size() * 95 / 100)];
  pqxx::nontransaction tx{c};
  static const std::regex kIndex{"Index (?:Only )?Scan(?: Backward)? using ([a-z_]+)|Bitmap Index Scan on ([a-z_]+)"};
  for (const auto& row : tx.exec("EXPLAIN " + query)) {
    const auto line = row[0].as<std::string>();
    for (std::sregex_iterator it{line.begin(), line.end(), kIndex}, end; it != end; ++it) {
      const std::string name = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
      if (f.index.find(name) == std::string::npos) f.index += (f.index.empty() ? "" : ",") + name;
    }
    for (const char* table : {"Seq Scan on articles", "Seq Scan on stories", "Seq Scan on story_events"})
      if (line.find(table) != std::string::npos) f.seq_scan = true;
  }
  return f;
}

void print_header(const char* what) {
  std::printf("%-72s %9s %9s %5s %7s  %-5s %s\n", what, "p50 ms", "p95 ms", "runs", "rows", "seq?", "indexes used");
}

void print_row(const std::string& what, const Figures& f) {
  std::printf("%-72s %9.2f %9.2f %5zu %7ld  %-5s %s\n", what.c_str(), f.p50_ms, f.p95_ms, f.runs, f.rows,
              f.seq_scan ? "SEQ" : "no", f.index.empty() ? "(none)" : f.index.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("FEEDCLUSTERD_BENCH_DATABASE_URL");
  if (env == nullptr || *env == '\0') env = std::getenv("FEEDCLUSTERD_TEST_DATABASE_URL");
  if (env == nullptr || *env == '\0') {
    std::fprintf(stderr, "set FEEDCLUSTERD_BENCH_DATABASE_URL (a server the bench may create a database on)\n");
    return 2;
  }
  const long articles = argc > 1 ? std::atol(argv[1]) : 10'000'000;
  const long stories = argc > 2 ? std::atol(argv[2]) : 2'000'000;
  const int runs = argc > 3 ? std::atoi(argv[3]) : 200;
  const bool keep = argc > 4 && std::atoi(argv[4]) != 0;
  if (articles < stories || stories < 1 || runs < 1) {
    std::fprintf(stderr, "usage: contract_bench [articles >= stories] [stories >= 1] [runs >= 1] [keep 0|1]\n");
    return 2;
  }
  const std::string server = env;
  const std::string name = "fcd_contract_bench_" + std::to_string(getpid());
  {
    pqxx::connection admin{server};
    pqxx::nontransaction tx{admin};
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  const std::string url = fcd::store::with_database(server, name);
  int status = 0;
  try {
    fcd::store::Store{{url, "contract-bench", {}, {}}}.migrate();
    pqxx::connection c{url};
    const auto start = Clock::now();
    fill(c, articles, stories);
    std::printf("filled in %.0f s\n\n", seconds_since(start));
    print_header("documented query (sql/README.md)");
    const auto queries = fcd::test::sql_readme_queries(std::string{FCD_SOURCE_DIR} + "/sql/README.md");
    for (const auto& query : queries) {
      const auto f = measure(c, query, runs);
      print_row(label(query), f);
    }
    // The planner picks the search plan by the words' frequencies: the first
    // documented search again with words from every article to none.
    const auto search = std::find_if(queries.begin(), queries.end(), [](const std::string& q) {
      return std::regex_search(q, kSearchText) && q.find("ORDER BY sort_at DESC") != std::string::npos;
    });
    if (search != queries.end()) {
      std::printf("\n");
      print_header("the first search, other text (share of articles)");
      for (const auto& [text, share] : kSearchTexts) {
        const auto query = std::regex_replace(*search, kSearchText, "feedclusterd_search_query('" + text + "'");
        const auto f = measure(c, query, runs);
        print_row("'" + text + "' (" + share + ")", f);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "contract_bench: %s\n", e.what());
    status = 1;
  }
  if (keep) {
    std::printf("kept database %s\n", name.c_str());
  } else {
    pqxx::connection admin{server};
    pqxx::nontransaction tx{admin};
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
  }
  return status;
}
