// Every request's cost is bounded: adversarial inputs (issue 14 §1) keep their findings, selectors and
// output within the documented caps, are refused before parsing when gumbo would go quadratic, and the
// CPU budget turns a long audit into a partial one. The structure is asserted; the CPU ceilings are loose
// sanity checks (hundreds of times what these inputs cost now), not performance claims: those come from
// hack/bench/worst_case.sh.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "app_test_support.hpp"
#include "audit/attribute_bound.hpp"
#include "audit/audit.hpp"
#include "audit/document.hpp"
#include "audit/nesting_estimate.hpp"
#include "audit/rule.hpp"

using namespace a11y::audit;

namespace {

Options only(std::initializer_list<std::string> rules) {
  Options o;
  o.rules = rules;
  o.cpu_budget = {};   // these tests look at the work done, not at the budget
  return o;
}

Options all_rules_unbudgeted() {
  Options o;
  o.cpu_budget = {};
  return o;
}

// CPU seconds the calling thread spends in f.
template <class F>
double cpu_seconds(F&& f) {
  const auto t0 = CpuBudget::thread_cpu_time();
  f();
  return std::chrono::duration<double>(CpuBudget::thread_cpu_time() - t0).count();
}

const std::string kHead = "<!doctype html><html lang=en><head><title>t</title></head><body>";

}  // namespace

TEST_CASE("attribute starts are counted the way the tokenizer sees them, whitespace or not") {
  CHECK(bound_attributes("<div a0/a1/a2>", 1000).per_tag == 3);
  CHECK(bound_attributes("<div a0=\"\"a1=\"\"a2=''a3>", 1000).per_tag == 4);
  CHECK(bound_attributes("<a href=x class='p q r' id=y>", 1000).per_tag == 3);
  CHECK(bound_attributes("<div a=b/c d>", 1000).per_tag == 2);         // '/' belongs to an unquoted value
  CHECK(bound_attributes("<div a\"b c>", 1000).per_tag == 2);          // a quote in a name opens nothing
  CHECK(bound_attributes("<div =a b>", 1000).per_tag == 2);            // '=' first starts an attribute
  CHECK(bound_attributes("<p>text, no tag here</p>", 1000).per_tag == 0);
  CHECK(bound_attributes("</div a b c>", 1000).per_tag == 3);          // end tags are tokenized too
  // A '<' inside a value might open a tag in some other reading (a comment, a script): counted as well.
  CHECK(bound_attributes("<div title='<b x y z'>", 1000).per_tag == 3);
  // <html> and <body> attributes add up, because gumbo merges them into the first tag.
  const auto root = bound_attributes("<html a b><head></head><body c><html d e><body f>", 1000);
  CHECK(root.root_tags == 6);
  CHECK(root.per_tag == 2);
  // Stops once past the limit.
  std::string many = "<div";
  for (int i = 0; i < 100000; ++i) many += " a" + std::to_string(i);
  CHECK(bound_attributes(many, 10).per_tag == 11);
}

TEST_CASE("attributes without whitespace are bounded: the tag is refused before gumbo sees it") {
  const Engine engine;
  // (After "<div" the first separator must be whitespace or '/': "<diva0" would be one long tag name.)
  const auto tag = [](const std::string& open, const std::string& sep_before, const std::string& after, int n) {
    std::string html = kHead + open;
    for (int i = 0; i < n; ++i) html += sep_before + "a" + std::to_string(i) + after;
    return html + ">x</div>";
  };
  // 20,000 attributes in ~130 KB took gumbo 1.3 s; refused now, in linear time.
  for (const auto& html : {tag("<div", "/", "", 20000), tag("<div ", "", "=\"\"", 20000), tag("<div", " ", "", 20000)}) {
    double cpu = 0;
    cpu = cpu_seconds([&] { CHECK_THROWS_AS(engine.run(html, all_rules_unbudgeted()), std::invalid_argument); });
    CHECK(cpu < 1.0);
  }
  // At the limit the page is audited, and the element keeps every attribute.
  const auto ok = tag("<div", "/", "", static_cast<int>(kMaxAttributesPerTag) - 1) + "<img src=x>";
  const Document doc(ok, 512);
  std::size_t most = 0;
  for (const auto& e : doc.elements()) most = std::max<std::size_t>(most, e.node->v.element.attributes.length);
  CHECK(most == kMaxAttributesPerTag - 1);
  CHECK(engine.run(ok, only({"image-alt"})).findings.size() == 1);
}

TEST_CASE("repeated <html> and <body> tags cannot pile attributes onto the root") {
  const Engine engine;
  std::string html = kHead;
  for (int t = 0; t < 400; ++t) {
    html += "<body";
    for (int i = 0; i < 100; ++i) html += " b" + std::to_string(t) + "_" + std::to_string(i);
    html += ">";
  }
  double cpu = cpu_seconds([&] { CHECK_THROWS_AS(engine.run(html, all_rules_unbudgeted()), std::invalid_argument); });
  CHECK(cpu < 1.0);
  CHECK_NOTHROW(engine.run(kHead + "<body class=a id=b><html data-x=1>x", all_rules_unbudgeted()));
}

TEST_CASE("markup in noscript and in svg's style is seen by the depth pre-scan, as gumbo parses it") {
  std::string divs;
  for (int i = 0; i < 3000; ++i) divs += "<div>";
  CHECK(estimate_nesting_depth("<noscript>" + divs, 2000) > 2000);
  CHECK(estimate_nesting_depth("<svg><style>" + divs, 2000) > 2000);
  CHECK(estimate_nesting_depth("<svg><title>" + divs, 2000) > 2000);
  CHECK(estimate_nesting_depth("<style>" + divs + "</style>", 2000) == 0);   // HTML style is raw text
  const Engine engine;
  CHECK_THROWS_AS(engine.run(kHead + "<noscript>" + divs), std::invalid_argument);
}

TEST_CASE("formatting elements reopened in every paragraph cannot blow the parse tree up") {
  // 200 distinct open <b>s, closed by </p>, are cloned into each later paragraph: 8 bytes -> 200 elements.
  std::string html = kHead + "<p>";
  for (int i = 0; i < 200; ++i) html += "<b class=c" + std::to_string(i) + ">";
  html += "</p>";
  for (int i = 0; i < 30000; ++i) html += "<p>x</p>";
  const Engine engine;
  double cpu = cpu_seconds([&] { CHECK_THROWS_AS(engine.run(html, all_rules_unbudgeted()), std::invalid_argument); });
  CHECK(cpu < 2.0);
  // A real page is far below the limit: the sample page parses within it at any size we accept.
  CHECK(parse_limit_bytes(100) == kMinParseBytes);
  CHECK(parse_limit_bytes(2 << 20) == (std::size_t{2} << 20) * kMaxParseBytesPerInputByte);
  std::string big = kHead;
  const std::string sample = a11y::test::fixture("sample-page.html");
  while (big.size() < (1u << 20)) big += sample;
  CHECK_NOTHROW(engine.run(big, all_rules_unbudgeted()));
}

TEST_CASE("color-contrast reads each element's style once, however deep the text is") {
  // Text at every level of a 500-deep chain of styled elements: 264 KB of this took 48 s.
  std::string html = kHead;
  for (int chain = 0; chain < 4; ++chain) {
    for (int i = 0; i < 500; ++i) html += "<div style=\"color:#999;background:#fff;font-size:12px\">t";
    for (int i = 0; i < 500; ++i) html += "</div>";
  }
  const Engine engine;
  Options options = only({"color-contrast"});
  options.max_findings = 5000;
  options.max_output_bytes = 64 << 20;   // long selectors: the default 1 MiB would cut the list
  Result r;
  const double cpu = cpu_seconds([&] { r = engine.run(html, options); });
  CHECK(r.findings.size() == 2000);   // #999 on white is 2.85:1: every text element fails
  CHECK(r.findings[0].message.find("2.85:1") != std::string::npos);
  CHECK(cpu < 5.0);
}

TEST_CASE("color-contrast gives the same answers top-down as the nearest-ancestor rules") {
  const Engine engine;
  // Violations only: colours the markup cannot determine are reported as needing review (checked below).
  const auto contrast = [&](const std::string& body) {
    const auto r = engine.run(kHead + body, only({"color-contrast"}));
    return static_cast<std::size_t>(std::count_if(r.findings.begin(), r.findings.end(),
                                                  [](const auto& f) { return !f.needs_review; }));
  };
  CHECK(contrast("<div style='background:#000'><p style='color:#111'>dark on black</p></div>") == 1);
  CHECK(contrast("<div style='background:#000'><p style='color:#fff'>white on black</p></div>") == 0);
  CHECK(contrast("<div style='background:url(x.png)'><p style='color:#777'>over an image</p></div>") == 0);
  CHECK(contrast("<div style='background:url(x.png)'><p style='color:#777;background:#fff'>own opaque</p></div>") == 1);
  CHECK(contrast("<div style='color:var(--x)'><p style='background:#fff'>unknown colour</p></div>") == 0);
  CHECK(contrast("<div style='color:var(--x)'><p style='color:#aaa'>own colour wins</p></div>") == 1);
  CHECK(contrast("<div style='color:#777'><p style='color:inherit'>inherit</p></div>") == 1);
  CHECK(contrast("<div style='color:#767676;font-size:24px'>large text passes at 3:1</div>") == 0);
  CHECK(contrast("<div style='color:#949494;font-weight:bold;font-size:19px'>bold large</div>") == 0);
  CHECK(contrast("<div style='background:rgba(0,0,0,0.5)'><p style='color:#333'>half black</p></div>") == 1);
  for (const char* unknown : {"<div style='background:url(x.png)'><p style='color:#777'>over an image</p></div>",
                              "<div style='color:var(--x)'><p style='background:#fff'>unknown colour</p></div>"}) {
    const auto r = engine.run(kHead + unknown, only({"color-contrast"}));
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].needs_review);
    CHECK(r.score == 100.0);   // not a violation
  }
}

TEST_CASE("label: a wrapping label and a shared for-id are looked at once, not once per control") {
  const Engine engine;
  std::string unlabeled = kHead + "<label>";
  for (int i = 0; i < 20000; ++i) unlabeled += "<input>";
  unlabeled += "</label>";
  Options options = only({"label"});
  options.max_findings = 1000;
  Result r;
  double cpu = cpu_seconds([&] { r = engine.run(unlabeled, options); });
  CHECK(r.findings.size() == 1000);
  CHECK(r.truncated);
  CHECK(r.truncated_by == "maxFindings");
  CHECK(cpu < 5.0);

  std::string shared_id = kHead;
  for (int i = 0; i < 5000; ++i) shared_id += "<label for=x></label>";
  for (int i = 0; i < 5000; ++i) shared_id += "<input id=x>";
  cpu = cpu_seconds([&] { r = engine.run(shared_id, options); });
  CHECK(r.findings.size() == 1000);
  CHECK(cpu < 5.0);

  std::string labelled = kHead + "<label>Name ";
  for (int i = 0; i < 2000; ++i) labelled += "<input>";
  CHECK(engine.run(labelled + "</label>", options).findings.empty());
}

TEST_CASE("aria-labelledby naming one big subtree many times walks it once") {
  std::string html = kHead + "<div id=big>";
  for (int i = 0; i < 20000; ++i) html += "<span></span>";
  html += "</div>";
  for (int link = 0; link < 20; ++link) {
    html += "<a href=# aria-labelledby=\"";
    for (int i = 0; i < 2000; ++i) html += "big ";
    html += "\"></a>";
  }
  const Engine engine;
  Result r;
  const double cpu = cpu_seconds([&] { r = engine.run(html, only({"link-name"})); });
  CHECK(r.findings.size() == 20);   // the name is empty: every link fails
  CHECK(cpu < 5.0);
}

TEST_CASE("selectors, messages and the whole output are capped, and the result says when it is cut") {
  // 500 nested elements, then images among 20,000 siblings: long paths, many findings.
  std::string html = kHead;
  for (int i = 0; i < 480; ++i) html += "<section>";
  for (int i = 0; i < 20000; ++i) html += "<img src=x.png>";
  const Engine engine;
  Options options = only({"image-alt"});
  options.max_findings = 1000;
  const auto r = engine.run(html, options);
  REQUIRE(r.findings.size() == 1000);
  for (const auto& f : r.findings) {
    CHECK(f.selector.size() <= kMaxSelectorBytes);
    CHECK(f.selector.rfind("html ", 0) == 0);
  }
  CHECK(r.findings.back().selector.find("img:nth-of-type(1000)") != std::string::npos);
  CHECK(r.output_bytes <= options.max_output_bytes);

  options.max_output_bytes = 64 * 1024;
  const auto small = engine.run(html, options);
  CHECK(small.truncated);
  CHECK(small.truncated_by == "outputBytes");
  CHECK(small.output_bytes <= 64 * 1024);
  CHECK(small.findings.size() < 1000);
  CHECK(small.score == r.score);   // every finding still counts in the score

  // A viewport value of 100 KB does not become a 100 KB message.
  const auto viewport = engine.run(kHead + "<meta name=viewport content=\"maximum-scale=0." + std::string(100000, '0') + "1\">",
                                   only({"meta-viewport"}));
  REQUIRE(viewport.findings.size() == 1);
  CHECK(viewport.findings[0].message.size() <= kMaxMessageBytes);
}

TEST_CASE("past the CPU budget the audit stops and says the result is partial") {
  const Engine engine;
  const std::string page = a11y::test::fixture("sample-page.html");
  Options tiny;
  tiny.cpu_budget = std::chrono::nanoseconds(1);
  const auto r = engine.run(page, tiny);
  CHECK(r.partial);
  CHECK(r.partial_reason == "cpu budget");
  CHECK(r.rules_run.size() < Engine::rules().size());

  Options none;
  none.cpu_budget = {};
  const auto full = engine.run(page, none);
  CHECK_FALSE(full.partial);
  CHECK(full.partial_reason.empty());
  CHECK(full.rules_run.size() == Engine::rules().size());

  // The default budget (2 s) is far above what a real page needs.
  const auto by_default = engine.run(page);
  CHECK_FALSE(by_default.partial);
}

TEST_CASE("the adversarial fuzz seeds (tests/fixtures/html/worst-*.html) audit within the bounds") {
  const Engine engine;
  std::size_t seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(a11y::test::source_path("tests/fixtures/html"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("worst-", 0) != 0) continue;
    ++seeds;
    CAPTURE(name);
    const std::string html = a11y::test::read_text(entry.path().string());
    double cpu = 0;
    cpu = cpu_seconds([&] {
      try {
        const auto r = engine.run(html, all_rules_unbudgeted());
        CHECK(r.output_bytes <= Options{}.max_output_bytes);
        CHECK(r.findings.size() <= Options{}.max_findings);
        CHECK_FALSE(r.partial);
        for (const auto& f : r.findings) CHECK(f.selector.size() <= kMaxSelectorBytes);
      } catch (const std::invalid_argument&) {
        // refused before parsing: documented for too many attributes and too deep nesting
      }
    });
    CHECK(cpu < 2.0);   // each seed is at most 64 KB: milliseconds of work
  }
  CHECK(seeds >= 10);
}
