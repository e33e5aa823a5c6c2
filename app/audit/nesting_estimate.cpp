#include "audit/nesting_estimate.hpp"

#include "audit/attribute_bound.hpp"

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

// Elements whose content is text up to their end tag, in HTML content. Not noscript: gumbo parses without
// scripting, so its content is markup. Inside svg or math none of these is raw text (see foreign below).
constexpr std::array<std::string_view, 8> kRawText = {"iframe", "noembed", "noframes", "script",
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


// Index just past the '>' of a comment-like construct (<!...> or <?...>): the first '>'.
std::size_t bogus_end(std::string_view html, std::size_t i) {
  const std::size_t gt = html.find('>', i);
  return gt == std::string_view::npos ? html.size() : gt + 1;
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
  std::size_t depth = 0, deepest = 0, i = 0;
  std::size_t foreign = 0;   // open svg/math elements: inside them, style, title, ... are not raw text
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
      if (i < html.size() && (html[i] == '!' || html[i] == '?')) i = bogus_end(html, i);
      continue;
    }
    const std::size_t name_start = i;
    const std::string_view name = read_name(html, i, buf);
    bool self_closing = false;
    i = end_of_tag(html, name_start, self_closing);
    if (name == "svg" || name == "math") {
      if (closing && foreign > 0) --foreign;
      else if (!closing && !self_closing) ++foreign;
    }
    if (name == "plaintext" && !closing && foreign == 0) break;
    if (std::binary_search(kNotNesting.begin(), kNotNesting.end(), name)) continue;
    if (closing) {
      if (depth > 0) --depth;
      continue;
    }
    if (foreign == 0 && std::find(kRawText.begin(), kRawText.end(), name) != kRawText.end()) {
      const std::size_t end = find_end_tag(html, i, name);
      bool ignored = false;
      i = end < html.size() ? end_of_tag(html, end + 2, ignored) : html.size();   // its end tag is not counted either
      continue;
    }
    if (self_closing) continue;
    deepest = std::max(deepest, ++depth);
    if (deepest > limit) break;
  }
  return Prescan{deepest};
}

}  // namespace a11y::audit
