// CSS colours as they appear in inline styles, and the WCAG 2.x contrast formula.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace a11y::audit {

struct Rgba {
  double r = 0, g = 0, b = 0;   // 0..255
  double a = 1;                 // 0..1
};

// #rgb, #rgba, #rrggbb, #rrggbbaa, rgb()/rgba() (commas or spaces, percentages, "/ alpha"), hsl()/hsla(),
// transparent, and the common named colours. nullopt for anything else (currentColor, var(), gradients).
std::optional<Rgba> parse_color(std::string_view css);
// WCAG relative luminance of the opaque colour (alpha ignored).
double relative_luminance(const Rgba& c);
// (L1 + 0.05) / (L2 + 0.05), lighter over darker: 1..21.
double contrast_ratio(const Rgba& a, const Rgba& b);
// Source-over compositing of top onto an opaque bottom.
Rgba blend(const Rgba& top, const Rgba& bottom);
std::string to_hex(const Rgba& c);

// Value of the last declaration of property in an inline style ("color: red; background: #fff"),
// without "!important"; empty when absent.
std::string_view style_property(std::string_view style, std::string_view property);

}  // namespace a11y::audit
