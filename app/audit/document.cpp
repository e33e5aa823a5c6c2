#include "audit/document.hpp"

#include "audit/attribute_bound.hpp"
#include "audit/color.hpp"
#include "audit/nesting_estimate.hpp"
#include "audit/semantics.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace a11y::audit {
namespace {

// gumbo allocates through these. The guard stops a parse whose tree outgrows its limit: gumbo clones the
// open formatting elements into every new paragraph (and text run) after they were closed implicitly, so
// 8 bytes of input can become hundreds of elements. gumbo cannot be told to stop, so the allocator jumps
// back to parse_guarded: only gumbo's C frames are skipped (nothing there to destroy), and every byte it
// allocated is in the arena, which the lease resets.
struct ParseGuard {
  Arena* arena;
  std::size_t limit;
  std::jmp_buf stop;
};
void* arena_allocate(void* userdata, std::size_t size) {
  auto* guard = static_cast<ParseGuard*>(userdata);
  if (guard->arena->bytes_reserved() > guard->limit) std::longjmp(guard->stop, 1);
  return guard->arena->allocate(size);
}
void arena_deallocate(void*, void*) {}   // the arena frees everything at once

// Null when the guard stopped the parse.
[[gnu::noinline]] GumboOutput* parse_guarded(const GumboOptions* options, std::string_view html, ParseGuard* guard) {
  if (setjmp(guard->stop) != 0) return nullptr;
  return gumbo_parse_with_options(options, html.data(), html.size());
}

const GumboVector* children_of(const GumboNode* n) {
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  if (is_element(n)) return &n->v.element.children;
  return nullptr;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool contains_icase(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// gumbo has no tag constant for dialog (an unknown element to it): an unopened one is not rendered.
bool closed_dialog(const GumboNode* n) {
  return n->v.element.tag == GUMBO_TAG_UNKNOWN && !attr(n, "open").present && iequals(tag_name(n), "dialog");
}

// Appends text with whitespace runs collapsed to one space, stopping at max_bytes. A no-break space
// (U+00A0) counts as whitespace, as in axe's sanitize: a link of only &nbsp; has no name.
void append_collapsed(std::string_view text, std::string& out, std::size_t max_bytes) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= max_bytes) return;
    const char c = text[i];
    const bool nbsp = c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
    if (is_space(c) || nbsp) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      i += nbsp ? 1 : 0;
    } else {
      out.push_back(c);
    }
  }
}

// Content of a closed <details> other than its first <summary> is not rendered (axe's detailsHidden).
bool closed_details_content(const GumboNode* n) {
  const GumboNode* parent = n->parent;
  if (parent == nullptr || !is_element(parent) || parent->v.element.tag != GUMBO_TAG_DETAILS) return false;
  if (attr(parent, "open").present) return false;
  if (n->v.element.tag != GUMBO_TAG_SUMMARY) return true;
  const GumboVector& kids = parent->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (is_element(k) && k->v.element.tag == GUMBO_TAG_SUMMARY) return k != n;
  }
  return true;
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

AttrValue attr(const GumboNode* element, const char* name) {
  if (!is_element(element)) return {};
  const GumboAttribute* a = gumbo_get_attribute(&element->v.element.attributes, name);
  if (a == nullptr) return {};
  return {true, std::string_view(a->value)};
}

std::string_view tag_name(const GumboNode* element) {
  if (element->v.element.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(element->v.element.tag);
  GumboStringPiece piece = element->v.element.original_tag;
  if (piece.length == 0) return "unknown";
  gumbo_tag_from_original_text(&piece);
  return piece.length ? std::string_view(piece.data, piece.length) : std::string_view("unknown");
}

const GumboNode* next_in_subtree(const GumboNode* n, const GumboNode* root, bool descend) {
  if (descend) {
    if (const GumboVector* kids = children_of(n); kids != nullptr && kids->length > 0)
      return static_cast<const GumboNode*>(kids->data[0]);
  }
  while (n != root && n->parent != nullptr) {
    const GumboNode* parent = n->parent;
    const GumboVector* siblings = children_of(parent);
    const std::size_t next = n->index_within_parent + 1;
    if (siblings != nullptr && next < siblings->length) return static_cast<const GumboNode*>(siblings->data[next]);
    n = parent;
  }
  return nullptr;
}

Document::Document(std::string_view html, std::size_t max_depth) {
  // Headroom over max_depth: the estimate may count a few implicitly closed elements; the exact check is
  // the walk below. What it must stop is input so deep that parsing alone would take seconds.
  const std::size_t estimate_limit = max_depth > (SIZE_MAX / 2 - 64) ? SIZE_MAX : 2 * max_depth + 64;
  const Prescan pre = prescan_html(html, estimate_limit);
  if (pre.depth > estimate_limit)
    throw std::invalid_argument("HTML nests elements deeper than max_depth (" + std::to_string(max_depth) + ")");
  const AttributeBound attributes = bound_attributes(html, kMaxAttributesPerTag);
  if (attributes.per_tag > kMaxAttributesPerTag)
    throw std::invalid_argument("an HTML tag has more than " + std::to_string(kMaxAttributesPerTag) + " attributes");
  if (attributes.root_tags > kMaxRootAttributes)
    throw std::invalid_argument("the html and body tags have more than " + std::to_string(kMaxRootAttributes) +
                                " attributes together");
  ParseGuard guard{&lease_.arena(), parse_limit_bytes(html.size()), {}};
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &arena_allocate;
  options.deallocator = &arena_deallocate;
  options.userdata = &guard;
  options.max_errors = 0;   // the audit does not report parse errors; recording them costs time
  output_ = parse_guarded(&options, html, &guard);
  if (output_ == nullptr)
    throw std::invalid_argument("the HTML's parse tree grows past " + std::to_string(guard.limit >> 20) +
                                " MiB (formatting elements reopened in every paragraph?)");
  html_ = output_->root;

  elements_.reserve(html.size() / 48 + 16);
  const GumboNode* doc = output_->document;
  const GumboNode* n = next_in_subtree(doc, doc);
  std::uint32_t depth = 1;   // depth of n
  // What each open ancestor passes down (index 0 is the document). Computed once per element here, so
  // no rule walks up the tree to ask whether a node is hidden.
  enum : std::uint8_t { kHidden = 1, kInvisible = 2, kInert = 4 };
  std::vector<std::uint8_t> state_at_depth(64, 0);
  while (n != nullptr) {
    bool descend = false;
    if (is_element(n)) {
      if (depth > max_depth)
        throw std::invalid_argument("HTML nests elements deeper than max_depth (" + std::to_string(max_depth) + ")");
      if (state_at_depth.size() <= depth) state_at_depth.resize(depth + 1, 0);
      const std::uint8_t inherited = state_at_depth[depth - 1];
      std::uint8_t state = inherited;
      const GumboTag tag = n->v.element.tag;
      // template content and noscript (a browser runs scripts) are not part of the rendered document:
      // walked for the depth check only, never shown to a rule.
      if (tag == GUMBO_TAG_TEMPLATE || tag == GUMBO_TAG_NOSCRIPT) state |= kInert;
      if (!(state & kInert)) {
        if (iequals(trim(attr(n, "aria-hidden").value), "true")) state |= kHidden;
        const std::string_view style = attr(n, "style").value;
        const std::string_view display = style.empty() ? std::string_view() : style_property(style, "display");
        if (iequals(display, "none") || (attr(n, "hidden").present && display.empty()) ||
            closed_dialog(n) || closed_details_content(n))
          state |= kHidden;
        if (!style.empty()) {
          const std::string_view visibility = style_property(style, "visibility");
          if (iequals(visibility, "hidden") || iequals(visibility, "collapse")) state |= kInvisible;
          else if (iequals(visibility, "visible")) state &= static_cast<std::uint8_t>(~kInvisible);
        }
      }
      state_at_depth[depth] = state;
      if (!(state & kInert)) {
        std::string_view role;
        for_each_token(attr(n, "role").value, [&](std::string_view r) { if (role.empty()) role = r; });
        elements_.push_back(Element{n, tag, depth, (state & (kHidden | kInvisible)) != 0, role});
        if (const auto id = attr(n, "id"); id.present && !id.value.empty()) ids_.emplace_back(id.value, n);
        if (tag == GUMBO_TAG_LABEL)
          if (const auto f = attr(n, "for"); f.present && !f.value.empty()) label_for_.emplace_back(f.value, n);
        if (tag == GUMBO_TAG_STYLE) has_stylesheets_ = true;
        if (tag == GUMBO_TAG_LINK && !has_stylesheets_)
          for_each_token(attr(n, "rel").value, [&](std::string_view r) { has_stylesheets_ |= iequals(r, "stylesheet"); });
        if (!has_inline_colors_)
          if (const auto style = attr(n, "style"); style.present)
            has_inline_colors_ = contains_icase(style.value, "color") || contains_icase(style.value, "background");
      }
      descend = n->v.element.children.length > 0;
    }
    // Move on, tracking depth: one level down, or up as many levels as we climb.
    if (descend) {
      n = static_cast<const GumboNode*>(n->v.element.children.data[0]);
      ++depth;
      continue;
    }
    while (n != doc) {
      const GumboNode* parent = n->parent;
      const GumboVector* siblings = children_of(parent);
      const std::size_t next = n->index_within_parent + 1;
      if (next < siblings->length) {
        n = static_cast<const GumboNode*>(siblings->data[next]);
        break;
      }
      n = parent;
      --depth;
    }
    if (n == doc) n = nullptr;
  }

  const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::stable_sort(ids_.begin(), ids_.end(), by_key);
  std::stable_sort(label_for_.begin(), label_for_.end(), by_key);
}

Document::~Document() = default;

std::size_t parse_limit_bytes(std::size_t html_bytes) {
  return std::max(kMinParseBytes, html_bytes > SIZE_MAX / kMaxParseBytesPerInputByte ? SIZE_MAX : html_bytes * kMaxParseBytesPerInputByte);
}

bool Element::has_role(std::string_view r) const { return !role.empty() && iequals(role, r); }   // the lease resets the arena that holds gumbo's tree

const GumboNode* Document::by_id(std::string_view id) const {
  const auto it = std::lower_bound(ids_.begin(), ids_.end(), id, [](const auto& e, std::string_view k) { return e.first < k; });
  return (it != ids_.end() && it->first == id) ? it->second : nullptr;
}

std::size_t Document::id_count(std::string_view id) const {
  const auto [lo, hi] = std::equal_range(ids_.begin(), ids_.end(), std::pair<std::string_view, const GumboNode*>(id, nullptr),
                                         [](const auto& a, const auto& b) { return a.first < b.first; });
  return static_cast<std::size_t>(hi - lo);
}

const std::string& Document::text_of(const GumboNode* node) const {
  auto [it, inserted] = text_memo_.try_emplace(node);
  if (inserted) append_text_content(node, it->second, 256);
  return it->second;
}

const std::string& Document::content_text(const GumboNode* node) const {
  if (const auto it = content_memo_.find(node); it != content_memo_.end()) return it->second;
  std::string text;
  append_text_content(node, text, 256, this);
  return content_memo_.emplace(node, std::move(text)).first->second;
}

const std::string* Document::content_text_if_known(const GumboNode* node) const {
  const auto it = content_memo_.find(node);
  return it == content_memo_.end() ? nullptr : &it->second;
}

std::span<const std::pair<std::string_view, const GumboNode*>> Document::labels_for(std::string_view id) const {
  const auto [lo, hi] = std::equal_range(label_for_.begin(), label_for_.end(), std::pair<std::string_view, const GumboNode*>(id, nullptr),
                                         [](const auto& a, const auto& b) { return a.first < b.first; });
  return {lo, hi};
}

bool hides_subtree(const GumboNode* n) {
  if (iequals(trim(attr(n, "aria-hidden").value), "true")) return true;
  const std::string_view style = attr(n, "style").value;
  const std::string_view display = style.empty() ? std::string_view() : style_property(style, "display");
  if (iequals(display, "none") || (attr(n, "hidden").present && display.empty())) return true;
  if (closed_dialog(n) || closed_details_content(n)) return true;
  if (style.empty()) return false;
  const std::string_view visibility = style_property(style, "visibility");
  return iequals(visibility, "hidden") || iequals(visibility, "collapse");
}

namespace {

bool presentational(const GumboNode* n) {
  std::string_view role;
  for_each_token(attr(n, "role").value, [&](std::string_view r) { if (role.empty()) role = r; });
  return iequals(role, "none") || iequals(role, "presentation");
}

bool is_button_input(const GumboNode* n) {
  if (n->v.element.tag != GUMBO_TAG_INPUT) return false;
  const std::string_view type = trim(attr(n, "type").value);
  return iequals(type, "button") || iequals(type, "submit") || iequals(type, "reset");
}

// The first <title> child of an svg, trimmed; empty when none.
std::string_view svg_title(const GumboNode* svg) {
  const GumboVector& kids = svg->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (!is_element(k) || k->v.element.tag != GUMBO_TAG_TITLE) continue;
    if (k->v.element.children.length == 0) return {};
    const auto* t = static_cast<const GumboNode*>(k->v.element.children.data[0]);
    return t->type == GUMBO_NODE_TEXT ? trim(std::string_view(t->v.text.text)) : std::string_view();
  }
  return {};
}

// accname 2D for the elements whose host language names them without their content: true when the
// element is one of those (its subtree then contributes nothing), with the name appended.
bool append_native_name(const GumboNode* n, std::string& out, std::size_t max_bytes) {
  const GumboTag tag = n->v.element.tag;
  const bool image_input = tag == GUMBO_TAG_INPUT && iequals(trim(attr(n, "type").value), "image");
  if (tag == GUMBO_TAG_IMG || tag == GUMBO_TAG_AREA || image_input) {
    if (!presentational(n)) append_collapsed(trim(attr(n, "alt").value), out, max_bytes);
    return true;
  }
  if (is_button_input(n)) {
    append_collapsed(trim(attr(n, "value").value), out, max_bytes);
    return true;
  }
  if (tag == GUMBO_TAG_SVG) {
    const std::string_view title = svg_title(n);
    if (!title.empty()) {
      append_collapsed(title, out, max_bytes);
      return true;
    }
  }
  return false;
}

// Embedded content (HTML's content model): its subtree is fallback or graphics, never part of a name from
// content; only its own name counts (axe's subtreeText returns nothing for it), so an svg's <text> or
// <desc> and an object's fallback text do not name the link around them.
bool embedded(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SVG: case GUMBO_TAG_MATH: case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED: case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_VIDEO: case GUMBO_TAG_AUDIO: case GUMBO_TAG_CANVAS: case GUMBO_TAG_IMG:
      return true;
    default:
      return false;
  }
}

void space_before(std::string& out) {
  if (!out.empty() && out.back() != ' ') out.push_back(' ');
}

}  // namespace

void append_text_content(const GumboNode* root, std::string& out, std::size_t max_bytes, const Document* labelled_by) {
  const GumboNode* n = root;
  while (n != nullptr && out.size() < max_bytes) {
    bool descend = true;
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA || n->type == GUMBO_NODE_WHITESPACE) {
      append_collapsed(n->v.text.text, out, max_bytes);
    } else if (is_element(n)) {
      const GumboTag tag = n->v.element.tag;
      const bool inline_tag = tag == GUMBO_TAG_SPAN || tag == GUMBO_TAG_B || tag == GUMBO_TAG_STRONG ||
                              tag == GUMBO_TAG_EM || tag == GUMBO_TAG_I;
      if (n != root && (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE ||
                        tag == GUMBO_TAG_NOSCRIPT || hides_subtree(n))) {
        descend = false;
      } else if (n != root) {
        // A descendant's own name stands for its subtree (accname 2B-2D, 2I while recursing).
        if (!inline_tag) space_before(out);
        const std::size_t mark = out.size();
        bool named = false;
        if (labelled_by != nullptr)
          if (const auto ids = attr(n, "aria-labelledby"); ids.present) {
            for_each_token(ids.value, [&](std::string_view id) {
              if (const GumboNode* ref = labelled_by->by_id(id)) {
                space_before(out);
                append_collapsed(labelled_by->text_of(ref), out, max_bytes);
              }
            });
            named = !trim(std::string_view(out).substr(mark)).empty();
            if (!named) out.resize(mark);
          }
        if (!named)
          if (const auto label = trim(attr(n, "aria-label").value); !label.empty()) {
            append_collapsed(label, out, max_bytes);
            named = true;
          }
        if (named || append_native_name(n, out, max_bytes) || tag == GUMBO_TAG_INPUT || embedded(tag)) {
          descend = false;
        } else if (labelled_by != nullptr) {
          if (const std::string* known = labelled_by->content_text_if_known(n)) {
            append_collapsed(*known, out, max_bytes);
            descend = false;
          }
        }
        // Nothing inside to name it (a leaf, or an image without alt): its title (accname 2I).
        if (out.size() == mark && (!descend || n->v.element.children.length == 0))
          append_collapsed(trim(attr(n, "title").value), out, max_bytes);
        if (!descend) space_before(out);
      }
    }
    n = next_in_subtree(n, root, descend);
  }
}

std::string accessible_name(const Document& doc, const GumboNode* element, bool from_content) {
  std::string name;
  if (const auto ids = attr(element, "aria-labelledby"); ids.present) {
    for_each_token(ids.value, [&](std::string_view id) {
      const GumboNode* ref = doc.by_id(id);
      if (ref == nullptr) return;
      space_before(name);
      if (const auto label = attr(ref, "aria-label"); !trim(label.value).empty())
        append_collapsed(trim(label.value), name, 256);
      else
        append_collapsed(doc.text_of(ref), name, 256);
    });
    if (!trim(name).empty()) return std::string(trim(name));
    name.clear();
  }
  if (const auto label = trim(attr(element, "aria-label").value); !label.empty()) {
    append_collapsed(label, name, 256);
    return name;
  }
  if (append_native_name(element, name, 256) && !trim(name).empty()) return std::string(trim(name));
  name.clear();
  if (from_content) {
    name = doc.content_text(element);
    if (!trim(name).empty()) return std::string(trim(name));
    name.clear();
  }
  append_collapsed(trim(attr(element, "title").value), name, 256);
  return name;
}

const std::vector<std::uint32_t>& SelectorPaths::positions(const GumboNode* parent) {
  auto [it, inserted] = positions_.try_emplace(parent);
  if (!inserted) return it->second;
  const GumboVector* kids = children_of(parent);
  if (kids == nullptr) return it->second;
  std::vector<std::uint32_t>& out = it->second;
  out.assign(kids->length, 0);
  // Type key: the tag, or the lower-cased name of an unknown element (same_type's rule).
  const auto key = [](const GumboNode* n) {
    std::string k(tag_name(n));
    if (n->v.element.tag == GUMBO_TAG_UNKNOWN)
      for (char& c : k) c = lower(c);
    return k;
  };
  std::unordered_map<std::string, std::uint32_t> seen;
  std::vector<std::string> keys(kids->length);
  for (unsigned i = 0; i < kids->length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids->data[i]);
    if (!is_element(k)) continue;
    keys[i] = key(k);
    out[i] = ++seen[keys[i]];
  }
  for (unsigned i = 0; i < kids->length; ++i)
    if (out[i] == 1 && seen[keys[i]] == 1) out[i] = 0;   // the only one of its type: no nth-of-type
  return out;
}

std::string SelectorPaths::path(const GumboNode* element) {
  constexpr std::size_t kMaxName = 64;
  std::vector<std::string> parts;   // from the element up to html
  std::size_t total = 0;
  for (const GumboNode* n = element; n != nullptr && is_element(n); n = n->parent) {
    std::string part(tag_name(n));
    if (part.size() > kMaxName) part = "*";
    if (n->parent != nullptr && children_of(n->parent) != nullptr) {
      const auto& pos = positions(n->parent);
      if (n->index_within_parent < pos.size() && pos[n->index_within_parent] != 0)
        part += ":nth-of-type(" + std::to_string(pos[n->index_within_parent]) + ")";
    }
    total += part.size() + (parts.empty() ? 0 : 3);
    parts.push_back(std::move(part));
  }
  std::string out;
  if (total <= kMaxSelectorBytes) {
    out.reserve(total);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      if (!out.empty()) out += " > ";
      out += *it;
    }
    return out;
  }
  // Too deep: "html " and then as many of the nearest ancestors as fit.
  constexpr std::string_view kPrefix = "html ";
  std::size_t keep = 0, length = kPrefix.size();
  while (keep < parts.size() && length + parts[keep].size() + (keep ? 3 : 0) <= kMaxSelectorBytes)
    length += parts[keep].size() + (keep ? 3 : 0), ++keep;
  out.reserve(length);
  out += kPrefix;
  for (std::size_t i = keep; i-- > 0;) {
    out += parts[i];
    if (i) out += " > ";
  }
  return out;
}

std::string selector_path(const GumboNode* element) { return SelectorPaths().path(element); }

std::string snippet(const GumboNode* element) {
  constexpr std::size_t kMax = kMaxSnippetBytes;
  const GumboStringPiece piece = element->v.element.original_tag;
  if (piece.length == 0) {
    // Built by appending: GCC 12 at -O3 warns (-Wrestrict, a false positive) on "<" + std::string(...).
    std::string out = "<";
    out += tag_name(element);
    out += '>';
    return out;
  }
  std::size_t len = std::min(piece.length, kMax);
  if (len < piece.length)
    while (len > 0 && (static_cast<unsigned char>(piece.data[len]) & 0xC0) == 0x80) --len;   // not mid-character
  return std::string(piece.data, len);
}

}  // namespace a11y::audit
