// The engine around the rules: selectors, snippets, options, nesting depth, scoring, concurrency.
#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app_test_support.hpp"
#include "audit/attribute_bound.hpp"
#include "audit/audit.hpp"
#include "audit/language_tag.hpp"
#include "audit/nesting_estimate.hpp"

using a11y::audit::Engine;
using a11y::audit::Impact;
using a11y::audit::Options;

namespace {

Options only(std::initializer_list<std::string> rules) {
  Options o;
  o.rules = rules;
  return o;
}

std::string nested_divs(std::size_t depth, const std::string& inner) {
  std::string html = "<!doctype html><html lang=\"en\"><head><title>t</title></head><body>";
  html.reserve(html.size() + depth * 11 + inner.size());
  for (std::size_t i = 0; i < depth; ++i) html += "<div>";
  html += inner;
  for (std::size_t i = 0; i < depth; ++i) html += "</div>";
  return html + "</body></html>";
}

}  // namespace

TEST_CASE("selector paths use nth-of-type only where a tag repeats among siblings") {
  const Engine engine;
  const std::string html =
      "<html lang=en><head><title>t</title></head><body><main><p>x</p><section><img src=a.png>"
      "<p>y</p><img src=b.png><img src=c.png alt=\"\"><img src=d.png></section></main></body></html>";
  const auto r = engine.run(html, only({"image-alt"}));
  REQUIRE(r.findings.size() == 3);
  CHECK(r.findings[0].selector == "html > body > main > section > img:nth-of-type(1)");
  CHECK(r.findings[1].selector == "html > body > main > section > img:nth-of-type(2)");
  CHECK(r.findings[2].selector == "html > body > main > section > img:nth-of-type(4)");
  CHECK(r.findings[0].snippet == "<img src=a.png>");
}

TEST_CASE("snippets are the opening tag as written, cut at 200 bytes without splitting a character") {
  const Engine engine;
  std::string long_src(300, 'a');
  const std::string html = "<html lang=en><title>t</title><img data-x=\"\xC3\xA9" + long_src + "\">";
  auto r = engine.run(html, only({"image-alt"}));
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].snippet.size() <= 200);
  CHECK(r.findings[0].snippet.rfind("<img data-x=\"\xC3\xA9", 0) == 0);

  // Each byte after the 2-byte "é" moves the cut; it must never land inside the character.
  const std::string prefix = "<img data-x=\"";
  for (std::size_t pad = 180; pad < 190; ++pad) {
    const std::string doc = "<html lang=en><title>t</title>" + prefix + std::string(pad, 'a') + "\xC3\xA9\xC3\xA9\xC3\xA9 tail\">";
    r = engine.run(doc, only({"image-alt"}));
    REQUIRE(r.findings.size() == 1);
    const auto& s = r.findings[0].snippet;
    CHECK(s.size() <= 200);
    CHECK((static_cast<unsigned char>(s.back()) & 0xC0) != 0xC0);   // never ends on a lead byte
  }
}

TEST_CASE("implied elements get a synthetic snippet") {
  const Engine engine;
  const auto r = engine.run("<p>no html tag, no title</p>", only({"document-title", "html-has-lang"}));
  REQUIRE(r.findings.size() == 2);
  CHECK(r.findings[0].selector == "html");
  CHECK(r.findings[0].snippet == "<html>");
}

TEST_CASE("nesting deeper than max_depth is an error, not a recursion") {
  const Engine engine;
  Options options;
  options.max_depth = 100;
  CHECK_NOTHROW(engine.run(nested_divs(90, "<img src=x.png>"), options));
  CHECK_THROWS_AS(engine.run(nested_divs(200, "<img src=x.png>"), options), std::invalid_argument);

  // The default limit, with input far deeper than any stack could take recursively.
  CHECK_THROWS_AS(engine.run(nested_divs(100000, "")), std::invalid_argument);

  // Just under the default limit every rule still runs, and finds the deep image.
  const auto deep = engine.run(nested_divs(500, "<img src=x.png>"));
  REQUIRE(deep.findings.size() == 4);
  CHECK(deep.findings[0].rule_id == "image-alt");
  CHECK(deep.findings[0].selector.size() <= a11y::audit::kMaxSelectorBytes);
  CHECK(deep.findings[1].rule_id == "region");   // the outermost div: no landmark anywhere
  CHECK(deep.findings[1].selector == "html > body > div");
  CHECK(deep.findings[2].rule_id == "landmark-one-main");
  CHECK(deep.findings[3].rule_id == "page-has-heading-one");
  CHECK(deep.nodes == 500 + 5);   // html, head, title, body, the divs, img
}

TEST_CASE("unknown rule ids are rejected") {
  const Engine engine;
  CHECK_THROWS_AS(engine.run("<p>x</p>", only({"image-alt", "no-such-rule"})), std::invalid_argument);
}

TEST_CASE("max_findings caps the list, not the score") {
  const Engine engine;
  std::string html = "<html lang=en><title>t</title><body>";
  for (int i = 0; i < 50; ++i) html += "<img src=x.png>";
  Options capped = only({"image-alt"});
  capped.max_findings = 10;
  const auto a = engine.run(html, capped);
  const auto b = engine.run(html, only({"image-alt"}));
  CHECK(a.findings.size() == 10);
  CHECK(a.truncated);
  CHECK(b.findings.size() == 50);
  CHECK_FALSE(b.truncated);
  CHECK(a.score == b.score);
}

TEST_CASE("the score falls with the number and impact of findings and stays in 0..100") {
  const Engine engine;
  const auto clean = engine.run(a11y::test::fixture("image-alt-pass.html"));
  CHECK(clean.score == 100.0);
  const auto one_minor_class = engine.run(a11y::test::fixture("heading-order-fail.html"));   // one moderate finding
  const auto one_critical = engine.run(a11y::test::fixture("frame-title-fail.html"));        // one serious finding
  CHECK(one_minor_class.score < 100.0);
  CHECK(one_critical.score < one_minor_class.score);
  std::string awful = "<body>";
  for (int i = 0; i < 200; ++i) awful += "<img src=x><a href=#></a><input><li>x</li><iframe></iframe>";
  const auto worst = engine.run(awful);
  CHECK(worst.score >= 0.0);
  CHECK(worst.score < 30.0);
}

TEST_CASE("rules run concurrently from many threads give the same result as one thread") {
  const Engine engine(a11y::test::committed_model());
  const std::string page = a11y::test::fixture("sample-page.html");
  const auto expected = engine.run(page);
  REQUIRE(!expected.findings.empty());
  std::vector<int> mismatches(4, 0);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const auto r = engine.run(page);
          if (r.findings.size() != expected.findings.size() || r.score != expected.score ||
              r.findings.back().selector != expected.findings.back().selector)
            ++mismatches[static_cast<std::size_t>(t)];
        }
      });
  }
  for (int m : mismatches) CHECK(m == 0);
}

TEST_CASE("a realistic page yields findings from several rules") {
  const Engine engine(a11y::test::committed_model());
  const auto r = engine.run(a11y::test::fixture("sample-page.html"));
  std::set<std::string> rules;
  for (const auto& f : r.findings) rules.insert(f.rule_id);
  CHECK(rules.count("image-alt") == 1);          // harvest.jpg has no alt
  CHECK(rules.count("image-alt-quality") == 1);  // alt="IMG_4410.jpg"
  CHECK(rules.count("link-text-quality") == 1);  // "click here"
  CHECK(rules.count("link-name") == 0);          // every link has a name
  CHECK(rules.count("label") == 0);              // the placeholder-only input passes, as in axe
  CHECK(rules.count("color-contrast") == 1);     // own colour on own opaque background: determined
  CHECK(rules.count("document-title") == 0);
  CHECK(r.rules_run.size() == Engine::rules().size());
  CHECK(r.nodes > 40);
}

TEST_CASE("garbage and odd input parse without error") {
  const Engine engine;
  for (const std::string& html : {std::string(), std::string("\0\0\xff\xfe<", 5), std::string("<<<>>>&&&;"),
                                 std::string("<table><tr><td><table><tr><td></table>"), std::string("</html></body><img>"),
                                 std::string("<template><li>x</li><img></template>"), std::string("<svg><a href=x></a></svg>")}) {
    CHECK_NOTHROW(engine.run(html));
  }
}

TEST_CASE("language tags: BCP 47 primary subtag and subtag syntax") {
  using a11y::audit::is_valid_language_tag;
  for (const char* ok : {"en", "EN", "fr", "pt-BR", "zh-Hant-TW", "es-419", "haw", "x-klingon", "de-CH-1996", "sr-Latn"})
    CHECK_MESSAGE(is_valid_language_tag(ok), ok);
  for (const char* bad : {"", "english", "en_US", "e", "1en", "en-", "-en", "en--us", "x", "en-toolongsubtag", "eng lish"})
    CHECK_MESSAGE(!is_valid_language_tag(bad), bad);
}

TEST_CASE("the nesting pre-scan counts what nests and skips what cannot") {
  using a11y::audit::estimate_nesting_depth;
  CHECK(estimate_nesting_depth("<div><div><span>x</span></div></div>", 100) == 3);
  // Void elements and optional end tags do not nest; neither does markup inside script or comments.
  CHECK(estimate_nesting_depth("<ul><li>a<li>b<li>c</ul><p>x<p>y<img><br><input>", 100) == 1);
  CHECK(estimate_nesting_depth("<script>if (a<b && c<d) { x = '<div><div>'; }</script><div></div>", 100) == 1);
  CHECK(estimate_nesting_depth("<!-- <div><div><div> --><section></section>", 100) == 1);
  CHECK(estimate_nesting_depth("<DIV CLASS='a>b'><Div>", 100) == 2);
  CHECK(estimate_nesting_depth("<svg><path d='M0'/><path/></svg>", 100) == 1);
  // Stops once past the limit.
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<div>";
  CHECK(estimate_nesting_depth(deep, 10) == 11);
}

TEST_CASE("a tag with absurdly many attributes is refused before parsing") {
  const Engine engine;
  const auto tag_with = [](int n) {
    std::string html = "<html lang=en><title>t</title><div";
    for (int i = 0; i < n; ++i) html += " data-a" + std::to_string(i) + "=\"x y\"";
    return html + ">text</div>";
  };
  CHECK_NOTHROW(engine.run(tag_with(200)));
  CHECK_THROWS_AS(engine.run(tag_with(5000)), std::invalid_argument);
  CHECK(a11y::audit::bound_attributes("<a href=x class='p q r' id=y>", 10).per_tag == 3);
}
