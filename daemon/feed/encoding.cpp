#include "feed/encoding.hpp"

#include <unicode/ucnv.h>

#include <array>
#include <memory>

#include "feed/text_util.hpp"

namespace fcd::feed::detail {

namespace {

struct ConverterCloser {
  void operator()(UConverter* converter) const { ucnv_close(converter); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

// windows-1252 as WHATWG defines it: every byte maps, so it cannot fail.
std::string decode_windows1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) out.push_back(c);
    else if (b < 0xA0) append_utf8(out, detail::kWindows1252C1[b - 0x80]);
    else append_utf8(out, b);
  }
  return out;
}

std::string canonical_name(std::string_view name) {
  std::string lower = to_lower(trim(name));
  if (lower.size() >= 2 && (lower.front() == '"' || lower.front() == '\'')) lower = lower.substr(1, lower.size() - 2);
  if (lower == "utf8" || lower == "unicode-1-1-utf-8") return "utf-8";
  if (lower == "latin1" || lower == "latin-1" || lower == "iso8859-1" || lower == "iso_8859-1" ||
      lower == "l1" || lower == "cp1252" || lower == "x-cp1252")
    return lower == "cp1252" || lower == "x-cp1252" ? "windows-1252" : "iso-8859-1";
  return lower;
}

// The encoding named in <?xml ... encoding="..."?> at the start of an
// ASCII-compatible document; empty when absent.
std::string declared_encoding(std::string_view bytes) {
  std::string_view head = bytes.substr(0, 512);
  std::size_t start = 0;
  while (start < head.size() && is_space(head[start])) ++start;
  if (head.substr(start, 5) != "<?xml") return {};
  const std::size_t end = head.find("?>", start);
  const std::string_view decl = head.substr(start, end == std::string_view::npos ? head.size() : end - start);
  const std::size_t key = decl.find("encoding");
  if (key == std::string_view::npos) return {};
  std::size_t i = key + 8;
  while (i < decl.size() && is_space(decl[i])) ++i;
  if (i >= decl.size() || decl[i] != '=') return {};
  ++i;
  while (i < decl.size() && is_space(decl[i])) ++i;
  if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return {};
  const char quote = decl[i];
  const std::size_t close = decl.find(quote, i + 1);
  if (close == std::string_view::npos) return {};
  return canonical_name(decl.substr(i + 1, close - i - 1));
}

bool is_utf8_family(std::string_view name) {
  return name == "utf-8" || name == "us-ascii" || name == "ascii" || name == "ansi_x3.4-1968";
}

bool is_latin1_family(std::string_view name) {
  return name == "iso-8859-1" || name == "windows-1252" || name == "iso-8859-15";
}

enum class Convert { kOk, kInvalid, kUnknownCharset };

// Converts with ICU; strict mode stops at the first invalid sequence.
Convert convert_icu(std::string_view bytes, const std::string& charset, bool strict, std::string& out) {
  UErrorCode status = U_ZERO_ERROR;
  ConverterPtr converter{ucnv_open(charset.c_str(), &status)};
  if (U_FAILURE(status) || !converter) return Convert::kUnknownCharset;
  if (strict) {
    ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  } else {
    ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_SUBSTITUTE, nullptr, nullptr, nullptr, &status);
  }
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX / 4)) return Convert::kInvalid;
  const auto source_length = static_cast<int32_t>(bytes.size());
  out.resize(bytes.size() * 3 + 16);
  status = U_ZERO_ERROR;
  int32_t length = ucnv_toAlgorithmic(UCNV_UTF8, converter.get(), out.data(), static_cast<int32_t>(out.size()),
                                      bytes.data(), source_length, &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    out.resize(static_cast<std::size_t>(length) + 1);
    status = U_ZERO_ERROR;
    ucnv_resetToUnicode(converter.get());
    length = ucnv_toAlgorithmic(UCNV_UTF8, converter.get(), out.data(), static_cast<int32_t>(out.size()),
                                bytes.data(), source_length, &status);
  }
  if (U_FAILURE(status)) return Convert::kInvalid;
  out.resize(static_cast<std::size_t>(length));
  return Convert::kOk;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    // ASCII, the common case for feeds, skipped in bulk.
    p += ascii_prefix_length(std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p)));
    if (p == end) break;
    const unsigned char c = *p;
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
    else return false;
    if (static_cast<std::size_t>(end - p) <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += n + 1;
  }
  return true;
}

std::string media_type(std::string_view content_type) {
  return to_lower(trim(content_type.substr(0, content_type.find(';'))));
}

std::string charset_parameter(std::string_view content_type) {
  std::size_t pos = content_type.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = content_type.substr(pos + 1);
    const std::size_t next = rest.find(';');
    std::string_view param = trim(rest.substr(0, next));
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "charset"))
      return canonical_name(param.substr(eq + 1));
    pos = next == std::string_view::npos ? std::string_view::npos : pos + 1 + next;
  }
  return {};
}

DecodedText decode_to_utf8(std::string_view bytes, std::string_view content_type) {
  DecodedText result;
  std::string charset;
  const auto starts = [&](std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; };
  using namespace std::string_view_literals;
  if (starts("\xEF\xBB\xBF"sv)) {
    charset = "utf-8";
    bytes.remove_prefix(3);
  } else if (starts("\x00\x00\xFE\xFF"sv)) {
    charset = "utf-32be";
    bytes.remove_prefix(4);
  } else if (starts("\xFF\xFE\x00\x00"sv)) {
    charset = "utf-32le";
    bytes.remove_prefix(4);
  } else if (starts("\xFE\xFF"sv)) {
    charset = "utf-16be";
    bytes.remove_prefix(2);
  } else if (starts("\xFF\xFE"sv)) {
    charset = "utf-16le";
    bytes.remove_prefix(2);
  } else if (std::string http = charset_parameter(content_type); !http.empty()) {
    charset = http;
    // A charset in the header that the bytes contradict: us-ascii for a document
    // with other bytes. The document's own declaration is read instead, and the
    // contradiction is a problem (feedparser flags it as bozo too).
    if ((charset == "us-ascii" || charset == "ascii" || charset == "ansi_x3.4-1968") &&
        ascii_prefix_length(bytes) != bytes.size()) {
      const std::string declared = declared_encoding(bytes);
      result.problem = "served as " + charset + " but the bytes are not ASCII";
      charset = declared.empty() ? "utf-8" : declared;
    }
  } else if (starts("\x00\x00\x00<"sv)) {
    charset = "utf-32be";
  } else if (starts("<\x00\x00\x00"sv)) {
    charset = "utf-32le";
  } else if (starts("\x00<\x00"sv)) {
    charset = "utf-16be";
  } else if (starts("<\x00"sv)) {
    charset = "utf-16le";
  } else if (std::string declared = declared_encoding(bytes); !declared.empty()) {
    charset = declared;
  } else {
    charset = "utf-8";
  }
  // A UTF-16/32 declaration on a document that is plainly ASCII-compatible is a lie
  // (the XML declaration was read as ASCII); trust the bytes.
  if ((charset.starts_with("utf-16") || charset.starts_with("utf-32") || charset == "ucs-2") &&
      bytes.size() >= 2 && bytes[0] != '\0' && bytes[1] != '\0') {
    result.problem = "declared " + charset + " but the bytes are ASCII-compatible";
    charset = "utf-8";
  }
  result.encoding = charset;

  if (is_utf8_family(charset)) {
    if (is_valid_utf8(bytes)) {
      result.text = bytes;
      return result;
    }
    result.problem = "bytes are not valid " + charset + "; read as windows-1252";
    result.encoding = "windows-1252";
    result.storage = decode_windows1252(bytes);
  } else if (is_latin1_family(charset)) {
    result.storage = decode_windows1252(bytes);
  } else {
    switch (convert_icu(bytes, charset, true, result.storage)) {
      case Convert::kOk:
        break;
      case Convert::kUnknownCharset:
        result.problem = "unknown charset " + charset;
        if (is_valid_utf8(bytes)) {
          result.encoding = "utf-8";
          result.text = bytes;
          return result;
        }
        result.encoding = "windows-1252";
        result.storage = decode_windows1252(bytes);
        break;
      case Convert::kInvalid:
        if (!charset.starts_with("utf-16") && !charset.starts_with("utf-32") && is_valid_utf8(bytes)) {
          result.problem = "bytes are not valid " + charset + "; read as utf-8";
          result.encoding = "utf-8";
          result.text = bytes;
          return result;
        }
        if (!charset.starts_with("utf-16") && !charset.starts_with("utf-32")) {
          result.problem = "bytes are not valid " + charset + "; read as windows-1252";
          result.encoding = "windows-1252";
          result.storage = decode_windows1252(bytes);
        } else {
          result.problem = "bytes are not valid " + charset + "; invalid sequences replaced";
          convert_icu(bytes, charset, false, result.storage);
        }
        break;
    }
  }
  // ICU leaves a BOM decoded from "utf-16" documents in front as U+FEFF.
  std::string_view text = result.storage;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  result.text = text;
  return result;
}

}  // namespace fcd::feed::detail
