#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/store_access.hpp"
#include "feed/opml.hpp"

namespace fcd::cli {

namespace {

std::string read_input(const std::string& path) {
  std::ostringstream bytes;
  if (path == "-") {
    bytes << std::cin.rdbuf();
    return bytes.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  bytes << in.rdbuf();
  return bytes.str();
}

bool is_http_url(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

}  // namespace

void add_opml_commands(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* import = app.add_subcommand("import-opml", "Add the feeds of an OPML 1.0/2.0 file (nested outlines become tags)");
  auto path = std::make_shared<std::string>();
  import->add_option("file", *path, "OPML file, or - for standard input")->required();
  import->callback([&globals, &result, path] {
    const auto parsed = feed::parse_opml(read_input(*path));
    if (!parsed.ok) throw UsageError(*path + ": not an OPML document: " + parsed.error);
    std::vector<store::SourceSpec> specs;
    std::size_t skipped = 0;
    for (const auto& feed : parsed.feeds) {
      if (!is_http_url(feed.xml_url)) {
        std::cerr << "skipped (not http or https): " << feed.xml_url << "\n";
        ++skipped;
        continue;
      }
      store::SourceSpec spec;
      spec.url = feed.xml_url;
      spec.tags = feed.tags;
      spec.origin = store::SourceOrigin::kOpml;
      if (!feed.title.empty()) spec.title = feed.title;
      specs.push_back(std::move(spec));
    }
    const auto config = load_config(globals);
    auto db = open_current_store(config);
    const auto counts = db->upsert_sources(specs, store::SourceOrigin::kOpml);
    std::cout << *path << ": " << counts.added << " added, " << counts.updated << " updated, " << counts.unchanged
              << " unchanged, " << skipped << " skipped\n";
    result.exit_code = core::kExitOk;
  });

  auto* export_command = app.add_subcommand("export-opml", "Write every source as OPML 2.0 to standard output");
  auto include_disabled = std::make_shared<bool>(false);
  export_command->add_flag("--include-disabled", *include_disabled, "Also list disabled sources");
  export_command->callback([&globals, &result, include_disabled] {
    const auto config = load_config(globals);
    auto db = open_current_store(config);
    std::vector<feed::OpmlFeed> feeds;
    for (const auto& source : db->list_sources()) {
      if (!source.enabled && !*include_disabled) continue;
      feeds.push_back({.xml_url = source.url, .html_url = "", .title = source.title.value_or(""), .tags = source.tags});
    }
    std::cout << feed::write_opml(feeds, "feedclusterd sources");
    result.exit_code = core::kExitOk;
  });
}

}  // namespace fcd::cli
