// Contract for the text-quality model: flags non-descriptive link text and alt text
// ("click here", "image", "IMG_2031.jpg", "more"). Loaded from a versioned model file at start.
#pragma once
#include <string>
#include <string_view>
#include <utility>
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
  // Same as load, from the file's text; origin names the source in error messages.
  static TextQualityModel parse(std::string_view json_text, const std::string& origin);
  Prediction predict(std::string_view text, TextKind kind) const;   // thread-safe, no allocation-heavy work
  std::vector<Prediction> predict_batch(const std::vector<std::pair<std::string, TextKind>>& items) const;
  const std::string& name() const;      // "text-quality"
  const std::string& version() const;   // e.g. "1.0.0"
  const Evaluation& evaluation() const; // figures from the held-out split, stored in the model file
  double threshold() const { return threshold_; }
  // An empty model (no weights) predicts "descriptive" for everything; use load or parse for a real one.
  TextQualityModel() = default;

 private:
  std::string name_, version_;
  Evaluation evaluation_;
  double threshold_ = 0.5;
  std::vector<float> weights_;   // kFeatureCount entries: dense hand features, then hashed buckets
};

}  // namespace a11y::ml
