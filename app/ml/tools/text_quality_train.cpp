// text-quality-train: trains the text-quality model on a labelled TSV dataset, prints the held-out
// evaluation and the held-out examples it gets wrong (what to add data for), and writes the versioned
// model file the server loads at start.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "ml/text_quality.hpp"
#include "ml/trainer.hpp"

namespace {

int usage() {
  std::cerr << "usage: text-quality-train --data app/ml/data/text_quality.tsv --version 1.0.0 "
               "[--out app/models/text-quality-<version>.json] [--epochs N] [--min-f1 X]\n";
  return 2;
}

void print(const char* what, const a11y::ml::Evaluation& e) {
  std::cout << what << ": accuracy=" << e.accuracy << " precision=" << e.precision << " recall=" << e.recall
            << " f1=" << e.f1 << " (held-out examples: " << e.test_examples << ")\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string data, version, out;
  double min_f1 = 0.0;
  a11y::ml::TrainOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (arg == "--data") data = value;
    else if (arg == "--version") version = value;
    else if (arg == "--out") out = value;
    else if (arg == "--epochs") options.epochs = std::atoi(value.c_str());
    else if (arg == "--min-f1") min_f1 = std::atof(value.c_str());
    else return usage();
  }
  if (data.empty() || version.empty() || options.epochs <= 0) return usage();
  if (out.empty()) out = "app/models/text-quality-" + version + ".json";
  try {
    const auto dataset = a11y::ml::read_dataset(data);
    const auto result = a11y::ml::train(dataset, options);
    std::cout << "examples: " << dataset.size() << " (train " << result.train_examples << ")\n";
    print("model    ", result.evaluation);
    print("heuristic", result.heuristic_baseline);
    const auto model = a11y::ml::TextQualityModel::parse(a11y::ml::model_json(result, version, options, data), "trained");
    for (const auto& e : dataset) {
      if (!a11y::ml::is_held_out(e)) continue;
      const auto p = model.predict(e.text, e.kind);
      if (p.non_descriptive == e.non_descriptive) continue;
      std::cout << (p.non_descriptive ? "false positive " : "false negative ")
                << (e.kind == a11y::ml::TextKind::AltText ? "alt  " : "link ") << p.probability << "  " << e.text << "\n";
    }
    if (result.evaluation.f1 < min_f1) {
      std::cerr << "text-quality-train: held-out f1 " << result.evaluation.f1 << " is below --min-f1 " << min_f1 << "\n";
      return 1;
    }
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    file << a11y::ml::model_json(result, version, options, data);
    if (!file.flush()) {
      std::cerr << "text-quality-train: cannot write " << out << "\n";
      return 1;
    }
    std::cout << "wrote " << out << "\n";
  } catch (const std::exception& e) {
    std::cerr << "text-quality-train: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
