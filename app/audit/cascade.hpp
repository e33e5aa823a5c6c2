// The CSS cascade for what color-contrast reads: each element's text colour, the backgrounds behind it,
// opacity, visibility, display, font size and weight, from the UA defaults, the page's <style> sheets
// (css.hpp) and style attributes, with specificity, source order, !important, inheritance,
// inherit/initial/unset and currentColor. Computed top-down in one pass over Document::elements(): each
// element's style from its parent's and the declarations that match it, so the cost is linear in the
// document (plus the selector tests, bounded in css.hpp).
//
// Two "worlds" are kept: in world 0 the declarations that only may apply (a selector the engine cannot
// evaluate, an @media condition) do not, in world 1 they do. A value that cannot be read (var(), a
// background image or gradient) is unknown in its world, and "open" says a source the engine cannot see
// (an external sheet, @import, ...) may set the value. The rule decides only when every world is known and
// nothing is open; otherwise it asks for review.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/color.hpp"
#include "audit/css.hpp"
#include "audit/document.hpp"

namespace a11y::audit {

struct TextStyle {
  bool rendered = true;            // no display:none on it or above, opacity above 0
  bool visible = true;             // visibility (inherited)
  std::optional<Rgba> color;       // text colour, its alpha not yet multiplied by opacity; nullopt: unknown
  const char* color_unknown = nullptr;   // why, when unknown
  std::optional<Rgba> backdrop;    // its own and its ancestors' backgrounds composited on white; nullopt: unknown
  const char* backdrop_unknown = nullptr;
  std::optional<Rgba> own_background;    // its own background-color (for "inherit"); nullopt: unknown
  bool own_image = false;          // its own background-image is set
  double opacity = 1;              // product of opacity along the path
  double font_px = 16;             // computed font size; font_known false: calc(), var(), viewport units
  bool font_known = true;
  int weight = 400;
  bool weight_known = true;
};

struct ComputedStyle {
  TextStyle world[2];      // [0]: declarations that may apply do not; [1]: they do
  bool differs = false;    // some declaration that may apply matched it or an ancestor
  bool color_open = false, backdrop_open = false, font_open = false;   // a source not seen may set them
};

class StyleCascade {
 public:
  explicit StyleCascade(const Document& doc);
  // The style of e; call for every element of Document::elements() in order. Valid until the next call.
  const ComputedStyle& compute(const Element& e);
  // Why values are open ("" when nothing is): an external sheet, @import, a sheet past the caps, the
  // selector budget spent.
  const std::string& open_reason() const;
  const css::StyleSheets& sheets() const { return sheets_; }

 private:
  bool open() const { return sheets_.is_open() || !budget_reason_.empty(); }
  css::StyleSheets sheets_;
  std::vector<ComputedStyle> chain_;       // chain_[d]: the element at depth d on the current path
  std::vector<css::PathEntry> path_;
  std::vector<const GumboNode*> last_child_;   // by depth: the last element seen there (for sibling indexes)
  std::vector<css::MatchedDeclaration> matched_;
  std::vector<css::Declaration> inline_;
  std::size_t steps_ = 0, max_steps_ = 0;
  std::string budget_reason_;
};

// Font sizes and weights as CSS computes them; exposed for the unit tests. parent_px and root_px are the
// parent's and the root element's computed sizes. nullopt: not a value the engine can compute.
std::optional<double> font_size_px(std::string_view value, double parent_px, double root_px);
std::optional<int> font_weight(std::string_view value, int parent);

}  // namespace a11y::audit
