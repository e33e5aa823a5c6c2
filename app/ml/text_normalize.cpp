#include "ml/text_normalize.hpp"

#include <array>

namespace a11y::ml {
namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_ascii_alnum(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Decorations people wrap around link text: "Read more …", "Next »", "→ Details".
constexpr std::array<std::string_view, 9> kEdgeSymbols = {
    "\xE2\x80\xA6", "\xC2\xBB", "\xC2\xAB", "\xE2\x80\xBA", "\xE2\x80\xB9",
    "\xE2\x86\x92", "\xE2\x86\x90", "\xE2\x96\xB8", "\xE2\x96\xB6"};

// Length of an edge symbol at the start (front) or end (back) of s, 0 when none.
std::size_t edge_symbol_front(std::string_view s) {
  if (s.empty()) return 0;
  const auto c = static_cast<unsigned char>(s.front());
  if (c < 0x80) return is_ascii_alnum(c) ? 0 : 1;
  for (auto sym : kEdgeSymbols)
    if (s.starts_with(sym)) return sym.size();
  return 0;
}
std::size_t edge_symbol_back(std::string_view s) {
  if (s.empty()) return 0;
  const auto c = static_cast<unsigned char>(s.back());
  if (c < 0x80) return is_ascii_alnum(c) ? 0 : 1;
  for (auto sym : kEdgeSymbols)
    if (s.ends_with(sym)) return sym.size();
  return 0;
}

}  // namespace

std::string_view normalize_text(std::string_view text, char* buf) {
  std::size_t n = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_space(c) || (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0)) {
      if (c == 0xC2) ++i;
      pending_space = n > 0;
      continue;
    }
    const std::size_t need = pending_space ? 2 : 1;
    if (n + need > kMaxNormalizedBytes) break;
    if (pending_space) buf[n++] = ' ';
    pending_space = false;
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    buf[n++] = static_cast<char>(c);
  }
  // Never end inside a multi-byte UTF-8 sequence.
  std::size_t end = n;
  while (end > 0 && (static_cast<unsigned char>(buf[end - 1]) & 0xC0) == 0x80) --end;
  if (end > 0 && static_cast<unsigned char>(buf[end - 1]) >= 0xC0) {
    const auto lead = static_cast<unsigned char>(buf[end - 1]);
    const std::size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (end - 1 + len <= n) end = end - 1 + len; else --end;
  } else {
    end = n;
  }
  std::string_view s(buf, end);
  for (;;) {
    if (auto k = edge_symbol_front(s); k > 0) { s.remove_prefix(k); continue; }
    if (!s.empty() && s.front() == ' ') { s.remove_prefix(1); continue; }
    break;
  }
  for (;;) {
    if (auto k = edge_symbol_back(s); k > 0) { s.remove_suffix(k); continue; }
    if (!s.empty() && s.back() == ' ') { s.remove_suffix(1); continue; }
    break;
  }
  return s;
}

}  // namespace a11y::ml
