// A parsed HTML document (gumbo) plus the indexes the rules share: elements in document order with depth
// and hidden-ness, ids, label[for] targets. Built by one iterative walk; no recursion, so nesting depth
// cannot blow the stack. The contents of template and noscript are walked (for the depth limit) but are not
// elements of the document the rules see, nor ids: a browser that runs scripts renders neither.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <gumbo.h>

#include "audit/arena.hpp"
#include "audit/audit.hpp"

namespace a11y::audit {

class Semantics;

struct Element {
  const GumboNode* node = nullptr;
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  std::uint32_t depth = 0;   // html = 1
  // Hidden from assistive technology, as axe's isVisibleToScreenReaders sees it: aria-hidden="true",
  // the hidden attribute, inline display:none on it or an ancestor, an unopened dialog, or an inherited
  // inline visibility:hidden|collapse that no nearer visibility:visible undoes. Most rules skip these.
  bool hidden = false;
  std::string_view role;     // first token of the role attribute, as written; empty when none
  bool has_role(std::string_view r) const;
};

// More attributes than this in one tag is refused (gumbo's duplicate check is quadratic in them): real
// pages stay far below (a heavily annotated SVG or framework component has a few dozen).
inline constexpr std::size_t kMaxAttributesPerTag = 256;
// gumbo merges the attributes of every <html> (and every <body>) start tag into the first, checking each
// against those already there: their sum is bounded too.
inline constexpr std::size_t kMaxRootAttributes = 1024;

// The parse tree may take this many bytes per input byte (at least kMinParseBytes); a document that grows
// more is refused. Real pages take 5-15 bytes per byte; the limit leaves room for pages of tiny elements.
inline constexpr std::size_t kMaxParseBytesPerInputByte = 48;
inline constexpr std::size_t kMinParseBytes = 16u << 20;
std::size_t parse_limit_bytes(std::size_t html_bytes);

class Document {
 public:
  // Throws std::invalid_argument when elements nest deeper than max_depth, a tag may have more than
  // kMaxAttributesPerTag attributes, or the <html> and <body> tags more than kMaxRootAttributes together
  // (both counted by bound_attributes, an upper bound that follows the tokenizer), or the parse tree
  // outgrows parse_limit_bytes.
  Document(std::string_view html, std::size_t max_depth);
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  std::span<const Element> elements() const { return elements_; }
  const GumboNode* html() const { return html_; }   // the root element, never null after parsing

  // First element with this id, or null; how many elements carry it.
  const GumboNode* by_id(std::string_view id) const;
  std::size_t id_count(std::string_view id) const;
  // Every element with an id attribute as (id, element), sorted by id then document order.
  std::span<const std::pair<std::string_view, const GumboNode*>> ids() const { return ids_; }
  // label elements whose for attribute names this id.
  std::span<const std::pair<std::string_view, const GumboNode*>> labels_for(std::string_view id) const;
  // True when some style attribute mentions a colour or background (the contrast rule is skipped otherwise).
  bool has_inline_colors() const { return has_inline_colors_; }
  // True when a <style> element or <link rel=stylesheet> could set colours the markup does not show.
  bool has_stylesheets() const { return has_stylesheets_; }
  // append_text_content(node, ..., 256) computed once per node and kept for the document's lifetime: names
  // that point at the same node (aria-labelledby="x x x ...", many controls in one label) cost one walk.
  // Not thread-safe; a Document belongs to one audit.
  const std::string& text_of(const GumboNode* node) const;
  // What the subtree under node contributes to a name from content (append_text_content with this
  // document resolving aria-labelledby, 256 bytes), computed once per node. A walk that meets a node
  // already computed uses the stored text instead of descending: computing nested links (SVG links nest)
  // innermost first makes all of them cost one walk over each node. Null when not computed yet.
  const std::string& content_text(const GumboNode* node) const;
  const std::string* content_text_if_known(const GumboNode* node) const;
  // Roles, ancestors and focusability of every element (semantics.hpp), computed on first use.
  const Semantics& semantics() const;

 private:
  ArenaLease lease_;
  GumboOutput* output_ = nullptr;
  const GumboNode* html_ = nullptr;
  std::vector<Element> elements_;
  std::vector<std::pair<std::string_view, const GumboNode*>> ids_;
  std::vector<std::pair<std::string_view, const GumboNode*>> label_for_;
  bool has_inline_colors_ = false;
  bool has_stylesheets_ = false;
  mutable std::unordered_map<const GumboNode*, std::string> text_memo_;
  mutable std::unordered_map<const GumboNode*, std::string> content_memo_;
  mutable std::unique_ptr<Semantics> semantics_;
};

// An attribute's value; present is false when the element has no such attribute.
struct AttrValue {
  bool present = false;
  std::string_view value;
};
AttrValue attr(const GumboNode* element, const char* name);
inline bool is_element(const GumboNode* n) {
  return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE;
}
std::string_view tag_name(const GumboNode* element);
std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
// Whitespace-separated tokens, e.g. of aria-labelledby; calls f(token) for each.
template <class F>
void for_each_token(std::string_view s, F&& f) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f')) ++i;
    const std::size_t start = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f')) ++i;
    if (i > start) f(s.substr(start, i - start));
  }
}

// Pre-order successor of n within the subtree of root (null when done); descend=false skips n's children.
const GumboNode* next_in_subtree(const GumboNode* n, const GumboNode* root, bool descend = true);

// True when the element alone (not its ancestors) hides itself and its subtree from assistive
// technology: aria-hidden="true", hidden (unless an inline display overrides it), inline display:none or
// visibility:hidden|collapse, or a dialog without open.
bool hides_subtree(const GumboNode* element);

// The text a subtree contributes to a name (accname 1.2 step 2F, recursing): text nodes, and for each
// descendant element its aria-label, its alt (img, area, input type=image; not when role=none or
// presentation), an svg's <title>, a button input's value, or else its own content, then its title.
// When labelled_by is given, a descendant's aria-labelledby counts first (accname 2B; references are
// resolved one level deep through Document::text_of, so cycles cannot recurse). Hidden descendants
// (hides_subtree), script, style, template and noscript contribute nothing. Whitespace is collapsed,
// the output capped at max_bytes.
void append_text_content(const GumboNode* root, std::string& out, std::size_t max_bytes = 256,
                         const Document* labelled_by = nullptr);

// Accessible name per accname 1.2 as axe computes it: aria-labelledby, aria-label, the host language's
// own naming (alt of img/area/input type=image, value of button inputs, an svg's <title>), then (when
// from_content) the subtree's text including descendants' names, then title. Returned trimmed; empty
// when none. Labels (<label for>, a wrapping <label>) and placeholder belong to form controls: see
// control_label_text.
std::string accessible_name(const Document& doc, const GumboNode* element, bool from_content);

// CSS selector paths from html to an element: "html > body > main > img:nth-of-type(2)", at most
// kMaxSelectorBytes long: when the full path is longer, the nearest ancestors are kept after "html " (a
// descendant combinator), and a tag name longer than 64 bytes is written "*". nth-of-type positions are
// computed once per parent for all its children, so many findings among many siblings stay linear.
class SelectorPaths {
 public:
  std::string path(const GumboNode* element);

 private:
  // Per parent, for each child index: its 1-based position among element siblings of its type, or 0
  // when no other sibling has its type.
  const std::vector<std::uint32_t>& positions(const GumboNode* parent);
  std::unordered_map<const GumboNode*, std::vector<std::uint32_t>> positions_;
};
std::string selector_path(const GumboNode* element);
// The element's opening tag as written, cut at kMaxSnippetBytes on a UTF-8 boundary.
std::string snippet(const GumboNode* element);

}  // namespace a11y::audit
