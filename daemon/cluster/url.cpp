#include "cluster/url.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "core/ascii.hpp"

namespace fcd::cluster {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_tracking_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kExact{"fbclid", "gclid", "mc_cid", "mc_eid", "ref",
                                                          "mod",    "cmpid", "ocid",   "taid",   "smid",
                                                          "amp",    "outputtype"};
  const std::string key = core::to_lower(name);
  if (starts_with(key, "utm_") || starts_with(key, "ns_")) return true;
  return std::find(kExact.begin(), kExact.end(), key) != kExact.end();
}

bool is_page_word(std::string_view word) {
  static constexpr std::array<std::string_view, 16> kPageWords{
      "html", "htm",  "shtml", "php",     "asp",   "aspx",    "ece",   "cms",
      "jsp",  "news", "story", "stories", "article", "articles", "index", "default"};
  return std::find(kPageWords.begin(), kPageWords.end(), word) != kPageWords.end();
}

}  // namespace

std::string url_slug_words(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  url.remove_prefix(scheme_end + 3);
  // The UCI data escapes the query mark ("\?").
  url = url.substr(0, std::min({url.find('?'), url.find('#'), url.find('\\')}));
  const std::size_t path_start = url.find('/');
  if (path_start == std::string_view::npos) return "";
  url.remove_prefix(path_start + 1);

  std::string best;
  std::size_t best_separators = 0;
  while (!url.empty()) {
    const std::string_view segment = url.substr(0, std::min(url.find('/'), url.size()));
    url.remove_prefix(std::min(segment.size() + 1, url.size()));
    std::string words;
    std::size_t separators = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= segment.size(); ++i) {
      const bool end = i == segment.size();
      const char c = end ? '-' : segment[i];
      if (c != '-' && c != '_' && c != '+' && c != '.') continue;
      if (!end && c != '.') ++separators;
      const std::string word = core::to_lower(segment.substr(start, i - start));
      start = i + 1;
      const bool letters = !word.empty() && std::all_of(word.begin(), word.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || static_cast<unsigned char>(ch) >= 0x80;
      });
      if (!letters || is_page_word(word)) continue;
      if (!words.empty()) words.push_back(' ');
      words += word;
    }
    if (separators >= 2 && separators > best_separators) {
      best_separators = separators;
      best = std::move(words);
    }
  }
  return best;
}

std::string canonical_url(std::string_view url) {
  // Feeds sometimes escape the query mark ("\?"), as the UCI data does.
  std::string text;
  for (std::size_t i = 0; i < url.size(); ++i)
    if (!(url[i] == '\\' && i + 1 < url.size() && url[i + 1] == '?')) text.push_back(url[i]);
  std::string_view rest = text;
  const std::size_t scheme_end = rest.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return "";
  std::string scheme = core::to_lower(rest.substr(0, scheme_end));
  if (scheme == "http") scheme = "https";  // the same page over either
  rest.remove_prefix(scheme_end + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);

  const std::size_t host_end = std::min(rest.find_first_of("/?"), rest.size());
  std::string host = core::to_lower(rest.substr(0, host_end));
  for (std::string_view prefix : {"www.", "m.", "mobile.", "amp."})
    if (starts_with(host, prefix) && host.size() > prefix.size() + 3) {
      host.erase(0, prefix.size());
      break;
    }
  rest.remove_prefix(host_end);

  const std::size_t query_start = std::min(rest.find('?'), rest.size());
  std::string path(rest.substr(0, query_start));
  std::string_view query = rest.substr(query_start);
  if (!query.empty()) query.remove_prefix(1);

  for (std::string_view marker : {"/amp/", "/amp", ".amp"}) {
    if (ends_with(path, marker)) {
      path.erase(path.size() - marker.size());
      break;
    }
  }
  if (const auto amp = path.find("/amp/"); amp != std::string::npos) path.erase(amp, 4);
  while (!path.empty() && path.back() == '/') path.pop_back();

  std::vector<std::string_view> kept;
  while (!query.empty()) {
    const std::size_t end = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, end);
    const std::string_view name = pair.substr(0, pair.find('='));
    if (!pair.empty() && !is_tracking_parameter(name)) kept.push_back(pair);
    query.remove_prefix(std::min(end + 1, query.size()));
  }
  std::sort(kept.begin(), kept.end());

  std::string out = scheme + "://" + host + path;
  for (std::size_t i = 0; i < kept.size(); ++i) out.append(i == 0 ? "?" : "&").append(kept[i]);
  return out;
}

}  // namespace fcd::cluster
