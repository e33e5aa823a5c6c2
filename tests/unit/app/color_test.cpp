// Colour parsing and the WCAG contrast formula against known values.
#include <doctest/doctest.h>

#include "audit/color.hpp"

using namespace a11y::audit;

namespace {
Rgba c(std::string_view css) {
  const auto parsed = parse_color(css);
  REQUIRE_MESSAGE(parsed.has_value(), css);
  return *parsed;
}
}  // namespace

TEST_CASE("contrast ratios match the published WCAG values") {
  CHECK(contrast_ratio(c("#000"), c("#fff")) == doctest::Approx(21.0));
  CHECK(contrast_ratio(c("#fff"), c("#fff")) == doctest::Approx(1.0));
  CHECK(contrast_ratio(c("#777777"), c("#ffffff")) == doctest::Approx(4.48).epsilon(0.002));   // the classic near miss
  CHECK(contrast_ratio(c("#767676"), c("#ffffff")) == doctest::Approx(4.54).epsilon(0.002));   // lightest grey passing AA
  CHECK(contrast_ratio(c("#ffffff"), c("#0000ff")) == doctest::Approx(8.59).epsilon(0.002));
  CHECK(contrast_ratio(c("red"), c("white")) == doctest::Approx(4.0).epsilon(0.002));
  CHECK(contrast_ratio(c("#949494"), c("#fff")) == doctest::Approx(3.03).epsilon(0.003));
  // Symmetric.
  CHECK(contrast_ratio(c("#123456"), c("#abcdef")) == doctest::Approx(contrast_ratio(c("#abcdef"), c("#123456"))));
}

TEST_CASE("relative luminance of the primaries") {
  CHECK(relative_luminance(c("#ffffff")) == doctest::Approx(1.0));
  CHECK(relative_luminance(c("#000000")) == doctest::Approx(0.0));
  CHECK(relative_luminance(c("#ff0000")) == doctest::Approx(0.2126));
  CHECK(relative_luminance(c("#00ff00")) == doctest::Approx(0.7152));
  CHECK(relative_luminance(c("#0000ff")) == doctest::Approx(0.0722));
}

TEST_CASE("colour notations") {
  const auto same = [](const Rgba& a, const Rgba& b) {
    return a.r == doctest::Approx(b.r) && a.g == doctest::Approx(b.g) && a.b == doctest::Approx(b.b) && a.a == doctest::Approx(b.a);
  };
  CHECK(same(c("#abc"), c("#aabbcc")));
  CHECK(same(c("#AABBCC80"), Rgba{170, 187, 204, 128.0 / 255}));
  CHECK(same(c("rgb(255, 0, 0)"), c("red")));
  CHECK(same(c("rgb(100% 0% 0% / 50%)"), Rgba{255, 0, 0, 0.5}));
  CHECK(same(c("rgba(0,0,255,.25)"), Rgba{0, 0, 255, 0.25}));
  CHECK(same(c("hsl(120, 100%, 25%)"), Rgba{0, 127.5, 0, 1}));
  CHECK(same(c("hsl(0deg 100% 50%)"), c("#f00")));
  CHECK(same(c("  NAVY "), Rgba{0, 0, 128, 1}));
  CHECK(c("transparent").a == 0.0);
  for (const char* bad : {"", "#12", "#12345", "#ggg", "rgb(1,2)", "rgb(a,b,c)", "currentColor", "var(--x)", "notacolor",
                          "linear-gradient(red, blue)", "rgb(1,2,3,4,5)"})
    CHECK_MESSAGE(!parse_color(bad).has_value(), bad);
}

TEST_CASE("alpha blends over the background") {
  const Rgba half_black{0, 0, 0, 0.5};
  const Rgba out = blend(half_black, c("#fff"));
  CHECK(out.r == doctest::Approx(127.5));
  CHECK(out.a == 1.0);
  CHECK(to_hex(out) == "#808080");
}

TEST_CASE("inline style properties: last declaration wins, !important dropped, case-insensitive names") {
  CHECK(style_property("color: red; background:#fff", "color") == "red");
  CHECK(style_property("COLOR: red; color: blue !important;", "color") == "blue");
  CHECK(style_property("background-color: #000", "color").empty());
  CHECK(style_property("", "color").empty());
}
