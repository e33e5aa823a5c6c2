#include "ml/text_quality.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "ml/features.hpp"

namespace a11y::ml {
namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& why) {
  throw std::runtime_error("text-quality model " + origin + ": " + why);
}

double number_in(const nlohmann::json& obj, const char* key, const std::string& origin) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) fail(origin, std::string("\"") + key + "\" must be a number");
  return it->get<double>();
}

}  // namespace

TextQualityModel TextQualityModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path, "read error");
  return parse(text.str(), path);
}

TextQualityModel TextQualityModel::parse(std::string_view json_text, const std::string& origin) {
  const auto doc = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) fail(origin, "not valid JSON");
  if (!doc.is_object()) fail(origin, "top level must be an object");

  TextQualityModel m;
  const auto string_in = [&](const char* key) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      fail(origin, std::string("\"") + key + "\" must be a non-empty string");
    return it->get<std::string>();
  };
  m.name_ = string_in("name");
  m.version_ = string_in("version");
  if (string_in("format") != kFeatureFormat) fail(origin, "unsupported format (want " + std::string(kFeatureFormat) + ")");

  const auto features = doc.find("features");
  if (features == doc.end() || !features->is_object()) fail(origin, "\"features\" must be an object");
  if (number_in(*features, "dense", origin) != kDenseFeatures || number_in(*features, "hash_buckets", origin) != kHashBuckets)
    fail(origin, "feature dimensions do not match this build");

  m.threshold_ = number_in(doc, "threshold", origin);
  if (!(m.threshold_ > 0.0 && m.threshold_ < 1.0)) fail(origin, "\"threshold\" must be in (0, 1)");

  m.weights_.assign(kFeatureCount, 0.0f);
  const auto dense = doc.find("dense_weights");
  if (dense == doc.end() || !dense->is_array() || dense->size() != kDenseFeatures)
    fail(origin, "\"dense_weights\" must be an array of " + std::to_string(kDenseFeatures) + " numbers");
  for (std::size_t i = 0; i < kDenseFeatures; ++i) {
    if (!(*dense)[i].is_number()) fail(origin, "\"dense_weights\" must hold numbers");
    m.weights_[i] = (*dense)[i].get<float>();
  }
  const auto hashed = doc.find("hashed_weights");
  if (hashed == doc.end() || !hashed->is_array()) fail(origin, "\"hashed_weights\" must be an array of [bucket, weight]");
  for (const auto& pair : *hashed) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_unsigned() || !pair[1].is_number())
      fail(origin, "\"hashed_weights\" entries must be [bucket, weight]");
    const auto b = pair[0].get<std::uint64_t>();
    if (b >= kHashBuckets) fail(origin, "bucket " + std::to_string(b) + " out of range");
    m.weights_[kDenseFeatures + b] = pair[1].get<float>();
  }

  const auto ev = doc.find("evaluation");
  if (ev == doc.end() || !ev->is_object()) fail(origin, "\"evaluation\" must be an object");
  m.evaluation_.accuracy = number_in(*ev, "accuracy", origin);
  m.evaluation_.precision = number_in(*ev, "precision", origin);
  m.evaluation_.recall = number_in(*ev, "recall", origin);
  m.evaluation_.f1 = number_in(*ev, "f1", origin);
  const double n = number_in(*ev, "test_examples", origin);
  if (n < 0) fail(origin, "\"test_examples\" must not be negative");
  m.evaluation_.test_examples = static_cast<std::size_t>(n);
  return m;
}

Prediction TextQualityModel::predict(std::string_view text, TextKind kind) const {
  if (weights_.size() != kFeatureCount) return Prediction{};
  FeatureVector x;
  extract_features(text, kind, x);
  const double p = sigmoid(linear_score(weights_.data(), x));
  return Prediction{p >= threshold_, p};
}

std::vector<Prediction> TextQualityModel::predict_batch(const std::vector<std::pair<std::string, TextKind>>& items) const {
  std::vector<Prediction> out;
  out.reserve(items.size());
  for (const auto& [text, kind] : items) out.push_back(predict(text, kind));
  return out;
}

const std::string& TextQualityModel::name() const { return name_; }
const std::string& TextQualityModel::version() const { return version_; }
const Evaluation& TextQualityModel::evaluation() const { return evaluation_; }

}  // namespace a11y::ml
