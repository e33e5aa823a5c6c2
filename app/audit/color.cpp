#include "audit/color.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cctype>
#include <cstdio>

#include "audit/document.hpp"

namespace a11y::audit {
namespace {

struct Named {
  std::string_view name;
  unsigned rgb;
};
// Sorted by name.
constexpr std::array<Named, 42> kNamed = {{
    {"aqua", 0x00FFFF}, {"beige", 0xF5F5DC}, {"black", 0x000000}, {"blue", 0x0000FF}, {"brown", 0xA52A2A},
    {"crimson", 0xDC143C}, {"cyan", 0x00FFFF}, {"darkblue", 0x00008B}, {"darkgray", 0xA9A9A9},
    {"darkgreen", 0x006400}, {"darkgrey", 0xA9A9A9}, {"darkred", 0x8B0000}, {"dimgray", 0x696969},
    {"fuchsia", 0xFF00FF}, {"gold", 0xFFD700}, {"gray", 0x808080}, {"green", 0x008000}, {"grey", 0x808080},
    {"indigo", 0x4B0082}, {"ivory", 0xFFFFF0}, {"khaki", 0xF0E68C}, {"lightblue", 0xADD8E6},
    {"lightgray", 0xD3D3D3}, {"lightgreen", 0x90EE90}, {"lightgrey", 0xD3D3D3}, {"lightyellow", 0xFFFFE0},
    {"lime", 0x00FF00}, {"magenta", 0xFF00FF}, {"maroon", 0x800000}, {"navy", 0x000080}, {"olive", 0x808000},
    {"orange", 0xFFA500}, {"pink", 0xFFC0CB}, {"purple", 0x800080}, {"red", 0xFF0000}, {"salmon", 0xFA8072},
    {"silver", 0xC0C0C0}, {"tan", 0xD2B48C}, {"teal", 0x008080}, {"violet", 0xEE82EE}, {"white", 0xFFFFFF},
    {"yellow", 0xFFFF00},
}};
static_assert(std::is_sorted(kNamed.begin(), kNamed.end(), [](const Named& a, const Named& b) { return a.name < b.name; }));

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Rgba> parse_hex(std::string_view h) {
  for (char c : h)
    if (hex_digit(c) < 0) return std::nullopt;
  const auto one = [&](std::size_t i) { return hex_digit(h[i]) * 17.0; };
  const auto two = [&](std::size_t i) { return hex_digit(h[i]) * 16.0 + hex_digit(h[i + 1]); };
  switch (h.size()) {
    case 3: return Rgba{one(0), one(1), one(2), 1};
    case 4: return Rgba{one(0), one(1), one(2), one(3) / 255.0};
    case 6: return Rgba{two(0), two(2), two(4), 1};
    case 8: return Rgba{two(0), two(2), two(4), two(6) / 255.0};
    default: return std::nullopt;
  }
}

// A number with optional '%' (percent_scale maps 100% to it); nullopt when malformed.
std::optional<double> parse_number(std::string_view s, double percent_scale) {
  s = trim(s);
  bool percent = false;
  if (!s.empty() && s.back() == '%') { percent = true; s.remove_suffix(1); }
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return percent ? v * percent_scale / 100.0 : v;
}

// Splits "a, b, c" / "a b c / d" into up to 4 parts; returns how many.
int split_args(std::string_view args, std::array<std::string_view, 4>& parts) {
  int n = 0;
  std::size_t i = 0;
  while (i < args.size()) {
    while (i < args.size() && (args[i] == ' ' || args[i] == ',' || args[i] == '/' || args[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < args.size() && !(args[i] == ' ' || args[i] == ',' || args[i] == '/' || args[i] == '\t')) ++i;
    if (i > start) {
      if (n == 4) return 5;
      parts[n++] = args.substr(start, i - start);
    }
  }
  return n;
}

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

double hue_to_rgb(double p, double q, double t) {
  if (t < 0) t += 1;
  if (t > 1) t -= 1;
  if (t < 1.0 / 6) return p + (q - p) * 6 * t;
  if (t < 0.5) return q;
  if (t < 2.0 / 3) return p + (q - p) * (2.0 / 3 - t) * 6;
  return p;
}

double linear_channel(double c8) {
  const double c = c8 / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

}  // namespace

std::optional<Rgba> parse_color(std::string_view css) {
  css = trim(css);
  if (css.empty()) return std::nullopt;
  if (css.front() == '#') return parse_hex(css.substr(1));
  char lower[24];
  const auto open = css.find('(');
  if (open == std::string_view::npos) {
    if (css.size() >= sizeof lower) return std::nullopt;
    for (std::size_t i = 0; i < css.size(); ++i) lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(css[i])));
    const std::string_view name(lower, css.size());
    if (name == "transparent") return Rgba{0, 0, 0, 0};
    const auto it = std::lower_bound(kNamed.begin(), kNamed.end(), name, [](const Named& n, std::string_view k) { return n.name < k; });
    if (it == kNamed.end() || it->name != name) return std::nullopt;
    return Rgba{static_cast<double>((it->rgb >> 16) & 0xFF), static_cast<double>((it->rgb >> 8) & 0xFF),
                static_cast<double>(it->rgb & 0xFF), 1};
  }
  if (css.back() != ')') return std::nullopt;
  const std::string_view fn = trim(css.substr(0, open));
  std::array<std::string_view, 4> p;
  const int n = split_args(css.substr(open + 1, css.size() - open - 2), p);
  if (n != 3 && n != 4) return std::nullopt;
  double alpha = 1;
  if (n == 4) {
    const auto a = parse_number(p[3], 1.0);
    if (!a) return std::nullopt;
    alpha = clamp01(*a);
  }
  if (iequals(fn, "rgb") || iequals(fn, "rgba")) {
    const auto r = parse_number(p[0], 255), g = parse_number(p[1], 255), b = parse_number(p[2], 255);
    if (!r || !g || !b) return std::nullopt;
    return Rgba{std::clamp(*r, 0.0, 255.0), std::clamp(*g, 0.0, 255.0), std::clamp(*b, 0.0, 255.0), alpha};
  }
  if (iequals(fn, "hsl") || iequals(fn, "hsla")) {
    std::string_view hue = trim(p[0]);
    if (hue.ends_with("deg")) hue.remove_suffix(3);
    const auto h = parse_number(hue, 360), s = parse_number(p[1], 1.0), l = parse_number(p[2], 1.0);
    if (!h || !s || !l) return std::nullopt;
    const double hh = std::fmod(std::fmod(*h, 360.0) + 360.0, 360.0) / 360.0, ss = clamp01(*s), ll = clamp01(*l);
    const double q = ll < 0.5 ? ll * (1 + ss) : ll + ss - ll * ss, pp = 2 * ll - q;
    return Rgba{255 * hue_to_rgb(pp, q, hh + 1.0 / 3), 255 * hue_to_rgb(pp, q, hh), 255 * hue_to_rgb(pp, q, hh - 1.0 / 3), alpha};
  }
  return std::nullopt;
}

double relative_luminance(const Rgba& c) {
  return 0.2126 * linear_channel(c.r) + 0.7152 * linear_channel(c.g) + 0.0722 * linear_channel(c.b);
}

double contrast_ratio(const Rgba& a, const Rgba& b) {
  const double la = relative_luminance(a), lb = relative_luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

Rgba blend(const Rgba& top, const Rgba& bottom) {
  const double a = top.a;
  return Rgba{top.r * a + bottom.r * (1 - a), top.g * a + bottom.g * (1 - a), top.b * a + bottom.b * (1 - a), 1};
}

std::string to_hex(const Rgba& c) {
  char buf[8];
  const auto byte = [](double v) { return static_cast<unsigned>(std::lround(std::clamp(v, 0.0, 255.0))); };
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", byte(c.r), byte(c.g), byte(c.b));
  return buf;
}

std::string_view style_property(std::string_view style, std::string_view property) {
  std::string_view found;
  while (!style.empty()) {
    const auto semi = style.find(';');
    const std::string_view decl = style.substr(0, semi);
    style = semi == std::string_view::npos ? std::string_view() : style.substr(semi + 1);
    const auto colon = decl.find(':');
    if (colon == std::string_view::npos || !iequals(trim(decl.substr(0, colon)), property)) continue;
    std::string_view value = trim(decl.substr(colon + 1));
    if (const auto bang = value.find('!'); bang != std::string_view::npos) value = trim(value.substr(0, bang));
    found = value;
  }
  return found;
}

}  // namespace a11y::audit
