// Retraining on the repo's dataset: the split is deterministic, the held-out F1 clears the bar, and the
// committed model file is what the training tool makes from the committed dataset.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "app_test_support.hpp"
#include "ml/text_normalize.hpp"
#include "ml/trainer.hpp"

using namespace a11y::ml;

namespace {
const std::string& dataset_path() {
  static const std::string p = a11y::test::source_path("app/ml/data/text_quality.tsv");
  return p;
}
}  // namespace

TEST_CASE("the dataset has several hundred examples of both classes and both kinds") {
  const auto data = read_dataset(dataset_path());
  CHECK(data.size() >= 500);
  std::size_t counts[2][2] = {{0, 0}, {0, 0}};
  for (const auto& e : data) ++counts[e.non_descriptive][e.kind == TextKind::AltText];
  for (auto& row : counts)
    for (auto n : row) CHECK(n >= 100);
}

TEST_CASE("the held-out split is about a fifth and depends only on the example") {
  const auto data = read_dataset(dataset_path());
  std::size_t held = 0;
  for (const auto& e : data) held += is_held_out(e) ? 1 : 0;
  CHECK(held > data.size() / 8);
  CHECK(held < data.size() / 3);
  Example copy = data.front();
  CHECK(is_held_out(copy) == is_held_out(data.front()));
  copy.kind = copy.kind == TextKind::AltText ? TextKind::LinkText : TextKind::AltText;
  // Same text, other kind: a different example, hashed separately (may or may not flip; must be stable).
  CHECK(is_held_out(copy) == is_held_out(copy));
}

// The split is by the text the model sees: no held-out example is a variant (case, whitespace, surrounding
// punctuation) of a training example, so the held-out figures are not inflated by near-copies.
TEST_CASE("no held-out example is a normalised variant of a training example") {
  const auto data = read_dataset(dataset_path());
  std::set<std::pair<int, std::string>> train_keys;
  char buf[kMaxNormalizedBytes];
  for (const auto& e : data)
    if (!is_held_out(e)) train_keys.emplace(static_cast<int>(e.kind), std::string(normalize_text(e.text, buf)));
  std::size_t leaked = 0, held = 0;
  for (const auto& e : data) {
    if (!is_held_out(e)) continue;
    ++held;
    if (train_keys.count({static_cast<int>(e.kind), std::string(normalize_text(e.text, buf))}) != 0) {
      ++leaked;
      MESSAGE("held-out example also in training after normalisation: " << e.text);
    }
  }
  CHECK(held > 100);
  CHECK(leaked == 0);
}

// Bar: F1 >= 0.90 on the held-out fifth (195 examples, split by normalised text). The committed model
// reaches 0.93 (the raw-text split it replaced put variants of training rows in the test set and read
// 0.96); the phrase and file-name heuristics alone reach ~0.78 on the same split, so 0.90 proves the model
// learned beyond the lists, while leaving room for a few flipped borderline examples if the dataset grows.
TEST_CASE("retraining on the repo dataset clears the held-out F1 bar and beats the heuristics") {
  const auto data = read_dataset(dataset_path());
  const auto result = train(data);
  CHECK(result.evaluation.test_examples > 100);
  CHECK(result.evaluation.f1 >= 0.90);
  CHECK(result.evaluation.accuracy >= 0.90);
  CHECK(result.evaluation.f1 > result.heuristic_baseline.f1);

  // Retraining is deterministic and reproduces the committed model file byte for byte.
  const std::string json = model_json(result, "1.0.0", TrainOptions{}, "app/ml/data/text_quality.tsv");
  CHECK(json == model_json(train(data), "1.0.0", TrainOptions{}, "app/ml/data/text_quality.tsv"));
  CHECK_MESSAGE(json == a11y::test::read_text(a11y::test::committed_model_path()),
                "app/models/text-quality-1.0.0.json is stale: rerun text-quality-train --data app/ml/data/text_quality.tsv --version 1.0.0");

  // And the file round-trips through the loader with the same figures.
  const auto model = TextQualityModel::parse(json, "retrained");
  CHECK(model.evaluation().f1 == doctest::Approx(result.evaluation.f1).epsilon(1e-3));
  CHECK(model.evaluation().test_examples == result.evaluation.test_examples);
}

TEST_CASE("malformed dataset lines are reported with file and line") {
  const std::string path = "/tmp/a11y-trainer-test-" + std::to_string(::getpid()) + ".tsv";
  {
    std::ofstream out(path);
    out << "# comment\nbad\tlink\tclick here\ngood\tlink\n";
  }
  std::string msg;
  try {
    (void)read_dataset(path);
  } catch (const std::runtime_error& e) {
    msg = e.what();
  }
  std::remove(path.c_str());
  CHECK(msg.find(path + ":3") != std::string::npos);
  CHECK_THROWS_AS((void)read_dataset("/nonexistent/data.tsv"), std::runtime_error);
}
