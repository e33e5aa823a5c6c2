// The CSS engine behind color-contrast: declaration and sheet parsing, selector parsing, specificity,
// matching (combinators, attributes, structural pseudo-classes, what "may" match), the caps, and the
// cascade's values (font sizes and weights).
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "audit/cascade.hpp"
#include "audit/css.hpp"
#include "audit/document.hpp"

using namespace a11y::audit;
using namespace a11y::audit::css;

namespace {

// The path from html down to the element with this id, as the cascade builds it.
std::vector<PathEntry> path_to(const Document& doc, std::string_view id, std::size_t& depth) {
  const GumboNode* target = doc.by_id(id);
  REQUIRE_MESSAGE(target != nullptr, id);
  std::vector<const GumboNode*> up;
  for (const GumboNode* n = target; n != nullptr && is_element(n); n = n->parent) up.push_back(n);
  std::vector<PathEntry> path(up.size() + 1);
  depth = up.size();
  for (std::size_t d = 1; d <= depth; ++d) {
    const GumboNode* n = up[depth - d];
    std::uint32_t index = 0;
    const GumboVector& kids = n->parent->type == GUMBO_NODE_DOCUMENT ? n->parent->v.document.children : n->parent->v.element.children;
    for (unsigned i = 0; i < n->index_within_parent; ++i)
      if (is_element(static_cast<const GumboNode*>(kids.data[i]))) ++index;
    path[d] = PathEntry{n, index};
  }
  return path;
}

// How the one selector in "selector { color: red }" matches the element with this id.
Match matches(const std::string& html, const std::string& selector, std::string_view id) {
  const Document doc(html, 512);
  const std::string text = selector + " { color: red }";   // the sheet points into its text
  StyleSheets sheets;
  sheets.add_sheet(text, "");
  sheets.build_index();
  REQUIRE_MESSAGE(sheets.selector_count() == 1, selector);
  std::size_t depth = 0;
  const auto path = path_to(doc, id, depth);
  const Match direct = sheets.match_selector_for_test(0, path, depth);
  // The indexed path gives the same answer.
  std::vector<MatchedDeclaration> out;
  std::size_t steps = 0;
  REQUIRE(sheets.match(path, depth, out, steps, SIZE_MAX));
  CHECK_MESSAGE(out.empty() == (direct == Match::No), selector);
  if (!out.empty()) CHECK_MESSAGE(out[0].maybe == (direct == Match::Maybe), selector);
  return direct;
}

Specificity spec(std::string_view selector) {
  const auto p = StyleSheets::parse_selector_for_test(selector);
  REQUIRE_MESSAGE(p.ok, selector);
  return p.specificity;
}

const std::string kList =
    "<!doctype html><html><body><div id=top class='a b'><ul id=u><li id=l1>1</li> <!-- c --> <li id=l2 class=x>2</li>"
    "<li id=l3 lang=en-GB data-k='Foo Bar'>3</li></ul><p id=p1><span id=s1>t</span></p><p id=p2></p>"
    "<a id=link href=/x>l</a><a id=anchor>a</a><input id=box type=CHECKBOX checked><button id=off disabled>b</button></div>"
    "<div class='md:flex 10'><i id=esc>e</i></div></body></html>";

}  // namespace

TEST_CASE("declarations: the properties color-contrast reads, !important, strings and comments respected") {
  std::vector<Declaration> d;
  parse_declarations("color: red; margin: 0; background: url(\"a;b.png\") #fff; /* c */ font: bold 24px/1 x;"
                     " opacity: .5 !important; COLOR: Blue ! important; display:none", d);
  REQUIRE(d.size() == 6);
  CHECK(d[0].property == Property::Color);
  CHECK(d[0].value == "red");
  CHECK(d[1].property == Property::Background);
  CHECK(d[1].value == "url(\"a;b.png\") #fff");
  CHECK(d[2].property == Property::Font);
  CHECK(d[3].property == Property::Opacity);
  CHECK(d[3].important);
  CHECK(d[3].value == ".5");
  CHECK(d[4].property == Property::Color);
  CHECK(d[4].important);
  CHECK(d[4].value == "Blue");
  CHECK(d[5].property == Property::Display);
  d.clear();
  parse_declarations("color:;background", d);
  CHECK(d.empty());
}

TEST_CASE("specificity is (ids, classes/attributes/pseudo-classes, types), :not/:is take their argument's, :where none") {
  CHECK(spec("*") == specificity(0, 0, 0));
  CHECK(spec("li") == specificity(0, 0, 1));
  CHECK(spec("ul li") == specificity(0, 0, 2));
  CHECK(spec(".a") == specificity(0, 1, 0));
  CHECK(spec("#x") == specificity(1, 0, 0));
  CHECK(spec("a:hover") == specificity(0, 1, 1));
  CHECK(spec("li::before") == specificity(0, 0, 2));
  CHECK(spec("li:before") == specificity(0, 0, 2));
  CHECK(spec("[type=text]") == specificity(0, 1, 0));
  CHECK(spec(":not(#a)") == specificity(1, 0, 0));
  CHECK(spec(":is(.a, #b) p") == specificity(1, 0, 1));
  CHECK(spec(":where(#a) p") == specificity(0, 0, 1));
  CHECK(spec("div.a.b#c > p + span ~ em") == specificity(1, 2, 4));
  CHECK(spec("li:nth-child(2n+1)") == specificity(0, 1, 1));
  CHECK(specificity(0, 1, 0) > specificity(0, 0, 1000));   // one class beats any number of types
  CHECK(specificity(1, 0, 0) > specificity(0, 1000, 0));
  CHECK(StyleSheets::parse_selector_for_test("p::before").pseudo == PseudoElement::Before);
  CHECK(StyleSheets::parse_selector_for_test("p::first-line").pseudo == PseudoElement::FirstLine);
  CHECK(StyleSheets::parse_selector_for_test("input::placeholder").pseudo == PseudoElement::Other);
}

TEST_CASE("selectors that do not parse invalidate their rule, as in a browser") {
  for (const char* bad : {"a >", ".", "[x", "#", "a ! b", "svg|a", "p::before span", "a, ", "[x=]"})
    CHECK_MESSAGE(!StyleSheets::parse_selector_for_test(bad).ok, bad);
  StyleSheets sheets;
  sheets.add_sheet("p, a >> b { color: red } p { color: blue }", "");
  CHECK(sheets.selector_count() == 1);
  CHECK(sheets.declaration_count() == 1);
}

TEST_CASE("type, class, id and attribute selectors") {
  CHECK(matches(kList, "li", "l1") == Match::Yes);
  CHECK(matches(kList, "LI", "l1") == Match::Yes);
  CHECK(matches(kList, "p", "l1") == Match::No);
  CHECK(matches(kList, ".x", "l2") == Match::Yes);
  CHECK(matches(kList, ".X", "l2") == Match::No);   // classes are case-sensitive
  CHECK(matches(kList, "#l3", "l3") == Match::Yes);
  CHECK(matches(kList, "li#l3.x", "l3") == Match::No);
  CHECK(matches(kList, "[lang]", "l3") == Match::Yes);
  CHECK(matches(kList, "[lang|=en]", "l3") == Match::Yes);
  CHECK(matches(kList, "[lang|=e]", "l3") == Match::No);
  CHECK(matches(kList, "[data-k~=Bar]", "l3") == Match::Yes);
  CHECK(matches(kList, "[data-k~=bar]", "l3") == Match::No);
  CHECK(matches(kList, "[data-k~=bar i]", "l3") == Match::Yes);
  CHECK(matches(kList, "[data-k^=Fo]", "l3") == Match::Yes);
  CHECK(matches(kList, "[data-k$='ar']", "l3") == Match::Yes);
  CHECK(matches(kList, "[data-k*=\"o B\"]", "l3") == Match::Yes);
  CHECK(matches(kList, "[data-k=\"foo bar\" i]", "l3") == Match::Yes);
  CHECK(matches(kList, "[type=checkbox]", "box") == Match::Yes);   // HTML's type="" is case-insensitive
  CHECK(matches(kList, ".md\\:flex i", "esc") == Match::Yes);      // CSS escapes, as Tailwind writes them
  CHECK(matches(kList, ".\\31 0 i", "esc") == Match::Yes);
}

TEST_CASE("combinators: descendant, child, adjacent and general sibling") {
  CHECK(matches(kList, "#top li", "l1") == Match::Yes);
  CHECK(matches(kList, "div > li", "l1") == Match::No);
  CHECK(matches(kList, "div > ul > li", "l1") == Match::Yes);
  CHECK(matches(kList, "div ul > li", "l2") == Match::Yes);
  CHECK(matches(kList, "li + li", "l1") == Match::No);
  CHECK(matches(kList, "li + li", "l2") == Match::Yes);   // the comment between them is not an element
  CHECK(matches(kList, "#l1 + li", "l3") == Match::No);
  CHECK(matches(kList, ".x ~ li", "l3") == Match::Yes);
  CHECK(matches(kList, ".x ~ li", "l1") == Match::No);
  CHECK(matches(kList, "ul + p span", "s1") == Match::Yes);
  CHECK(matches(kList, ".a .b span", "s1") == Match::No);   // one element with both classes is not two
  CHECK(matches(kList, ".a.b span", "s1") == Match::Yes);
  // The nearest ancestor that fits is not always the one that matches: the matcher goes on up.
  const std::string nested = "<div class=a><div class=b><div class=x><div class=b><span id=t>t</span></div></div></div></div>";
  CHECK(matches(nested, ".a > .b .x .b span", "t") == Match::Yes);
  CHECK(matches(nested, ".a > .b span", "t") == Match::Yes);
  CHECK(matches(nested, ".x > .a span", "t") == Match::No);
  CHECK(matches(nested, "body > .a > .b > .x > .b > span", "t") == Match::Yes);
  const std::string siblings = "<p class=c></p><p class=a></p><p class=d></p><p class=a></p><p id=t></p>";
  CHECK(matches(siblings, ".c + .a ~ #t", "t") == Match::Yes);   // the farther .a is the one after .c
  CHECK(matches(siblings, ".d + .a ~ #t", "t") == Match::Yes);
  CHECK(matches(siblings, ".a + .a ~ #t", "t") == Match::No);
}

TEST_CASE("pseudo-classes: structural ones are evaluated, states a loaded page is not in never match, the rest may") {
  CHECK(matches(kList, "li:first-child", "l1") == Match::Yes);
  CHECK(matches(kList, "li:first-child", "l2") == Match::No);
  CHECK(matches(kList, "li:last-child", "l3") == Match::Yes);
  CHECK(matches(kList, "li:only-child", "l3") == Match::No);
  CHECK(matches(kList, "span:only-child", "s1") == Match::Yes);
  CHECK(matches(kList, "li:nth-child(2n+1)", "l1") == Match::Yes);
  CHECK(matches(kList, "li:nth-child(odd)", "l2") == Match::No);
  CHECK(matches(kList, "li:nth-child(2)", "l2") == Match::Yes);
  CHECK(matches(kList, "li:nth-child(-n+2)", "l3") == Match::No);
  CHECK(matches(kList, ":root", "top") == Match::No);
  CHECK(matches(kList, ":root > body > div", "top") == Match::Yes);
  CHECK(matches(kList, "p:empty", "p2") == Match::Yes);
  CHECK(matches(kList, "p:empty", "p1") == Match::No);
  CHECK(matches(kList, "a:link", "link") == Match::Yes);
  CHECK(matches(kList, "a:link", "anchor") == Match::No);
  CHECK(matches(kList, "a:visited", "link") == Match::No);
  CHECK(matches(kList, "a:hover", "link") == Match::No);
  CHECK(matches(kList, "#top:focus-within a", "link") == Match::No);
  CHECK(matches(kList, "input:checked", "box") == Match::Yes);
  CHECK(matches(kList, "button:disabled", "off") == Match::Yes);
  CHECK(matches(kList, "button:enabled", "off") == Match::No);
  const std::string fieldset = "<fieldset disabled><p><button id=in>b</button></p></fieldset><button id=out>c</button>";
  CHECK(matches(fieldset, "button:disabled", "in") == Match::Yes);
  CHECK(matches(fieldset, "button:disabled", "out") == Match::No);
  CHECK(matches(fieldset, "button:enabled", "out") == Match::Yes);
  CHECK(matches(fieldset, "p:disabled", "in") == Match::No);
  CHECK(matches(kList, "li:not(.x)", "l1") == Match::Yes);
  CHECK(matches(kList, "li:not(.x)", "l2") == Match::No);
  CHECK(matches(kList, "li:is(.x, #l3)", "l3") == Match::Yes);
  CHECK(matches(kList, ":where(ul) li", "l1") == Match::Yes);
  CHECK(matches(kList, "li:has(a)", "l1") == Match::Maybe);        // not evaluated: may match
  CHECK(matches(kList, "li:nth-of-type(1)", "l1") == Match::Maybe);
  CHECK(matches(kList, "li:not(:has(a))", "l1") == Match::Maybe);
  CHECK(matches(kList, "p:has(a) li", "l1") == Match::No);          // the part that is evaluated fails
  CHECK(matches(kList, "li:not(ul > li)", "l1") == Match::Maybe);   // a complex :not() argument
}

TEST_CASE("at-rules: @media for print is dropped, one with features may apply, unknown ones open the page") {
  std::vector<std::unique_ptr<std::string>> texts;   // each sheet points into its text
  const auto one = [&](const std::string& sheet) {
    texts.push_back(std::make_unique<std::string>(sheet));
    StyleSheets s;
    s.add_sheet(*texts.back(), "");
    s.build_index();
    return s;
  };
  CHECK(one("@media print { p { color: red } }").selector_count() == 0);
  CHECK(one("@media not print { p { color: red } }").selector_count() == 1);
  CHECK(one("@media screen { p { color: red } } @font-face { font-family: x } @keyframes k { from { color: red } }").selector_count() == 1);
  CHECK(!one("@media screen, print { p { color: red } }").is_open());
  CHECK(one("@import url(x.css); p { color: red }").is_open());
  CHECK(one("@layer base { p { color: red } }").is_open());
  CHECK(one(".a { color: red; .b { color: blue } }").is_open());   // CSS nesting is not read
  CHECK(!one("p { margin: 0 } <!-- --> } garbage; p { color: red }").is_open());
  // Conditional rules: their declarations may apply.
  const std::string html = "<!doctype html><html><body><p id=p>x</p></body></html>";
  const Document doc(html, 512);
  std::size_t depth = 0;
  const auto path = path_to(doc, "p", depth);
  for (const char* sheet : {"@media (min-width: 600px) { p { color: red } }", "@supports (display: grid) { p { color: red } }",
                            "@media screen and (prefers-color-scheme: dark) { p { color: red } }"}) {
    const StyleSheets s = one(sheet);
    REQUIRE(s.selector_count() == 1);
    CHECK_MESSAGE(s.match_selector_for_test(0, path, depth) == Match::Maybe, sheet);
  }
  StyleSheets media;
  media.add_sheet("p { color: red }", "print");
  media.add_sheet("p { color: blue }", "screen and (max-width: 500px)");
  media.build_index();
  REQUIRE(media.selector_count() == 1);
  CHECK(media.match_selector_for_test(0, path, depth) == Match::Maybe);
}

TEST_CASE("caps: past them the styles are open, never silently partial") {
  std::string many;
  for (std::size_t i = 0; i <= kMaxSelectors; ++i) many += ".c" + std::to_string(i) + "{color:red}";
  StyleSheets s;
  s.add_sheet(many, "");
  CHECK(s.is_open());
  CHECK(s.open_reason().find("selectors") != std::string::npos);
  CHECK(s.selector_count() <= kMaxSelectors + 1);
  StyleSheets big;
  big.add_sheet(std::string(kMaxSheetBytes + 1, ' '), "");
  CHECK(big.is_open());
  // Rules without a property the contrast rule reads cost nothing to keep.
  std::string layout;
  for (std::size_t i = 0; i < 2 * kMaxSelectors; ++i) layout += ".c" + std::to_string(i) + "{margin:0}";
  StyleSheets l;
  l.add_sheet(layout, "");
  CHECK(!l.is_open());
  CHECK(l.selector_count() == 0);
}

TEST_CASE("selector tests stop at the budget") {
  std::string html = "<!doctype html><html><body>";
  for (int i = 0; i < 64; ++i) html += "<div>";
  html += "<p id=p>x</p></body></html>";
  const Document doc(html, 512);
  StyleSheets s;
  std::string sheet;
  for (int i = 0; i < 100; ++i) sheet += ".q" + std::to_string(i) + " div p{color:red}";   // indexed under p
  s.add_sheet(sheet, "");
  s.build_index();
  std::size_t depth = 0;
  const auto path = path_to(doc, "p", depth);
  std::vector<MatchedDeclaration> out;
  std::size_t steps = 0;
  CHECK(s.match(path, depth, out, steps, 1u << 20));
  CHECK(out.empty());
  CHECK(steps < 100 * 70 * 2);   // each selector fails after one walk up the path, not one per ancestor pair
  steps = 0;
  CHECK_FALSE(s.match(path, depth, out, steps, 50));
}

TEST_CASE("font sizes and weights as CSS computes them") {
  CHECK(*font_size_px("24px", 16, 16) == doctest::Approx(24));
  CHECK(*font_size_px("18pt", 16, 16) == doctest::Approx(24));
  CHECK(*font_size_px("1.5em", 20, 16) == doctest::Approx(30));
  CHECK(*font_size_px("2rem", 20, 10) == doctest::Approx(20));
  CHECK(*font_size_px("150%", 16, 16) == doctest::Approx(24));
  CHECK(*font_size_px("x-large", 10, 16) == doctest::Approx(24));
  CHECK(*font_size_px("larger", 20, 16) == doctest::Approx(24));
  CHECK(*font_size_px("inherit", 13, 16) == doctest::Approx(13));
  for (const char* unknown : {"calc(1rem + 2px)", "var(--s)", "2vw", "3ex", "12"})
    CHECK_MESSAGE(!font_size_px(unknown, 16, 16).has_value(), unknown);
  CHECK(*font_weight("bold", 400) == 700);
  CHECK(*font_weight("bolder", 400) == 700);
  CHECK(*font_weight("bolder", 700) == 900);
  CHECK(*font_weight("lighter", 700) == 400);
  CHECK(*font_weight("600", 400) == 600);
  CHECK(*font_weight("inherit", 300) == 300);
  CHECK(!font_weight("var(--w)", 400).has_value());
}
