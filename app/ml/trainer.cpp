#include "ml/trainer.hpp"

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "ml/features.hpp"
#include "ml/text_heuristics.hpp"
#include "ml/text_normalize.hpp"

namespace a11y::ml {
namespace {

constexpr double kWeightScale = 1e5;   // weights are stored with 5 decimals

std::string_view kind_name(TextKind k) { return k == TextKind::AltText ? "alt" : "link"; }

Evaluation evaluate(const std::vector<const Example*>& test, auto&& is_positive) {
  std::size_t tp = 0, fp = 0, tn = 0, fn = 0;
  for (const Example* e : test) {
    const bool predicted = is_positive(*e);
    if (predicted && e->non_descriptive) ++tp;
    else if (predicted) ++fp;
    else if (e->non_descriptive) ++fn;
    else ++tn;
  }
  Evaluation ev;
  ev.test_examples = test.size();
  const auto ratio = [](std::size_t a, std::size_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); };
  ev.accuracy = ratio(tp + tn, test.size());
  ev.precision = ratio(tp, tp + fp);
  ev.recall = ratio(tp, tp + fn);
  ev.f1 = (ev.precision + ev.recall) > 0 ? 2 * ev.precision * ev.recall / (ev.precision + ev.recall) : 0.0;
  return ev;
}

double round_to(double v, double scale) { return std::round(v * scale) / scale; }

std::string number(double v) { return nlohmann::json(v).dump(); }

}  // namespace

std::vector<Example> read_dataset(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("dataset " + path + ": cannot open file");
  std::vector<Example> out;
  std::string line;
  for (std::size_t lineno = 1; std::getline(in, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    const auto tab1 = line.find('\t');
    const auto tab2 = tab1 == std::string::npos ? std::string::npos : line.find('\t', tab1 + 1);
    const auto where = [&] { return "dataset " + path + ":" + std::to_string(lineno) + ": "; };
    if (tab2 == std::string::npos) throw std::runtime_error(where() + "want <bad|good>\\t<link|alt>\\t<text>");
    const std::string label = line.substr(0, tab1), kind = line.substr(tab1 + 1, tab2 - tab1 - 1);
    Example e;
    if (label == "bad") e.non_descriptive = true;
    else if (label != "good") throw std::runtime_error(where() + "label must be bad or good, not \"" + label + "\"");
    if (kind == "alt") e.kind = TextKind::AltText;
    else if (kind != "link") throw std::runtime_error(where() + "kind must be link or alt, not \"" + kind + "\"");
    e.text = line.substr(tab2 + 1);
    out.push_back(std::move(e));
  }
  if (out.empty()) throw std::runtime_error("dataset " + path + ": no examples");
  return out;
}

bool is_held_out(const Example& e) {
  char buf[kMaxNormalizedBytes];
  std::uint32_t h = fnv1a(kind_name(e.kind));
  h = fnv1a("\t", h);
  h = fnv1a(normalize_text(e.text, buf), h);
  return h % 5 == 0;
}

TrainResult train(const std::vector<Example>& dataset, const TrainOptions& options) {
  std::vector<const Example*> train_set, test_set;
  for (const auto& e : dataset) (is_held_out(e) ? test_set : train_set).push_back(&e);
  if (train_set.empty() || test_set.empty()) throw std::runtime_error("training: the split left one side empty");

  // Features once per example; the epochs reuse them.
  std::vector<std::vector<std::pair<std::uint32_t, float>>> xs(train_set.size());
  FeatureVector fv;
  for (std::size_t i = 0; i < train_set.size(); ++i) {
    extract_features(train_set[i]->text, train_set[i]->kind, fv);
    for (std::size_t k = 0; k < fv.size; ++k) xs[i].emplace_back(fv.index[k], fv.value[k]);
  }

  std::vector<double> w(kFeatureCount, 0.0), g2(kFeatureCount, 0.0);
  std::vector<std::size_t> order(train_set.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(options.seed);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    // Fisher-Yates with raw engine output: the same order on every standard library.
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
    for (const std::size_t i : order) {
      double z = 0.0;
      for (const auto& [j, v] : xs[i]) z += w[j] * v;
      const double err = sigmoid(z) - (train_set[i]->non_descriptive ? 1.0 : 0.0);
      for (const auto& [j, v] : xs[i]) {
        const double grad = err * v + options.l2 * w[j];
        g2[j] += grad * grad;
        w[j] -= options.learning_rate * grad / (std::sqrt(g2[j]) + 1e-8);
      }
    }
  }

  TrainResult result;
  result.train_examples = train_set.size();
  result.weights.resize(kFeatureCount);
  for (std::size_t j = 0; j < kFeatureCount; ++j) result.weights[j] = static_cast<float>(round_to(w[j], kWeightScale));
  result.evaluation = evaluate(test_set, [&](const Example& e) {
    extract_features(e.text, e.kind, fv);
    return sigmoid(linear_score(result.weights.data(), fv)) >= options.threshold;
  });
  result.heuristic_baseline = evaluate(test_set, [](const Example& e) { return heuristic_non_descriptive(e.text, e.kind); });
  return result;
}

std::string model_json(const TrainResult& r, const std::string& version, const TrainOptions& o,
                       const std::string& dataset_name) {
  const auto round4 = [](double v) { return round_to(v, 1e4); };
  const auto eval_json = [&](const Evaluation& e) {
    return "{\"accuracy\": " + number(round4(e.accuracy)) + ", \"precision\": " + number(round4(e.precision)) +
           ", \"recall\": " + number(round4(e.recall)) + ", \"f1\": " + number(round4(e.f1)) +
           ", \"test_examples\": " + std::to_string(e.test_examples) + "}";
  };
  std::ostringstream out;
  out << "{\n";
  out << "  \"name\": \"text-quality\",\n";
  out << "  \"version\": " << nlohmann::json(version).dump() << ",\n";
  out << "  \"format\": \"" << kFeatureFormat << "\",\n";
  out << "  \"description\": \"Logistic regression: is a link text or alt text non-descriptive?\",\n";
  out << "  \"features\": {\"dense\": " << kDenseFeatures << ", \"hash_buckets\": " << kHashBuckets
      << ", \"char_ngrams\": [3, 4], \"words\": [\"unigram\", \"unigram_by_kind\", \"bigram\"], \"dense_names\": [";
  for (std::size_t i = 0; i < kDenseFeatureNames.size(); ++i) out << (i ? ", " : "") << '"' << kDenseFeatureNames[i] << '"';
  out << "]},\n";
  out << "  \"threshold\": " << number(o.threshold) << ",\n";
  out << "  \"evaluation\": " << eval_json(r.evaluation) << ",\n";
  out << "  \"training\": {\"dataset\": " << nlohmann::json(dataset_name).dump() << ", \"train_examples\": "
      << r.train_examples << ", \"split\": \"fnv1a(kind TAB normalized text) % 5 == 0 held out\", \"epochs\": " << o.epochs
      << ", \"learning_rate\": " << number(o.learning_rate) << ", \"l2\": " << number(o.l2) << ", \"seed\": " << o.seed
      << ", \"heuristic_baseline\": " << eval_json(r.heuristic_baseline) << "},\n";
  out << "  \"dense_weights\": [";
  for (std::size_t i = 0; i < kDenseFeatures; ++i) out << (i ? ", " : "") << number(round_to(r.weights[i], kWeightScale));
  out << "],\n  \"hashed_weights\": [";
  bool first = true;
  for (std::size_t b = 0; b < kHashBuckets; ++b) {
    const float v = r.weights[kDenseFeatures + b];
    if (v == 0.0f) continue;
    out << (first ? "\n    " : ",\n    ") << '[' << b << ", " << number(round_to(v, kWeightScale)) << ']';
    first = false;
  }
  out << "\n  ]\n}\n";
  return out.str();
}

}  // namespace a11y::ml
