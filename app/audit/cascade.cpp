#include "audit/cascade.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace a11y::audit {
namespace {

using css::Declaration;
using css::MatchedDeclaration;
using css::Property;

constexpr Rgba kBlack{0, 0, 0, 1}, kWhite{255, 255, 255, 1}, kTransparent{0, 0, 0, 0};
constexpr Rgba kLink{0, 0, 0xEE, 1}, kButtonFace{0xEF, 0xEF, 0xEF, 1}, kMark{255, 255, 0, 1};

constexpr const char* kUnreadableColor = "its colour is not a value the engine can read (var(), a system colour, ...)";
constexpr const char* kUnreadableBackground = "a background colour the engine cannot read (var(), ...) is behind it";
constexpr const char* kImage = "a background image or gradient is behind it";
constexpr const char* kUnreadableOpacity = "an opacity the engine cannot read (var(), calc()) applies to it";

bool keyword(std::string_view v, std::string_view k) { return iequals(trim(v), k); }
bool inherits(std::string_view v) { return keyword(v, "inherit") || keyword(v, "unset"); }

// A colour value: a colour, currentColor, or a system colour; nullopt when unreadable.
std::optional<Rgba> color_value(std::string_view v, const std::optional<Rgba>& current) {
  if (keyword(v, "currentcolor")) return current;
  if (auto c = parse_color(v)) return c;
  v = trim(v);
  if (iequals(v, "canvastext") || iequals(v, "buttontext") || iequals(v, "fieldtext") || iequals(v, "windowtext")) return kBlack;
  if (iequals(v, "canvas") || iequals(v, "field") || iequals(v, "window")) return kWhite;
  if (iequals(v, "buttonface")) return kButtonFace;
  if (iequals(v, "linktext")) return kLink;
  return std::nullopt;
}

// A background layer list's colour and whether it paints an image.
struct Background {
  std::optional<Rgba> color = kTransparent;   // nullopt: unreadable
  bool image = false;
};
bool is_image(std::string_view tok) {
  const auto has = [&](std::string_view f) {
    for (std::size_t i = 0; i + f.size() <= tok.size(); ++i)
      if (iequals(tok.substr(i, f.size()), f)) return true;
    return false;
  };
  return has("url(") || has("gradient(") || has("image(") || has("image-set(") || has("element(") || has("cross-fade(") ||
         has("paint(");
}
bool background_keyword(std::string_view t) {
  static constexpr std::string_view kWords[] = {
      "none", "repeat", "no-repeat", "repeat-x", "repeat-y", "space", "round", "center", "top", "bottom", "left",
      "right", "fixed", "scroll", "local", "cover", "contain", "auto", "border-box", "padding-box", "content-box",
      "text", "/"};
  for (const auto w : kWords)
    if (iequals(t, w)) return true;
  return !t.empty() && (std::isdigit(static_cast<unsigned char>(t.front())) || t.front() == '.' || t.front() == '-' || t.front() == '+');
}
// Splits v at top-level whitespace (parentheses kept together).
template <class F>
void for_each_component(std::string_view v, F&& f) {
  std::size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r' || v[i] == '\f')) ++i;
    const std::size_t start = i;
    int parens = 0;
    while (i < v.size() && (parens > 0 || !(v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r' || v[i] == '\f'))) {
      if (v[i] == '(') ++parens;
      else if (v[i] == ')' && parens > 0) --parens;
      ++i;
    }
    if (i > start) f(v.substr(start, i - start));
  }
}
Background background_shorthand(std::string_view v, const std::optional<Rgba>& current) {
  Background out;
  if (is_image(v)) out.image = true;
  // The colour is in the last layer only.
  std::size_t last = 0;
  int parens = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '(') ++parens;
    else if (v[i] == ')' && parens > 0) --parens;
    else if (v[i] == ',' && parens == 0) last = i + 1;
  }
  for_each_component(v.substr(last), [&](std::string_view tok) {
    if (!out.color) return;
    if (is_image(tok) || background_keyword(tok)) return;
    if (auto c = color_value(tok, current)) out.color = c;
    else out.color = std::nullopt;   // var(), an unknown word: could be a colour
  });
  return out;
}

Rgba with_alpha(Rgba c, double factor) {
  c.a *= factor;
  return c;
}

struct Winner {
  const Declaration* declaration = nullptr;
  bool strong = false;   // inline or !important: an unseen author sheet cannot override it
};

struct FontParts {
  std::optional<double> px;   // NaN when relative to an unknown size
  std::optional<int> weight;
};
// The font shorthand: [style variant weight stretch] size[/line-height] family. nullopt parts: unreadable
// (a system font, var()).
FontParts font_shorthand(std::string_view v, double parent_px, double root_px, const TextStyle& parent) {
  if (inherits(v)) return {parent_px, parent.weight_known ? std::optional<int>(parent.weight) : std::nullopt};
  if (keyword(v, "initial")) return {16.0, 400};
  FontParts out;
  int weight = 400;
  bool done = false;
  for_each_component(v, [&](std::string_view tok) {
    if (done) return;
    if (const auto slash = tok.find('/'); slash != std::string_view::npos) tok = tok.substr(0, slash);
    if (tok.empty()) return;
    const bool number = std::all_of(tok.begin(), tok.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (iequals(tok, "bold") || iequals(tok, "bolder") || iequals(tok, "lighter") || (number && tok != "0")) {
      if (auto w = font_weight(tok, parent.weight)) weight = *w;
      return;
    }
    if (auto px = font_size_px(tok, parent_px, root_px)) {
      out.px = px;
      done = true;
    }
  });
  if (done) out.weight = weight;
  return out;
}

}  // namespace

std::optional<double> font_size_px(std::string_view value, double parent_px, double root_px) {
  const std::string_view v = trim(value);
  struct Named { std::string_view name; double px; };
  static constexpr Named kNamed[] = {{"xx-small", 9}, {"x-small", 10}, {"small", 13}, {"medium", 16}, {"large", 18},
                                     {"x-large", 24}, {"xx-large", 32}, {"xxx-large", 48}};
  for (const auto& n : kNamed)
    if (iequals(v, n.name)) return n.px;
  if (iequals(v, "smaller")) return parent_px / 1.2;
  if (iequals(v, "larger")) return parent_px * 1.2;
  if (iequals(v, "inherit") || iequals(v, "unset")) return parent_px;
  if (iequals(v, "initial")) return 16.0;
  double number = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
  if (ec != std::errc() || number < 0 || !std::isfinite(number)) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(v.data() + v.size() - end));
  if (unit.empty()) return number == 0 ? std::optional<double>(0.0) : std::nullopt;
  if (iequals(unit, "px")) return number;
  if (iequals(unit, "pt")) return number * 4.0 / 3.0;
  if (iequals(unit, "pc")) return number * 16.0;
  if (iequals(unit, "in")) return number * 96.0;
  if (iequals(unit, "cm")) return number * 96.0 / 2.54;
  if (iequals(unit, "mm")) return number * 96.0 / 25.4;
  if (iequals(unit, "em")) return number * parent_px;
  if (iequals(unit, "rem")) return number * root_px;
  if (unit == "%") return number * parent_px / 100.0;
  return std::nullopt;   // ex, ch, vw, vh, ...: depend on fonts or the viewport
}

std::optional<int> font_weight(std::string_view value, int parent) {
  const std::string_view v = trim(value);
  if (iequals(v, "normal") || iequals(v, "initial")) return 400;
  if (iequals(v, "bold")) return 700;
  if (iequals(v, "inherit") || iequals(v, "unset")) return parent;
  // CSS Fonts 4, relative weights.
  if (iequals(v, "bolder")) return parent < 350 ? 400 : parent < 550 ? 700 : parent < 900 ? 900 : parent;
  if (iequals(v, "lighter")) return parent < 100 ? parent : parent < 550 ? 100 : parent < 750 ? 400 : 700;
  int w = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), w);
  if (ec != std::errc() || end != v.data() + v.size() || w < 1 || w > 1000) return std::nullopt;
  return w;
}

StyleCascade::StyleCascade(const Document& doc) {
  const auto elements = doc.elements();
  if (doc.has_stylesheets()) {
    for (const Element& e : elements) {
      if (e.tag == GUMBO_TAG_STYLE) {
        const GumboVector& kids = e.node->v.element.children;
        for (unsigned i = 0; i < kids.length; ++i) {
          const auto* k = static_cast<const GumboNode*>(kids.data[i]);
          if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_WHITESPACE || k->type == GUMBO_NODE_CDATA)
            sheets_.add_sheet(k->v.text.text, attr(e.node, "media").value);
        }
      } else if (e.tag == GUMBO_TAG_LINK) {
        bool sheet = false, alternate = false, preload = false;
        for_each_token(attr(e.node, "rel").value, [&](std::string_view r) {
          sheet |= iequals(r, "stylesheet");
          alternate |= iequals(r, "alternate");
          preload |= iequals(r, "preload");
        });
        // rel=preload as=style with an onload that makes it a sheet is the common way to load CSS late.
        preload = preload && iequals(trim(attr(e.node, "as").value), "style");
        const auto media = attr(e.node, "media").value;
        if ((sheet && !alternate) || preload) {
          bool print_only = false;
          if (!trim(media).empty()) {
            print_only = true;
            for_each_token(media, [&](std::string_view t) { print_only = print_only && !(iequals(t, "all") || iequals(t, "screen") || t.find('(') != std::string_view::npos || iequals(t, "and") || iequals(t, "only")); });
          }
          if (!print_only) sheets_.open("an external style sheet (<link rel=stylesheet>) the engine does not fetch may set its colours");
        }
      }
    }
    sheets_.build_index();
  }
  max_steps_ = css::kMatchStepsPerElement * elements.size() + css::kMatchStepsBase;
  chain_.resize(1);
  TextStyle root;
  root.color = kBlack;
  root.backdrop = kWhite;
  root.own_background = kTransparent;
  chain_[0].world[0] = chain_[0].world[1] = root;
  path_.resize(1);
  last_child_.assign(1, nullptr);
}

const ComputedStyle& StyleCascade::compute(const Element& e) {
  const std::size_t depth = e.depth;
  if (chain_.size() <= depth) {
    chain_.resize(depth + 1);
    path_.resize(depth + 1);
    last_child_.resize(depth + 1, nullptr);
  }
  // The element's index among its parent's element children: counted on from the previous one seen at
  // this depth under the same parent (elements inside template/noscript are not in elements(), so
  // gumbo's sibling list is the truth).
  const GumboNode* n = e.node;
  std::uint32_t index = 0;
  {
    const GumboNode* prev = last_child_[depth];
    const GumboVector& kids = n->parent->type == GUMBO_NODE_DOCUMENT ? n->parent->v.document.children : n->parent->v.element.children;
    std::size_t from = 0;
    if (prev != nullptr && prev->parent == n->parent && prev->index_within_parent < n->index_within_parent) {
      index = path_[depth].element_index + 1;
      from = prev->index_within_parent + 1;
    }
    for (std::size_t i = from; i < n->index_within_parent; ++i) {
      const auto* k = static_cast<const GumboNode*>(kids.data[i]);
      if (k->type == GUMBO_NODE_ELEMENT || k->type == GUMBO_NODE_TEMPLATE) ++index;
    }
  }
  path_[depth] = css::PathEntry{n, index};
  last_child_[depth] = n;
  if (depth + 1 < last_child_.size()) last_child_[depth + 1] = nullptr;

  matched_.clear();
  if (budget_reason_.empty() && sheets_.selector_count() > 0 &&
      !sheets_.match(path_, depth, matched_, steps_, max_steps_)) {
    budget_reason_ = "the page's selectors need more tests than the engine's budget (" + std::to_string(max_steps_) +
                     "): the rest of the page's sheet styles are not applied";
    matched_.clear();
  }
  inline_.clear();
  if (const auto style = attr(n, "style"); style.present) css::parse_declarations(style.value, inline_);

  const ComputedStyle& parent = chain_[depth - 1];
  ComputedStyle& out = chain_[depth];
  bool any_maybe = false, pseudo_background = false;
  for (const auto& m : matched_) {
    const bool background = m.declaration->property == Property::Background ||
                            m.declaration->property == Property::BackgroundColor ||
                            m.declaration->property == Property::BackgroundImage;
    if (m.pseudo == css::PseudoElement::Before || m.pseudo == css::PseudoElement::After) pseudo_background |= background;
    else if (m.pseudo == css::PseudoElement::FirstLine || m.pseudo == css::PseudoElement::FirstLetter)
      any_maybe |= m.declaration->property == Property::Color || background;   // part of the text: world 1
    else any_maybe |= m.maybe;
  }
  out.differs = parent.differs || any_maybe;


  // The declaration that wins for any of props in world w: importance, then inline, then specificity,
  // then source order.
  const auto winner = [&](std::initializer_list<Property> props, int w) {
    const auto wanted = [&](Property p) { return std::find(props.begin(), props.end(), p) != props.end(); };
    Winner best;
    std::uint64_t best_key = 0;
    for (const auto& m : matched_) {
      if (!wanted(m.declaration->property)) continue;
      const bool first_line = m.pseudo == css::PseudoElement::FirstLine || m.pseudo == css::PseudoElement::FirstLetter;
      if (m.pseudo != css::PseudoElement::None && !first_line) continue;
      if ((m.maybe || first_line) && w == 0) continue;
      const std::uint64_t key = (std::uint64_t{m.declaration->important} << 63) | (std::uint64_t{m.specificity} << 32) | m.order;
      if (best.declaration == nullptr || key > best_key) {
        best_key = key;
        best.declaration = m.declaration;
        best.strong = m.declaration->important;
      }
    }
    for (const auto& d : inline_) {
      if (!wanted(d.property)) continue;
      if (best.declaration == nullptr || d.important || !best.declaration->important) {
        best.declaration = &d;
        best.strong = true;
      }
    }
    return best;
  };

  // The UA style sheet's part that matters here (HTML's rendering section).
  const GumboTag tag = e.tag;
  std::optional<Rgba> ua_color, ua_background;
  double ua_scale = 0;   // font-size in em of the parent
  enum { kInheritWeight, kBold, kBolder } ua_weight = kInheritWeight;
  switch (tag) {
    case GUMBO_TAG_A: case GUMBO_TAG_AREA:
      if (attr(n, "href").present) ua_color = kLink;
      break;
    case GUMBO_TAG_BUTTON:
      ua_color = kBlack;
      ua_background = kButtonFace;
      break;
    case GUMBO_TAG_INPUT: {
      const auto type = trim(attr(n, "type").value);
      ua_color = kBlack;
      if (iequals(type, "button") || iequals(type, "submit") || iequals(type, "reset")) ua_background = kButtonFace;
      else if (!(iequals(type, "image") || iequals(type, "checkbox") || iequals(type, "radio") || iequals(type, "hidden"))) ua_background = kWhite;
      break;
    }
    case GUMBO_TAG_SELECT: case GUMBO_TAG_TEXTAREA: ua_color = kBlack; ua_background = kWhite; break;
    case GUMBO_TAG_MARK: ua_color = kBlack; ua_background = kMark; break;
    case GUMBO_TAG_H1: ua_scale = 2; ua_weight = kBold; break;
    case GUMBO_TAG_H2: ua_scale = 1.5; ua_weight = kBold; break;
    case GUMBO_TAG_H3: ua_scale = 1.17; ua_weight = kBold; break;
    case GUMBO_TAG_H4: ua_weight = kBold; break;
    case GUMBO_TAG_H5: ua_scale = 0.83; ua_weight = kBold; break;
    case GUMBO_TAG_H6: ua_scale = 0.67; ua_weight = kBold; break;
    case GUMBO_TAG_TH: ua_weight = kBold; break;
    case GUMBO_TAG_B: case GUMBO_TAG_STRONG: ua_weight = kBolder; break;
    case GUMBO_TAG_SMALL: case GUMBO_TAG_SUB: case GUMBO_TAG_SUP: ua_scale = 1 / 1.2; break;
    case GUMBO_TAG_BIG: ua_scale = 1.2; break;
    default: break;
  }

  Winner color_w0, bgc_w0, bgi_w0, font_w0;
  for (int w = 0; w < 2; ++w) {
    if (w == 1 && !out.differs) {
      out.world[1] = out.world[0];
      break;
    }
    const TextStyle& p = parent.world[w];
    TextStyle& s = out.world[w];
    s = TextStyle{};

    // display, visibility, opacity
    const Winner display = winner({Property::Display}, w);
    s.rendered = p.rendered && !(display.declaration && keyword(display.declaration->value, "none"));
    s.visible = p.visible;
    if (const Winner v = winner({Property::Visibility}, w); v.declaration) {
      const std::string_view value = v.declaration->value;
      if (keyword(value, "hidden") || keyword(value, "collapse")) s.visible = false;
      else if (keyword(value, "visible") || keyword(value, "initial")) s.visible = true;
    }
    double own_opacity = 1;
    if (const Winner o = winner({Property::Opacity}, w); o.declaration) {
      std::string_view value = trim(o.declaration->value);
      const bool percent = !value.empty() && value.back() == '%';
      if (percent) value.remove_suffix(1);
      double x = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), x);
      if (keyword(o.declaration->value, "initial") || keyword(o.declaration->value, "unset")) own_opacity = 1;
      else if (ec == std::errc() && end == value.data() + value.size() && std::isfinite(x)) own_opacity = std::clamp(percent ? x / 100 : x, 0.0, 1.0);
      else own_opacity = std::nan("");
    }
    s.opacity = p.opacity * own_opacity;
    if (own_opacity == 0) s.rendered = false;

    // font-size and font-weight (the font shorthand sets both)
    const double parent_px = p.font_known ? p.font_px : std::nan("");
    const double root_px = depth <= 1 ? 16.0 : (chain_[1].world[w].font_known ? chain_[1].world[w].font_px : std::nan(""));
    const Winner size = winner({Property::FontSize, Property::Font}, w);
    const Winner weight = winner({Property::FontWeight, Property::Font}, w);
    std::optional<double> px;
    std::optional<int> wt;
    bool weight_set = false;
    if (size.declaration) {
      if (size.declaration->property == Property::Font) px = font_shorthand(size.declaration->value, parent_px, root_px, p).px;
      else px = font_size_px(size.declaration->value, parent_px, root_px);
    } else {
      px = ua_scale != 0 ? parent_px * ua_scale : parent_px;
    }
    s.font_known = px.has_value() && !std::isnan(*px);
    s.font_px = s.font_known ? *px : 16;
    if (weight.declaration) {
      weight_set = true;
      if (weight.declaration->property == Property::Font) wt = font_shorthand(weight.declaration->value, parent_px, root_px, p).weight;
      else if ((keyword(weight.declaration->value, "bolder") || keyword(weight.declaration->value, "lighter") ||
                inherits(weight.declaration->value)) && !p.weight_known) wt = std::nullopt;
      else wt = font_weight(weight.declaration->value, p.weight);
    }
    if (!weight_set) {
      if (ua_weight == kBold) wt = 700;
      else if (ua_weight == kBolder) wt = p.weight_known ? font_weight("bolder", p.weight) : std::nullopt;
      else wt = p.weight_known ? std::optional<int>(p.weight) : std::nullopt;
    }
    s.weight_known = wt.has_value();
    s.weight = wt.value_or(400);

    // color
    const Winner color = winner({Property::Color}, w);
    s.color = p.color;
    s.color_unknown = p.color_unknown;
    if (color.declaration) {
      const std::string_view v = color.declaration->value;
      if (inherits(v) || keyword(v, "currentcolor")) {
        // the parent's colour, as set above
      } else if (keyword(v, "initial")) {
        s.color = kBlack;
      } else if (keyword(v, "revert") || keyword(v, "revert-layer")) {
        if (ua_color) s.color = ua_color;
      } else {
        s.color = color_value(v, p.color);
        s.color_unknown = s.color ? nullptr : kUnreadableColor;
      }
    } else if (ua_color) {
      s.color = ua_color;
    }
    if (s.color) s.color_unknown = nullptr;

    // the element's own background: colour and image, from the longhands or the shorthand
    const Winner bgc = winner({Property::BackgroundColor, Property::Background}, w);
    const Winner bgi = winner({Property::BackgroundImage, Property::Background}, w);
    s.own_background = ua_background.value_or(kTransparent);
    if (bgc.declaration) {
      const std::string_view v = bgc.declaration->value;
      if (inherits(v) && bgc.declaration->property == Property::BackgroundColor) s.own_background = p.own_background;
      else if (inherits(v)) s.own_background = p.own_background;
      else if (keyword(v, "initial") || keyword(v, "none")) s.own_background = kTransparent;
      else if (bgc.declaration->property == Property::Background) s.own_background = background_shorthand(v, s.color).color;
      else s.own_background = keyword(v, "currentcolor") ? s.color : color_value(v, s.color);
    }
    s.own_image = false;
    if (bgi.declaration) {
      const std::string_view v = bgi.declaration->value;
      if (inherits(v)) s.own_image = p.own_image;
      else if (bgi.declaration->property == Property::Background) s.own_image = background_shorthand(v, s.color).image;
      else s.own_image = !(keyword(v, "none") || keyword(v, "initial"));
    }
    // what is behind its text: its own layer on what is behind it
    if (s.own_image) {
      s.backdrop = std::nullopt;
      s.backdrop_unknown = kImage;
    } else if (!s.own_background) {
      s.backdrop = std::nullopt;
      s.backdrop_unknown = kUnreadableBackground;
    } else if (std::isnan(s.opacity) && s.own_background->a > 0) {
      s.backdrop = std::nullopt;
      s.backdrop_unknown = kUnreadableOpacity;
    } else {
      const Rgba layer = with_alpha(*s.own_background, std::isnan(s.opacity) ? 1.0 : s.opacity);
      if (layer.a >= 1) {
        s.backdrop = layer;
        s.backdrop_unknown = nullptr;
      } else if (layer.a <= 0) {
        s.backdrop = p.backdrop;
        s.backdrop_unknown = p.backdrop_unknown;
      } else if (p.backdrop) {
        s.backdrop = blend(layer, *p.backdrop);
        s.backdrop_unknown = nullptr;
      } else {
        s.backdrop = std::nullopt;
        s.backdrop_unknown = p.backdrop_unknown;
      }
    }
    if (w == 0) {
      color_w0 = color;
      bgc_w0 = bgc;
      bgi_w0 = bgi;
      font_w0 = size;
    }
  }

  // What an unseen source (an external sheet, a sheet past the caps) could still change.
  const bool unseen = open();
  const TextStyle& s0 = out.world[0];
  const bool own_opaque = bgc_w0.strong && (bgi_w0.declaration == nullptr || bgi_w0.strong) && !s0.own_image &&
                          s0.own_background && s0.own_background->a >= 1;
  out.color_open = unseen && !color_w0.strong;
  out.backdrop_open = unseen && !own_opaque;
  out.font_open = unseen && !font_w0.strong;
  if (pseudo_background) out.backdrop_open = true;   // a ::before/::after box with a background may be behind it
  return out;
}

const std::string& StyleCascade::open_reason() const {
  static const std::string kPseudo = "a ::before or ::after box with a background may sit behind the text";
  if (sheets_.is_open()) return sheets_.open_reason();
  if (!budget_reason_.empty()) return budget_reason_;
  return kPseudo;
}

}  // namespace a11y::audit
