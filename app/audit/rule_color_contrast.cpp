// color-contrast (WCAG 1.4.3): text against its background needs a contrast ratio of at least 4.5:1, or
// 3:1 for large text (18pt, or 14pt bold, as axe rounds them). Colours, backgrounds, opacity, visibility
// and font sizes come from the CSS cascade (cascade.hpp): the UA defaults, the page's <style> sheets and
// style attributes. A ratio below the threshold is a violation only when the cascade determines every value;
// when something cannot be determined statically (a background image or gradient, var(), a selector or
// @media condition the engine cannot evaluate that would change the colours, an external sheet that may
// set them, a font size it cannot compute between the two thresholds) the finding needs review, as axe
// reports what it cannot decide. No layout: text is assumed to sit on its ancestors' backgrounds.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "audit/cascade.hpp"
#include "audit/color.hpp"
#include "audit/rule.hpp"
#include "audit/semantics.hpp"

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

// An input that shows its value as text (axe checks those; checkboxes, colours and the like show none).
bool has_value_text(const Element& e) {
  if (e.tag != GUMBO_TAG_INPUT || trim(attr(e.node, "value").value).empty()) return false;
  const std::string_view type = trim(attr(e.node, "type").value);
  for (const char* none : {"hidden", "range", "color", "checkbox", "radio", "image", "file"})
    if (iequals(type, none)) return false;
  return true;
}

// Disabled controls and what they contain are exempt (WCAG 1.4.3: "part of an inactive user interface
// component"), as in axe.
bool disables(const Element& e) {
  if (iequals(trim(attr(e.node, "aria-disabled").value), "true")) return true;
  switch (e.tag) {
    case GUMBO_TAG_BUTTON: case GUMBO_TAG_INPUT: case GUMBO_TAG_SELECT: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_OPTGROUP:
      return attr(e.node, "disabled").present;
    default:
      return false;
  }
}

struct Verdict {
  enum Kind { Pass, Fail, SizeUnknown, Undecidable } kind = Pass;
  const char* reason = nullptr;   // Undecidable
  double ratio = 0, required = 0;
  bool large = false;
  Rgba text, background;
};

Verdict judge(const TextStyle& s) {
  Verdict v;
  if (!s.rendered || !s.visible) return v;
  const auto undecidable = [](const char* reason) {
    Verdict u;
    u.kind = Verdict::Undecidable;
    u.reason = reason;
    return u;
  };
  if (std::isnan(s.opacity)) return undecidable("an opacity the engine cannot read (var(), calc()) applies to it");
  if (!s.color) return undecidable(s.color_unknown);
  if (!s.backdrop) return undecidable(s.backdrop_unknown);
  v.background = *s.backdrop;
  Rgba text = *s.color;
  text.a *= s.opacity;
  v.text = text.a < 1 ? blend(text, v.background) : text;
  v.ratio = contrast_ratio(v.text, v.background);
  // axe: points rounded up from pixels; large is 18pt, or 14pt when bold (700 and up).
  const double pt = std::ceil(s.font_px * 72) / 96;
  const bool bold = s.weight >= 700;
  v.large = bold ? pt >= 14 : pt >= 18;
  const bool size_known = s.font_known && s.weight_known;
  v.required = v.large ? 3.0 : 4.5;
  if (v.ratio >= 4.5) return v;
  if (v.ratio < 3.0) { v.kind = Verdict::Fail; v.required = v.large ? 3.0 : 4.5; return v; }
  if (!size_known) { v.kind = Verdict::SizeUnknown; v.required = 4.5; return v; }
  v.kind = v.large ? Verdict::Pass : Verdict::Fail;
  return v;
}

class ColorContrast final : public Rule {
 public:
  ColorContrast()
      : Rule({"color-contrast", "1.4.3", "AA", "Elements must meet minimum color contrast ratio thresholds", Impact::Serious,
              "cat.color,wcag2aa,wcag143"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    // Without a sheet or an inline colour only the UA defaults apply, and those all pass.
    if (!doc.has_inline_colors() && !doc.has_stylesheets()) return;
    StyleCascade cascade(doc);
    const Semantics& semantics = doc.semantics();
    const auto elements = doc.elements();
    std::vector<bool> disabled(1, false);   // by depth: a disabled control or aria-disabled="true" on the path
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const Element& e = elements[i];
      if (out.out_of_time()) return;
      const ComputedStyle& style = cascade.compute(e);
      if (disabled.size() <= e.depth) disabled.resize(e.depth + 1);
      disabled[e.depth] = disabled[e.depth - 1] || disables(e);
      switch (e.tag) {
        case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_TITLE: case GUMBO_TAG_TEMPLATE:
        case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_OPTION:
          continue;
        default: break;
      }
      // Text hidden from sight (not from assistive technology: aria-hidden text is still seen, as in axe).
      if (!semantics[i].rendered || semantics[i].invisible || disabled[e.depth]) continue;
      if (!has_own_text(e.node) && !has_value_text(e)) continue;
      check_element(e.node, style, cascade, out);
    }
  }

 private:
  static void check_element(const GumboNode* element, const ComputedStyle& style, const StyleCascade& cascade, Reporter& out) {
    const Verdict v0 = judge(style.world[0]);
    const Verdict v1 = style.differs ? judge(style.world[1]) : v0;
    for (const Verdict* v : {&v0, &v1})
      if (v->kind == Verdict::Undecidable) {
        out.review(element, std::string("Text contrast cannot be determined: ") + v->reason + ": check it by eye or with a browser tool");
        return;
      }
    const Verdict* failing = v0.kind != Verdict::Pass ? &v0 : v1.kind != Verdict::Pass ? &v1 : nullptr;
    if (failing == nullptr) return;
    char figures[112];
    std::snprintf(figures, sizeof figures, "%.2f:1 (%s on %s) is below %.1f:1", failing->ratio, to_hex(failing->text).c_str(),
                  to_hex(failing->background).c_str(), failing->required);
    // Why the estimate is not a verdict, if it is not.
    std::string why;
    if (style.differs) why = "a selector or @media condition the engine cannot evaluate may change these colours";
    else if (failing->kind == Verdict::SizeUnknown) why = "the font size is not one the engine can compute, and large text needs only 3:1";
    else if (style.color_open || style.backdrop_open || (failing->ratio >= 3.0 && style.font_open)) why = cascade.open_reason();
    if (!why.empty()) {
      out.review(element, std::string("Text contrast may be too low: the styles the engine can read give ") + figures + ", but " + why +
                              ": check it in a browser");
      return;
    }
    out.report(element, std::string("Text contrast ") + figures + (failing->large ? " for large text" : " for normal text") +
                            ": darken the text or lighten the background");
  }
};

}  // namespace

const Rule& color_contrast_rule() {
  static const ColorContrast rule;
  return rule;
}

}  // namespace a11y::audit
