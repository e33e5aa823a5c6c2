// Feature extraction of the text-quality model: hand features (dense) plus hashed character n-grams and
// word features. The training tool and the server share this code, so a model sees at serving time exactly
// what it saw in training. Fixed-size buffers only: extraction does not allocate.
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ml/text_quality.hpp"

namespace a11y::ml {

inline constexpr std::uint32_t kDenseFeatures = 16;
inline constexpr std::uint32_t kHashBuckets = 1u << 16;
inline constexpr std::uint32_t kFeatureCount = kDenseFeatures + kHashBuckets;
inline constexpr std::string_view kFeatureFormat = "hashed-logistic-v1";

// Names of the dense features, in index order (written to the model file so it explains itself).
extern const std::array<std::string_view, kDenseFeatures> kDenseFeatureNames;

struct FeatureVector {
  static constexpr std::size_t kCapacity = 640;
  std::array<std::uint32_t, kCapacity> index;
  std::array<float, kCapacity> value;
  std::size_t size = 0;
  void add(std::uint32_t i, float v) {
    if (size < kCapacity) { index[size] = i; value[size] = v; ++size; }
  }
};

void extract_features(std::string_view text, TextKind kind, FeatureVector& out);

// w . x for a dense weight array of kFeatureCount entries.
double linear_score(const float* weights, const FeatureVector& x);

inline double sigmoid(double z) {
  if (z >= 0) { const double e = std::exp(-z); return 1.0 / (1.0 + e); }
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// FNV-1a, 32 bit; also used for the deterministic train/held-out split.
std::uint32_t fnv1a(std::string_view bytes, std::uint32_t seed = 2166136261u);

}  // namespace a11y::ml
