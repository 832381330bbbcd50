#include "url/url.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "core/ascii.hpp"

namespace fcd::url {

namespace {

// The five parts of RFC 3986 appendix B; "has_*" distinguishes empty from absent.
struct Parts {
  std::string scheme;
  bool has_authority = false;
  std::string authority;
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;
};

std::size_t scheme_length(std::string_view text) {
  if (text.empty() || !core::is_ascii_alpha(text[0])) return 0;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') return i;
    if (!core::is_ascii_alnum(c) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 0;
}

Parts split(std::string_view text) {
  Parts parts;
  if (const std::size_t n = scheme_length(text); n > 0) {
    parts.scheme = core::to_lower(text.substr(0, n));
    text.remove_prefix(n + 1);
  }
  if (const std::size_t hash = text.find('#'); hash != std::string_view::npos) {
    parts.has_fragment = true;
    parts.fragment = text.substr(hash + 1);
    text = text.substr(0, hash);
  }
  if (const std::size_t q = text.find('?'); q != std::string_view::npos) {
    parts.has_query = true;
    parts.query = text.substr(q + 1);
    text = text.substr(0, q);
  }
  if (text.substr(0, 2) == "//") {
    parts.has_authority = true;
    text.remove_prefix(2);
    const std::size_t slash = text.find('/');
    parts.authority = text.substr(0, slash);
    text = slash == std::string_view::npos ? std::string_view{} : text.substr(slash);
  }
  parts.path = text;
  return parts;
}

std::string join(const Parts& parts) {
  std::string out;
  if (!parts.scheme.empty()) {
    out += parts.scheme;
    out += ':';
  }
  if (parts.has_authority) {
    out += "//";
    out += parts.authority;
  }
  out += parts.path;
  if (parts.has_query) {
    out += '?';
    out += parts.query;
  }
  if (parts.has_fragment) {
    out += '#';
    out += parts.fragment;
  }
  return out;
}

// RFC 3986 section 5.2.4.
std::string remove_dot_segments(std::string_view input) {
  std::vector<std::string_view> segments;
  const bool absolute = !input.empty() && input.front() == '/';
  std::size_t i = absolute ? 1 : 0;
  bool trailing_slash = false;
  while (i <= input.size()) {
    const std::size_t slash = input.find('/', i);
    const std::size_t end = slash == std::string_view::npos ? input.size() : slash;
    const std::string_view segment = input.substr(i, end - i);
    const bool last = slash == std::string_view::npos;
    if (segment == ".") {
      trailing_slash = last;
    } else if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else {
      segments.push_back(segment);
      trailing_slash = false;
    }
    if (last) break;
    i = slash + 1;
  }
  std::string out;
  if (absolute) out.push_back('/');
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (k > 0) out.push_back('/');
    out += segments[k];
  }
  if (trailing_slash && !out.empty() && out.back() != '/') out.push_back('/');
  return out;
}

std::string merge_paths(const Parts& base, std::string_view ref_path) {
  if (base.has_authority && base.path.empty()) {
    std::string path(1, '/');
    path += ref_path;
    return path;
  }
  const std::size_t slash = base.path.rfind('/');
  if (slash == std::string::npos) return std::string(ref_path);
  return base.path.substr(0, slash + 1) + std::string(ref_path);
}

bool is_page_word(std::string_view word) {
  static constexpr std::array<std::string_view, 16> kPageWords{
      "html", "htm",  "shtml", "php",     "asp",     "aspx",     "ece",   "cms",
      "jsp",  "news", "story", "stories", "article", "articles", "index", "default"};
  return std::find(kPageWords.begin(), kPageWords.end(), word) != kPageWords.end();
}

}  // namespace

bool is_tracking_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 20> kNames = {
      "fbclid", "gclid",   "gclsrc", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_hsenc",
      "_hsmi",  "mkt_tok", "ref",    "mod",   "cmpid",   "ocid",  "taid",   "smid",   "amp",    "outputtype"};
  if (name.size() > 4 && core::iequals(name.substr(0, 4), "utm_")) return true;
  if (name.size() > 3 && core::iequals(name.substr(0, 3), "ns_")) return true;
  for (std::string_view tracking : kNames)
    if (core::iequals(name, tracking)) return true;
  return false;
}

bool is_absolute(std::string_view text) { return scheme_length(core::trim(text)) > 0; }

std::string resolve(std::string_view base, std::string_view ref) {
  ref = core::trim(ref);
  base = core::trim(base);
  if (scheme_length(ref) > 0 || !is_absolute(base)) return std::string(ref);
  const Parts b = split(base);
  const Parts r = split(ref);
  Parts t;
  t.scheme = b.scheme;
  if (r.has_authority) {
    t.has_authority = true;
    t.authority = r.authority;
    t.path = remove_dot_segments(r.path);
    t.has_query = r.has_query;
    t.query = r.query;
  } else {
    t.has_authority = b.has_authority;
    t.authority = b.authority;
    if (r.path.empty()) {
      t.path = b.path;
      t.has_query = r.has_query || b.has_query;
      t.query = r.has_query ? r.query : b.query;
    } else {
      t.path = remove_dot_segments(r.path.front() == '/' ? std::string_view(r.path)
                                                         : std::string_view(merge_paths(b, r.path)));
      t.has_query = r.has_query;
      t.query = r.query;
    }
  }
  t.has_fragment = r.has_fragment;
  t.fragment = r.fragment;
  return join(t);
}

std::optional<std::string> canonicalize(std::string_view text) {
  text = core::trim(text);
  if (scheme_length(text) == 0) return std::nullopt;
  Parts parts = split(text);
  if (!parts.has_authority || parts.authority.empty()) return std::nullopt;
  if (parts.authority.back() == '@') return std::nullopt;
  parts.has_fragment = false;
  parts.fragment.clear();

  // Host (and userinfo, which is case-sensitive and kept) and port.
  std::string& authority = parts.authority;
  const std::size_t at = authority.rfind('@');
  const std::size_t host_start = at == std::string::npos ? 0 : at + 1;
  const std::string host_port = authority.substr(host_start);
  // A colon inside an IPv6 literal ("[::1]:8080") is not the port separator.
  const std::size_t bracket = host_port.front() == '[' ? host_port.find(']') : 0;
  const std::size_t port_colon = bracket == std::string::npos ? std::string::npos : host_port.find(':', bracket);
  std::string host = host_port.substr(0, port_colon);
  std::string port = port_colon == std::string::npos ? "" : host_port.substr(port_colon + 1);
  host = core::to_lower(host);
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return std::nullopt;
  for (char c : host)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return std::nullopt;  // not a host name
  const bool default_port =
      port.empty() || (parts.scheme == "http" && port == "80") || (parts.scheme == "https" && port == "443");
  authority.resize(host_start);
  authority += host;
  if (!default_port) {
    authority.push_back(':');
    authority += port;
  }

  // Single-character assignments below are push_back, not = "/": GCC 12 reports a
  // false -Wrestrict on the literal form (PR 105329).
  parts.path = remove_dot_segments(parts.path);
  if (parts.path.empty() && (parts.scheme == "http" || parts.scheme == "https")) parts.path.push_back('/');

  if (parts.has_query) {
    std::string kept;
    std::string_view query = parts.query;
    while (true) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const std::string_view name = pair.substr(0, pair.find('='));
      if (!pair.empty() && !is_tracking_parameter(name)) {
        if (!kept.empty()) kept.push_back('&');
        kept += pair;
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
    parts.query = kept;
    parts.has_query = !kept.empty();
  }
  // Spaces and control characters are percent-encoded, so the result is one
  // token and canonicalising it again changes nothing.
  std::string joined = join(parts);
  std::string out;
  out.reserve(joined.size());
  for (char c : joined) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void make_safe(std::string& url) {
  const std::string_view text = url;
  const std::size_t scheme = text.starts_with("https://") ? 8 : text.starts_with("http://") ? 7 : 0;
  const auto needs_work = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F || byte == 0xC2;
  };
  if (scheme != 0 && text.size() > scheme && text[scheme] != '/' && text[scheme] != '?' && text[scheme] != '#' &&
      std::none_of(text.begin(), text.end(), needs_work))
    return;
  url = safe(text).value_or(std::string{});
}

std::optional<std::string> safe(std::string_view url) {
  const auto is_c0_or_space = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!url.empty() && is_c0_or_space(url.front())) url.remove_prefix(1);
  while (!url.empty() && is_c0_or_space(url.back())) url.remove_suffix(1);
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto append_encoded = [](std::string& out, unsigned char byte) {
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 15]);
  };
  // Tabs and line breaks go first (as a browser drops them): removed while
  // encoding, they could join the bytes around them into a C1 character
  // ("\xC2\n\x9B") that a second pass would then encode.
  std::string cleaned;
  cleaned.reserve(url.size());
  for (const char c : url)
    if (c != '\t' && c != '\n' && c != '\r') cleaned.push_back(c);
  url = cleaned;
  std::string out;
  out.reserve(url.size());
  for (std::size_t i = 0; i < url.size(); ++i) {
    const auto byte = static_cast<unsigned char>(url[i]);
    if (byte <= 0x20 || byte == 0x7F) {
      append_encoded(out, byte);
    } else if (byte == 0xC2 && i + 1 < url.size() && static_cast<unsigned char>(url[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(url[i + 1]) <= 0x9F) {
      append_encoded(out, byte);
      append_encoded(out, static_cast<unsigned char>(url[++i]));
    } else {
      out.push_back(url[i]);
    }
  }
  const std::size_t scheme = scheme_length(out);
  if (scheme == 0) {
    // No valid scheme: still refuse anything a lenient reader could take for
    // one ("java script:" after encoding, "1javascript:"): a colon before the
    // first '/', '?' or '#'.
    const std::size_t colon = out.find(':');
    if (colon != std::string::npos && colon < out.find_first_of("/?#")) return std::nullopt;
    return out;
  }
  const std::string name = core::to_lower(std::string_view(out).substr(0, scheme));
  if (name != "http" && name != "https") return std::nullopt;
  const std::string_view rest = std::string_view(out).substr(scheme + 1);
  if (!rest.starts_with("//") || rest.size() == 2 || rest[2] == '/' || rest[2] == '?' || rest[2] == '#')
    return std::nullopt;
  return out;
}

std::string slug_words(std::string_view url) {
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

}  // namespace fcd::url
