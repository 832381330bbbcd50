// libFuzzer target: the clustering engine fed arbitrary articles. The input is
// cut into articles at 0xFF bytes; in each, the first byte picks the id (so
// updates of an earlier article happen), the next eight the published time
// (any 64-bit second count, extreme ones included, or none), and the rest is
// split at 0xFE into title, body, URL, language and source. Every decision must name a
// story that the engine holds, with a finite score.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "cluster/engine.hpp"

namespace {

std::vector<std::string_view> split(std::string_view text, char at) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find(at, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

fcd::cluster::Article article_from(std::string_view bytes) {
  fcd::cluster::Article a;
  a.id = bytes.empty() ? 1 : static_cast<std::uint8_t>(bytes[0]) % 16 + 1;
  if (bytes.size() >= 9) {
    std::int64_t seconds = 0;
    std::memcpy(&seconds, bytes.data() + 1, sizeof seconds);
    // Keep the count inside what a TimePoint in microseconds can hold.
    seconds %= std::int64_t{9'000'000'000'000};
    if (seconds % 7 != 0) a.published = fcd::core::TimePoint{} + std::chrono::seconds(seconds);
    bytes.remove_prefix(9);
  } else {
    bytes = {};
  }
  const auto fields = split(bytes, '\xFE');
  a.title = fields.size() > 0 ? fields[0] : "";
  a.text = fields.size() > 1 ? fields[1] : "";
  a.url = fields.size() > 2 ? fields[2] : "";
  a.language = fields.size() > 3 ? fields[3] : "";
  a.source = fields.size() > 4 ? fields[4] : "";
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fcd::cluster::EngineOptions options;
  options.merge_every = 3;  // exercise merge passes on small inputs
  fcd::cluster::Engine engine(options);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (std::string_view chunk : split(input, '\xFF')) {
    const fcd::cluster::Decision d = engine.add(article_from(chunk));
    if (!std::isfinite(d.score) || !std::isfinite(d.threshold) || d.story == 0) __builtin_trap();
    if (!engine.holds_story(d.story) && d.events.empty()) __builtin_trap();
  }
  engine.merge_pass();
  return 0;
}
