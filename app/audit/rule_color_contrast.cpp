// color-contrast (WCAG 1.4.3): text against its background needs a contrast ratio of at least 4.5:1, or
// 3:1 for large text (24px, or 18.66px bold). Only colours set in inline styles are known without a
// CSS engine. A ratio is a violation only when the markup determines both colours: the text's colour and
// an opaque background are set on the element itself, or the page has no stylesheet that could set them
// in between. Otherwise (a stylesheet could override, a background image or gradient, a colour we cannot
// parse) a failing estimate is reported as needing review, as axe reports what it cannot decide; text
// whose inline colours pass, or that has none, is left alone.
#include <charconv>
#include <cstdio>
#include <optional>
#include <vector>

#include "audit/color.hpp"
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool has_own_text(const GumboNode* n) {
  const GumboVector& kids = n->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (k->type == GUMBO_NODE_TEXT && !trim(k->v.text.text).empty()) return true;
  }
  return false;
}

// CSS font-size in px; 0 when not understood.
double font_size_px(std::string_view v) {
  v = trim(v);
  if (iequals(v, "large")) return 18;
  if (iequals(v, "x-large")) return 24;
  if (iequals(v, "xx-large")) return 32;
  double number = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
  if (ec != std::errc() || number <= 0) return 0;
  const std::string_view unit(end, static_cast<std::size_t>(v.data() + v.size() - end));
  if (iequals(unit, "px")) return number;
  if (iequals(unit, "pt")) return number * 4.0 / 3.0;
  if (iequals(unit, "em") || iequals(unit, "rem")) return number * 16.0;
  if (iequals(unit, "%")) return number * 16.0 / 100.0;
  return 0;
}

double default_font_size(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_H1: return 32;
    case GUMBO_TAG_H2: return 24;
    case GUMBO_TAG_H3: return 18.72;
    default: return 0;
  }
}

bool bold_tag(GumboTag t) {
  return t == GUMBO_TAG_B || t == GUMBO_TAG_STRONG || t == GUMBO_TAG_TH || t == GUMBO_TAG_H1 || t == GUMBO_TAG_H2 ||
         t == GUMBO_TAG_H3 || t == GUMBO_TAG_H4 || t == GUMBO_TAG_H5 || t == GUMBO_TAG_H6;
}

// A background's colour; nullopt when it has none, "unknown" (flag) when it is an image or unparseable.
std::optional<Rgba> background_of(std::string_view style, bool& unknown) {
  const std::string_view color = style_property(style, "background-color");
  const std::string_view shorthand = style_property(style, "background");
  for (std::string_view v : {shorthand, style_property(style, "background-image")})
    if (v.find("url(") != std::string_view::npos || v.find("gradient") != std::string_view::npos) unknown = true;
  if (unknown) return std::nullopt;
  if (!color.empty()) {
    auto c = parse_color(color);
    if (!c) unknown = !iequals(color, "inherit") && !iequals(color, "initial");
    return c;
  }
  if (shorthand.empty()) return std::nullopt;
  if (auto c = parse_color(shorthand)) return c;
  std::optional<Rgba> found;
  for_each_token(shorthand, [&](std::string_view tok) {
    if (!found) found = parse_color(tok);
  });
  if (!found && !iequals(shorthand, "none")) unknown = true;
  return found;
}

// What an element's text inherits, computed once per element from its parent's (one pass in document
// order), so the rule is linear however deep the text sits.
struct Computed {
  std::optional<Rgba> fg;   // nearest colour that applies
  bool fg_unknown = false;  // the nearest colour is not knowable here (currentColor, var(), ...)
  Rgba bg{255, 255, 255, 1};   // the backgrounds that apply, composited onto white (the browser's canvas)
  bool bg_set = false;      // some element up the chain has a visible background
  bool bg_unknown = false;  // an image or gradient is in the way, or a colour we cannot parse
  bool fg_own = false, bg_own = false;   // this element's own style sets the colour / an opaque background
  double size = 0;          // font size in px, 0 = the default
  bool bold = false, bold_known = false;
};

Computed compute(const Computed& parent, const GumboNode* n) {
  Computed c = parent;
  c.fg_own = c.bg_own = false;
  const GumboTag tag = n->v.element.tag;
  const std::string_view style = attr(n, "style").value;
  double own_size = 0;
  if (!style.empty()) {
    if (const auto color = style_property(style, "color"); !color.empty() && !iequals(color, "inherit")) {
      c.fg = parse_color(color);
      c.fg_unknown = !c.fg;
      c.fg_own = true;
    }
    bool unknown = false;
    const auto bg = background_of(style, unknown);
    if (unknown) {
      c.bg_unknown = true;
    } else if (bg && bg->a > 0) {
      c.bg_set = true;
      if (bg->a >= 1.0) {   // opaque: what is behind it no longer matters
        c.bg = *bg;
        c.bg_unknown = false;
        c.bg_own = true;
      } else {
        c.bg = blend(*bg, parent.bg);
      }
    }
    own_size = font_size_px(style_property(style, "font-size"));
    if (const auto w = style_property(style, "font-weight"); !w.empty()) {
      int weight = 400;
      std::from_chars(w.data(), w.data() + w.size(), weight);
      c.bold = iequals(w, "bold") || iequals(w, "bolder") || weight >= 700;
      c.bold_known = true;
    } else if (bold_tag(tag)) {
      c.bold = c.bold_known = true;
    }
  } else if (bold_tag(tag)) {
    c.bold = c.bold_known = true;
  }
  if (own_size == 0) own_size = default_font_size(tag);
  if (own_size != 0) c.size = own_size;
  return c;
}

class ColorContrast final : public Rule {
 public:
  ColorContrast()
      : Rule({"color-contrast", "1.4.3", "AA", "Elements must meet minimum color contrast ratio thresholds", Impact::Serious,
              "cat.color,wcag2aa,wcag143"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    if (!doc.has_inline_colors()) return;
    std::vector<Computed> chain(1);   // chain[d] = the element at depth d on the current path; [0] = defaults
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (chain.size() <= e.depth) chain.resize(e.depth + 1);
      chain[e.depth] = compute(chain[e.depth - 1], e.node);
      switch (e.tag) {
        case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_TITLE: case GUMBO_TAG_TEMPLATE:
        case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_OPTION:
          continue;
        default: break;
      }
      if (e.hidden || !has_own_text(e.node)) continue;
      check_element(e.node, chain[e.depth], doc.has_stylesheets(), out);
    }
  }

 private:
  void check_element(const GumboNode* element, const Computed& c, bool stylesheets, Reporter& out) const {
    if (!c.fg && !c.bg_set && !c.fg_unknown && !c.bg_unknown) return;   // no inline colours: nothing known
    if (c.fg_unknown || c.bg_unknown) {
      out.review(element, std::string("Text contrast cannot be determined: ") +
                              (c.bg_unknown ? "a background image, gradient or unreadable colour is behind it"
                                            : "its colour is not a value the engine can read (currentColor, var(), ...)") +
                              ": check it by eye or with a browser tool");
      return;
    }
    const Rgba bg = c.bg;
    Rgba text = c.fg.value_or(Rgba{0, 0, 0, 1});
    if (text.a < 1) text = blend(text, bg);

    const double size = c.size == 0 ? 16 : c.size;
    const bool large = size >= 24.0 || (c.bold && size >= 18.66);
    const double required = large ? 3.0 : 4.5;
    const double ratio = contrast_ratio(text, bg);
    if (ratio >= required) return;
    char figures[96];
    std::snprintf(figures, sizeof figures, "%.2f:1 (%s on %s) is below %.1f:1", ratio, to_hex(text).c_str(),
                  to_hex(bg).c_str(), required);
    const bool determined = !stylesheets || (c.fg_own && c.bg_own);
    if (!determined) {
      out.review(element, std::string("Text contrast may be too low: the inline colours alone give ") + figures +
                              ", but a stylesheet may set this element's colours: check it in a browser");
      return;
    }
    out.report(element, std::string("Text contrast ") + figures + (large ? " for large text" : " for normal text") +
                            ": darken the text or lighten the background");
  }
};

}  // namespace

const Rule& color_contrast_rule() {
  static const ColorContrast rule;
  return rule;
}

}  // namespace a11y::audit
