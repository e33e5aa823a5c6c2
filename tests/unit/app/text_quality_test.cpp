// The text-quality model: loading (good, missing, malformed files), predictions on clear cases, batches,
// and the heuristics used when no model is loaded.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <functional>

#include "app_test_support.hpp"
#include "ml/text_heuristics.hpp"
#include "ml/text_normalize.hpp"
#include "ml/text_quality.hpp"

using a11y::ml::TextKind;
using a11y::ml::TextQualityModel;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

std::string committed_text() { return a11y::test::read_text(a11y::test::committed_model_path()); }

}  // namespace

TEST_CASE("the committed model loads with its name, version and held-out figures") {
  const auto m = TextQualityModel::load(a11y::test::committed_model_path());
  CHECK(m.name() == "text-quality");
  CHECK(m.version() == "1.0.0");
  CHECK(m.evaluation().test_examples > 50);
  CHECK(m.evaluation().f1 > 0.0);
  CHECK(m.evaluation().f1 <= 1.0);
  CHECK(m.threshold() == doctest::Approx(0.5));
}

TEST_CASE("a missing model file is a runtime_error naming the file") {
  const std::string path = a11y::test::source_path("app/models/does-not-exist.json");
  const auto msg = error_of([&] { (void)TextQualityModel::load(path); });
  CHECK(msg.find(path) != std::string::npos);
  CHECK(msg.find("cannot open") != std::string::npos);
}

TEST_CASE("malformed model files are runtime_errors with the reason") {
  const std::string good = committed_text();
  const auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  struct Case {
    std::string text, reason;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {good.substr(0, good.size() / 2), "not valid JSON"},
      {"[1, 2, 3]", "top level must be an object"},
      {replace("\"name\": \"text-quality\"", "\"name\": 7"), "\"name\""},
      {replace("\"format\": \"hashed-logistic-v1\"", "\"format\": \"other-v9\""), "unsupported format"},
      {replace("\"hash_buckets\": 65536", "\"hash_buckets\": 1024"), "feature dimensions"},
      {replace("\"threshold\": 0.5", "\"threshold\": 1.5"), "threshold"},
      {replace("\"dense_weights\": [", "\"dense_weights\": [1, "), "dense_weights"},
      {replace("\"hashed_weights\": [", "\"hashed_weights\": [[70000, 1.0],"), "out of range"},
      {replace("\"hashed_weights\": [", "\"hashed_weights\": [[\"x\", 1.0],"), "[bucket, weight]"},
      {replace("\"evaluation\": {", "\"evaluation_\": {"), "\"evaluation\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.reason);
    const auto msg = error_of([&] { (void)TextQualityModel::parse(c.text, "test.json"); });
    CHECK(msg.find("test.json") != std::string::npos);
    CHECK(msg.find(c.reason) != std::string::npos);
  }
  // The unmodified text still parses, so each case above failed for its own reason.
  CHECK_NOTHROW((void)TextQualityModel::parse(good, "test.json"));
}

// Pagination links name their page within the list (issue 14 §6: the model flagged them); page numbers
// and phrasings not in the dataset too.
TEST_CASE("page numbers in pagination are not flagged") {
  const auto model = a11y::test::committed_model();
  for (const char* good : {"1", "2", "Page 2", "13", "30", "Page 6", "Go to page 11", "Page 7 of 30"}) {
    CAPTURE(good);
    CHECK_FALSE(model->predict(good, TextKind::LinkText).non_descriptive);
  }
}

TEST_CASE("clear cases are predicted the right way") {
  const auto model = a11y::test::committed_model();
  for (const char* bad : {"click here", "Read more", "more", "here", "link", "Learn more »"}) {
    CAPTURE(bad);
    const auto p = model->predict(bad, TextKind::LinkText);
    CHECK(p.non_descriptive);
    CHECK(p.probability > 0.5);
  }
  for (const char* bad : {"image", "photo", "IMG_2031.jpg", "DSC_4471.JPG", "logo.png", "picture"}) {
    CAPTURE(bad);
    CHECK(model->predict(bad, TextKind::AltText).non_descriptive);
  }
  for (const char* good : {"Download the 2024 annual report (PDF, 3 MB)", "Contact our support team", "Privacy policy"}) {
    CAPTURE(good);
    const auto p = model->predict(good, TextKind::LinkText);
    CHECK_FALSE(p.non_descriptive);
    CHECK(p.probability < 0.5);
  }
  for (const char* good : {"A firefighter carrying a child out of a smoke-filled building",
                           "Bar chart of monthly rainfall in Lisbon, highest in December"}) {
    CAPTURE(good);
    CHECK_FALSE(model->predict(good, TextKind::AltText).non_descriptive);
  }
}

TEST_CASE("batch prediction equals one-by-one prediction, in order") {
  const auto model = a11y::test::committed_model();
  const std::vector<std::pair<std::string, TextKind>> items = {
      {"click here", TextKind::LinkText}, {"Opening hours of the town library", TextKind::LinkText}, {"IMG_0001.png", TextKind::AltText}};
  const auto batch = model->predict_batch(items);
  REQUIRE(batch.size() == items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto one = model->predict(items[i].first, items[i].second);
    CHECK(batch[i].probability == one.probability);
    CHECK(batch[i].non_descriptive == one.non_descriptive);
  }
  CHECK(model->predict_batch({}).empty());
}

TEST_CASE("odd input is predicted without error") {
  const auto model = a11y::test::committed_model();
  const std::string long_text(100000, 'a');
  for (const std::string& text : {std::string(), std::string("   "), std::string("\xff\xfe\xfd"), long_text, std::string("\0\0", 2)}) {
    const auto p = model->predict(text, TextKind::AltText);
    CHECK(p.probability >= 0.0);
    CHECK(p.probability <= 1.0);
  }
  // An empty model says nothing is non-descriptive rather than crash.
  CHECK_FALSE(TextQualityModel().predict("click here", TextKind::LinkText).non_descriptive);
}

TEST_CASE("normalisation folds case, collapses whitespace and drops decorations") {
  char buf[a11y::ml::kMaxNormalizedBytes];
  CHECK(a11y::ml::normalize_text("  Read   MORE \xE2\x86\x92 ", buf) == "read more");
  CHECK(a11y::ml::normalize_text("\xC2\xBB Next\xC2\xA0page \xE2\x80\xA6", buf) == "next page");
  CHECK(a11y::ml::normalize_text("...", buf).empty());
  const std::string long_text = std::string(119, 'a') + "\xC3\xA9";   // the cut falls inside the é
  CHECK(a11y::ml::normalize_text(long_text, buf) == std::string(119, 'a'));
}

TEST_CASE("heuristics flag generic phrases, file names and addresses") {
  using namespace a11y::ml;
  CHECK(is_stop_phrase("Click Here!"));
  CHECK_FALSE(is_stop_phrase("Click here to download the tax form"));
  CHECK(has_file_extension("IMG_2031.JPG"));
  CHECK_FALSE(has_file_extension("version 2.0 release notes"));
  CHECK(looks_like_url("https://example.com/a?b=c"));
  CHECK(looks_like_url("www.example.org"));
  CHECK_FALSE(looks_like_url("Visit our shop in Main Street"));
  CHECK(looks_like_file_name("DSC01234"));
  CHECK(looks_like_file_name("img_4410"));
  CHECK_FALSE(looks_like_file_name("COVID-19"));
  CHECK(is_empty_ish(" -- "));
  CHECK_FALSE(is_empty_ish("\xE6\x97\xA5\xE6\x9C\xAC"));   // 日本 is text
  CHECK(heuristic_non_descriptive("read more", TextKind::LinkText));
  CHECK_FALSE(heuristic_non_descriptive("Opening hours of the town library", TextKind::LinkText));
}
