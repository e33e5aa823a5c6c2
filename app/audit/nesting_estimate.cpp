#include "audit/nesting_estimate.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace a11y::audit {
namespace {

// Sorted. Void elements, elements whose end tag may be omitted, and those the parser moves or drops.
constexpr std::array<std::string_view, 38> kNotNesting = {
    "area", "base", "basefont", "bgsound", "body", "br", "caption", "col", "colgroup", "dd", "dt", "embed",
    "frame", "head", "hr", "html", "image", "img", "input", "keygen", "li", "link", "meta", "optgroup",
    "option", "p", "param", "rb", "rp", "rt", "rtc", "source", "tbody", "td", "tfoot", "th", "thead", "tr"};
static_assert(std::is_sorted(kNotNesting.begin(), kNotNesting.end()));

// Elements whose content is text up to their end tag.
constexpr std::array<std::string_view, 9> kRawText = {"iframe", "noembed", "noframes", "noscript", "script",
                                                      "style", "textarea", "title", "xmp"};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '/' && c != '>'; }

// Lower-cased tag name starting at html[i] into buf (truncated to 15 bytes).
std::string_view read_name(std::string_view html, std::size_t& i, char (&buf)[16]) {
  std::size_t n = 0;
  while (i < html.size() && is_name_char(html[i])) {
    char c = html[i++];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (n < sizeof buf - 1) buf[n++] = c;
  }
  return {buf, n};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Index just past the end of the tag that starts at i ('>' outside quotes), or html.size(). Counts the
// whitespace-separated tokens on the way (an upper bound of the attributes).
std::size_t tag_end(std::string_view html, std::size_t i, bool& self_closing, std::size_t& tokens) {
  char quote = 0;
  bool in_space = true;
  tokens = 0;
  for (; i < html.size(); ++i) {
    const char c = html[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '>') {
      self_closing = i > 0 && html[i - 1] == '/';
      return i + 1;
    }
    if (c == '"' || c == '\'') quote = c;
    const bool space = is_space(c);
    if (in_space && !space) ++tokens;
    in_space = space;
  }
  return html.size();
}

// Case-insensitive search for "</name" from i; returns html.size() when absent.
std::size_t find_end_tag(std::string_view html, std::size_t i, std::string_view name) {
  while (true) {
    const std::size_t lt = html.find("</", i);
    if (lt == std::string_view::npos) return html.size();
    std::size_t k = 0;
    while (k < name.size() && lt + 2 + k < html.size()) {
      char c = html[lt + 2 + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != name[k]) break;
      ++k;
    }
    if (k == name.size()) return lt;
    i = lt + 2;
  }
}

}  // namespace

std::size_t estimate_nesting_depth(std::string_view html, std::size_t limit) { return prescan_html(html, limit).depth; }

Prescan prescan_html(std::string_view html, std::size_t limit) {
  std::size_t depth = 0, deepest = 0, i = 0, tokens = 0, most_tokens = 0;
  char buf[16];
  while (i < html.size()) {
    const void* found = std::memchr(html.data() + i, '<', html.size() - i);
    if (found == nullptr) break;
    i = static_cast<std::size_t>(static_cast<const char*>(found) - html.data()) + 1;
    if (i >= html.size()) break;
    if (html.compare(i, 3, "!--") == 0) {
      const std::size_t end = html.find("-->", i + 3);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    const bool closing = html[i] == '/';
    if (closing) ++i;
    if (i >= html.size() || !is_alpha(html[i])) {
      if (i < html.size() && (html[i] == '!' || html[i] == '?')) {
        bool ignored = false;
        i = tag_end(html, i, ignored, tokens);
      }
      continue;
    }
    const std::string_view name = read_name(html, i, buf);
    bool self_closing = false;
    i = tag_end(html, i, self_closing, tokens);
    most_tokens = std::max(most_tokens, tokens);
    if (name == "plaintext") break;
    if (std::binary_search(kNotNesting.begin(), kNotNesting.end(), name)) continue;
    if (closing) {
      if (depth > 0) --depth;
      continue;
    }
    if (std::find(kRawText.begin(), kRawText.end(), name) != kRawText.end()) {
      const std::size_t end = find_end_tag(html, i, name);
      bool ignored = false;
      i = end < html.size() ? tag_end(html, end, ignored, tokens) : html.size();   // its end tag is not counted either
      continue;
    }
    if (self_closing) continue;
    deepest = std::max(deepest, ++depth);
    if (deepest > limit) break;
  }
  return Prescan{deepest, most_tokens};
}

}  // namespace a11y::audit
