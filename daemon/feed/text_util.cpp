#include "feed/text_util.hpp"

namespace fcd::feed::detail {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::size_t utf8_cut(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  std::size_t cut = max_bytes;
  // Step back over continuation bytes so a sequence is never split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

}  // namespace fcd::feed::detail

namespace fcd::feed::detail {

namespace {

// The width of the character at text[i] that plain text must not carry, 0 when
// it is allowed: 1 for a C0 control (not tab or newline) or DEL, 2 for the
// UTF-8 form of a C1 control (0xC2 0x80-0x9F).
std::size_t control_width(std::string_view text, std::size_t i) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x20) return byte == '\t' || byte == '\n' ? 0 : 1;
  if (byte == 0x7F) return 1;
  if (byte == 0xC2 && i + 1 < text.size()) {
    const auto next = static_cast<unsigned char>(text[i + 1]);
    if (next >= 0x80 && next <= 0x9F) return 2;
  }
  return 0;
}

// Where the first byte that may start a control character is: one below 0x20,
// DEL, or 0xC2 (the lead byte of every C1 control). Text is mostly letters, so
// sixteen bytes are ruled out at a time where SSE2 is there; a block holding a
// tab or a newline is looked at byte by byte.
std::size_t first_control_candidate(std::string_view text, std::size_t from) {
  std::size_t i = from;
#ifdef __SSE2__
  const __m128i below_space = _mm_set1_epi8(0x1F);
  const __m128i del = _mm_set1_epi8(0x7F);
  const __m128i c1_lead = _mm_set1_epi8(static_cast<char>(0xC2));
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(block, below_space), block);
    const __m128i hits = _mm_or_si128(low, _mm_or_si128(_mm_cmpeq_epi8(block, del), _mm_cmpeq_epi8(block, c1_lead)));
    if (const int mask = _mm_movemask_epi8(hits); mask != 0)
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F || byte == 0xC2) return i;
  }
  return text.size();
}

}  // namespace

bool has_control_characters(std::string_view text) {
  for (std::size_t i = first_control_candidate(text, 0); i < text.size(); i = first_control_candidate(text, i + 1))
    if (control_width(text, i) != 0) return true;
  return false;
}

void remove_control_characters(std::string& text) {
  std::size_t i = first_control_candidate(text, 0);
  while (i < text.size() && control_width(text, i) == 0) i = first_control_candidate(text, i + 1);
  if (i >= text.size()) return;
  // From the first control character on, copy what is kept down over it.
  std::size_t out = i;
  while (i < text.size()) {
    if (const std::size_t width = control_width(text, i); width != 0) {
      i += width;
      continue;
    }
    text[out++] = text[i++];
  }
  text.resize(out);
}

}  // namespace fcd::feed::detail
