#include <algorithm>
#include <optional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "log/log.hpp"

namespace fcd::cli {

namespace {

std::string source_name(const store::CoverageRow& row) { return row.source_title.value_or(row.source_url); }

// Titles and names come from feeds: never printed raw on a terminal.
using log::printable;

nlohmann::json coverage_json(const std::vector<store::CoverageRow>& rows) {
  nlohmann::json articles = nlohmann::json::array();
  for (const auto& row : rows) {
    articles.push_back({{"id", row.article_id},
                        {"source", source_name(row)},
                        {"title", row.title},
                        {"url", row.url ? nlohmann::json(*row.url) : nullptr},
                        {"published", row.published_at ? nlohmann::json(core::format_rfc3339(*row.published_at)) : nullptr},
                        {"first_seen", core::format_rfc3339(row.first_seen_at)},
                        {"duplicate_of", row.duplicate_of ? nlohmann::json(*row.duplicate_of) : nullptr},
                        {"dedup_level", row.dedup_level ? nlohmann::json(*row.dedup_level) : nullptr}});
  }
  return articles;
}

// When a story's articles say they were published (first seen where a feed
// gives no date): the event's span, not when we polled.
struct PublishedSpan {
  core::TimePoint from, to;
};

std::optional<PublishedSpan> published_span(const std::vector<store::CoverageRow>& rows) {
  std::optional<PublishedSpan> span;
  for (const auto& row : rows) {
    const auto at = row.published_at.value_or(row.first_seen_at);
    if (!span) span = PublishedSpan{at, at};
    span->from = std::min(span->from, at);
    span->to = std::max(span->to, at);
  }
  return span;
}

std::string format_span(const std::optional<PublishedSpan>& span) {
  if (!span) return "no articles";
  if (span->from == span->to) return "published " + core::format_rfc3339(span->from);
  return "published " + core::format_rfc3339(span->from) + " .. " + core::format_rfc3339(span->to);
}

void print_coverage(const std::vector<store::CoverageRow>& rows, std::size_t max_rows) {
  std::size_t shown = 0;
  for (const auto& row : rows) {
    if (shown++ == max_rows) {
      std::cout << "      ... and " << rows.size() - max_rows << " more\n";
      break;
    }
    std::cout << "      " << (row.duplicate_of ? "= " : "- ") << "[" << printable(source_name(row)) << "] " << printable(row.title);
    if (row.duplicate_of) std::cout << "  (copy of article " << *row.duplicate_of << ")";
    std::cout << "\n";
  }
}

}  // namespace

void add_stories_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* stories = app.add_subcommand("stories", "List story clusters with their coverage");
  struct Options {
    std::string since;
    std::size_t limit = 20;
    std::size_t articles = 8;
    std::string order = "recent";
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  stories->add_option("--since", options->since, "Only stories updated within this time, e.g. 24h");
  stories->add_option("--limit", options->limit, "Stories to show")->capture_default_str();
  stories->add_option("--articles", options->articles, "Articles shown per story (text output)")->capture_default_str();
  stories->add_option("--by", options->order, "Order: recent (latest activity first) or size (most articles first)")
      ->check(CLI::IsMember({"recent", "size"}))
      ->capture_default_str();
  stories->add_flag("--json", options->json, "One JSON object per story, with its articles");
  stories->callback([&globals, &result, options] {
    std::optional<core::TimePoint> cutoff;
    if (!options->since.empty()) {
      const auto since = core::parse_duration(options->since);
      if (!since) throw UsageError("--since: \"" + options->since + "\" is not a duration such as 24h");
      cutoff = core::SystemWallClock{}.now() - *since;
    }
    const auto config = load_config(globals);
    auto db = open_current_store(config);
    // Ordering by size needs every live story, not just the newest few.
    auto list = db->latest_stories(options->order == "size" ? 100000 : options->limit);
    if (cutoff)
      std::erase_if(list, [&](const store::StorySummary& story) { return story.last_updated < *cutoff; });
    if (options->order == "size")
      std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return a.article_count != b.article_count ? a.article_count > b.article_count
                                                  : a.source_count > b.source_count;
      });
    if (list.size() > options->limit) list.resize(options->limit);
    for (const auto& story : list) {
      const auto coverage = db->story_coverage(story.id);
      const auto span = published_span(coverage);
      if (options->json) {
        std::cout << nlohmann::json{{"id", story.id},
                                    {"headline", story.headline},
                                    {"first_seen", core::format_rfc3339(story.first_seen)},
                                    {"last_updated", core::format_rfc3339(story.last_updated)},
                                    {"article_count", story.article_count},
                                    {"source_count", story.source_count},
                                    {"top_terms", story.top_terms},
                                    {"published_from", span ? nlohmann::json(core::format_rfc3339(span->from)) : nullptr},
                                    {"published_to", span ? nlohmann::json(core::format_rfc3339(span->to)) : nullptr},
                                    {"articles", coverage_json(coverage)}}
                         .dump()
                  << "\n";
        continue;
      }
      std::cout << "#" << story.id << "  " << printable(story.headline) << "\n    " << story.article_count << " article"
                << (story.article_count == 1 ? "" : "s") << " from " << story.source_count << " source"
                << (story.source_count == 1 ? "" : "s") << ", " << format_span(span) << "\n";
      print_coverage(coverage, options->articles);
    }
    if (!options->json && list.empty()) std::cout << "no stories yet\n";
    result.exit_code = core::kExitOk;
  });

  auto* story = app.add_subcommand("story", "Show one story's coverage");
  auto id = std::make_shared<core::StoryId>(0);
  auto json = std::make_shared<bool>(false);
  story->add_option("id", *id, "Story id")->required();
  story->add_flag("--json", *json, "JSON output");
  story->callback([&globals, &result, id, json] {
    const auto config = load_config(globals);
    auto db = open_current_store(config);
    const auto coverage = db->story_coverage(*id);
    if (coverage.empty()) {
      std::cerr << "feedclusterd: story " << *id << " has no articles (unknown, or merged into another)\n";
      result.exit_code = core::kExitRuntimeFailure;
      return;
    }
    if (*json) {
      std::cout << nlohmann::json{{"id", *id}, {"articles", coverage_json(coverage)}}.dump() << "\n";
    } else {
      std::cout << "story #" << *id << ": " << coverage.size() << " articles, " << format_span(published_span(coverage))
                << "\n";
      print_coverage(coverage, coverage.size());
    }
    result.exit_code = core::kExitOk;
  });
}

}  // namespace fcd::cli
