// Contract for the text-quality model: flags non-descriptive link text and alt text
// ("click here", "image", "IMG_2031.jpg", "more"). Loaded from a versioned model file at start.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace a11y::ml {

enum class TextKind { LinkText, AltText };

struct Prediction {
  bool non_descriptive = false;
  double probability = 0.0;   // probability that the text is non-descriptive
};

struct Evaluation {
  double accuracy = 0.0, f1 = 0.0, precision = 0.0, recall = 0.0;
  std::size_t test_examples = 0;
};

class TextQualityModel {
 public:
  // Throws std::runtime_error with the file name and reason when the file is missing or malformed.
  static TextQualityModel load(const std::string& path);
  Prediction predict(std::string_view text, TextKind kind) const;   // thread-safe, no allocation-heavy work
  std::vector<Prediction> predict_batch(const std::vector<std::pair<std::string, TextKind>>& items) const;
  const std::string& name() const;      // "text-quality"
  const std::string& version() const;   // e.g. "1.0.0"
  const Evaluation& evaluation() const; // figures from the held-out split, stored in the model file
  // ... the implementation adds its private members here.
};

}  // namespace a11y::ml
