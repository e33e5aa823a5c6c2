// Training of the text-quality model: dataset reading, the deterministic train/held-out split, logistic
// regression (AdaGrad, L2) over the features in features.hpp, evaluation, and the model file's JSON.
// Used by the text-quality-train tool and by the unit test that retrains on the repo's dataset.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ml/text_quality.hpp"

namespace a11y::ml {

struct Example {
  std::string text;
  TextKind kind = TextKind::LinkText;
  bool non_descriptive = false;
};

// TSV lines "<bad|good>\t<link|alt>\t<text>"; blank lines and lines starting with '#' are skipped.
// Throws std::runtime_error naming the file and line on a malformed line.
std::vector<Example> read_dataset(const std::string& path);

// Held out when the FNV-1a hash of "<kind>\t<normalized text>" is 0 mod 5: about 20%, stable when the file is
// reordered or grows. The hash is of the text the model sees (normalize_text: case, whitespace, surrounding
// punctuation), so variants such as "Read more" and "read more »" never land on both sides.
bool is_held_out(const Example& e);

struct TrainOptions {
  int epochs = 40;
  double learning_rate = 0.5;
  double l2 = 1e-4;
  double threshold = 0.5;
  std::uint64_t seed = 2031;
};

struct TrainResult {
  std::vector<float> weights;       // kFeatureCount entries, rounded as they are stored in the model file
  Evaluation evaluation;            // the model on the held-out split
  Evaluation heuristic_baseline;    // heuristic_non_descriptive on the same held-out split
  std::size_t train_examples = 0;
};

TrainResult train(const std::vector<Example>& dataset, const TrainOptions& options = {});

// The model file's text. Deterministic: the same inputs give the same bytes.
std::string model_json(const TrainResult& result, const std::string& version, const TrainOptions& options,
                       const std::string& dataset_name);

}  // namespace a11y::ml
