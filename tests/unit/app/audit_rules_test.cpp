// Each rule against a passing and a failing fixture (tests/fixtures/html/<rule>-pass.html / -fail.html),
// run alone, with and without the text-quality model.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <utility>

#include "app_test_support.hpp"
#include "audit/audit.hpp"

using a11y::audit::Engine;
using a11y::audit::Options;

namespace {

struct Expectation {
  const char* rule;
  std::size_t fail_findings;
  const char* first_selector;
  const char* criterion;
  const char* level;
};

const Expectation kRules[] = {
    {"image-alt", 2, "html > body > main > img:nth-of-type(1)", "1.1.1", "A"},
    {"link-name", 2, "html > body > main > a:nth-of-type(1)", "2.4.4", "A"},
    {"button-name", 2, "html > body > form > button:nth-of-type(1)", "4.1.2", "A"},
    {"document-title", 1, "html", "2.4.2", "A"},
    {"html-has-lang", 1, "html", "3.1.1", "A"},
    {"html-lang-valid", 1, "html", "3.1.1", "A"},
    {"label", 3, "html > body > form > input:nth-of-type(1)", "4.1.2", "A"},
    {"heading-order", 1, "html > body > h4", "", ""},
    {"color-contrast", 2, "html > body > main > p", "1.4.3", "AA"},
    {"duplicate-id-aria", 1, "html > body > form > span", "4.1.2", "A"},
    {"frame-title", 1, "html > body > iframe", "4.1.2", "A"},
    {"list", 1, "html > body > ul", "1.3.1", "A"},
    {"listitem", 1, "html > body > div > li", "1.3.1", "A"},
    {"meta-viewport", 1, "html > head > meta:nth-of-type(2)", "1.4.4", "AA"},
    {"input-button-name", 2, "html > body > form > input:nth-of-type(1)", "4.1.2", "A"},
    {"select-name", 2, "html > body > form > select:nth-of-type(1)", "4.1.2", "A"},
    {"link-text-quality", 2, "html > body > main > p:nth-of-type(1) > a", "2.4.4", "A"},
    {"image-alt-quality", 1, "html > body > main > img:nth-of-type(2)", "1.1.1", "A"},
};

a11y::audit::Result run_only(const Engine& engine, const std::string& html, const char* rule) {
  Options options;
  options.rules = {rule};
  return engine.run(html, options);
}

}  // namespace

TEST_CASE("every rule passes its passing fixture and flags its failing fixture") {
  const Engine heuristic_engine;
  const Engine model_engine(a11y::test::committed_model());
  for (const Engine* engine : {&heuristic_engine, &model_engine}) {
    for (const auto& x : kRules) {
      const std::string rule_id = x.rule;
      CAPTURE(rule_id);
      CAPTURE(engine == &model_engine);
      const auto pass = run_only(*engine, a11y::test::fixture(std::string(x.rule) + "-pass.html"), x.rule);
      CHECK(pass.findings.empty());
      for (const auto& f : pass.findings) MESSAGE(f.selector << ": " << f.message);
      CHECK(pass.score == 100.0);
      REQUIRE(pass.rules_run == std::vector<std::string>{x.rule});

      const auto fail = run_only(*engine, a11y::test::fixture(std::string(x.rule) + "-fail.html"), x.rule);
      REQUIRE(fail.findings.size() == x.fail_findings);
      CHECK((fail.score < 100.0 || fail.findings.front().needs_review));
      const auto& f = fail.findings.front();
      CHECK(f.rule_id == x.rule);
      CHECK(f.selector == x.first_selector);
      CHECK(f.wcag_criterion == x.criterion);
      CHECK(f.wcag_level == x.level);
      CHECK(!f.message.empty());
      CHECK(f.snippet.front() == '<');
    }
  }
}

TEST_CASE("the rule list has at least 12 uniquely named rules with WCAG references") {
  const auto& rules = Engine::rules();
  CHECK(rules.size() >= 12);
  std::set<std::string> ids;
  for (const auto& r : rules) {
    CAPTURE(r.id);
    CHECK(ids.insert(r.id).second);
    const bool best_practice = std::find(r.tags.begin(), r.tags.end(), "best-practice") != r.tags.end();
    CHECK(r.best_practice == best_practice);
    CHECK(r.wcag_criterion.empty() == best_practice);
    CHECK((r.wcag_level == "A" || r.wcag_level == "AA" || (best_practice && r.wcag_level.empty())));
    CHECK(!r.description.empty());
    CHECK(!r.tags.empty());
  }
  for (const auto& x : kRules) CHECK(ids.count(x.rule) == 1);
}

TEST_CASE("the text-quality model's findings have their own rule ids, never axe's") {
  const Engine engine(a11y::test::committed_model());
  // axe passes a link named "click here" (it has a name); only link-text-quality objects to it.
  const auto all_links = engine.run(a11y::test::fixture("link-name-fail.html"));
  std::size_t quality = 0, missing = 0;
  for (const auto& f : all_links.findings) {
    if (f.rule_id == "link-text-quality") {
      ++quality;
      CHECK(f.message.find("\"click here\" does not describe") != std::string::npos);
      CHECK(f.selector == "html > body > main > p > a");
      CHECK(f.impact == a11y::audit::Impact::Moderate);
      CHECK(f.tags.front() == "text-quality");
    } else if (f.rule_id == "link-name") {
      ++missing;
      CHECK(f.message.find("no accessible name") != std::string::npos);
      CHECK(f.impact == a11y::audit::Impact::Serious);
    }
  }
  CHECK(quality == 1);
  CHECK(missing == 2);

  const auto images = engine.run(a11y::test::fixture("image-alt-fail.html"));
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& f : images.findings)
    if (f.rule_id.rfind("image-alt", 0) == 0) got.emplace_back(f.rule_id, f.selector);
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {"image-alt", "html > body > main > img:nth-of-type(1)"},
                   {"image-alt", "html > body > main > img:nth-of-type(3)"},
                   {"image-alt-quality", "html > body > main > img:nth-of-type(2)"}});
  const auto message_of = [&](const std::string& id, std::size_t k) {
    for (const auto& f : images.findings)
      if (f.rule_id == id && k-- == 0) return f.message;
    return std::string();
  };
  CHECK(message_of("image-alt", 0).find("no alt attribute") != std::string::npos);
  CHECK(message_of("image-alt", 1).find("only whitespace") != std::string::npos);
  CHECK(message_of("image-alt-quality", 0).find("\"IMG_2031.jpg\" does not describe") != std::string::npos);

  for (const auto& r : Engine::rules()) {
    CAPTURE(r.id);
    const bool ours = r.id == "link-text-quality" || r.id == "image-alt-quality";
    CHECK((r.source == a11y::audit::RuleSource::TextQuality) == ours);
  }
}

TEST_CASE("contrast findings report the measured ratio and the colours") {
  const Engine engine;
  const auto r = run_only(engine, a11y::test::fixture("color-contrast-fail.html"), "color-contrast");
  REQUIRE(r.findings.size() == 2);
  CHECK(r.findings[0].message.find("4.48:1 (#777777 on #ffffff)") != std::string::npos);
  CHECK(r.findings[1].selector == "html > body > main > div > span");
  CHECK(r.findings[1].message.find("#0000ff on #000080") != std::string::npos);
}
