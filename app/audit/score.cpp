#include <algorithm>
#include <cmath>

#include "audit/rule.hpp"

namespace a11y::audit {

// Each impact class costs its weight for the first finding and 80% of the previous cost for each further
// one, so a class can take at most 5x its weight: one critical problem costs 20 points, a page with many
// minor ones never drops below 90 on their account alone.
double score_from_counts(const std::size_t* counts) {
  constexpr double kWeight[4] = {2.0, 5.0, 10.0, 20.0};   // minor, moderate, serious, critical
  constexpr double kDecay = 0.8;
  double penalty = 0.0;
  for (int i = 0; i < 4; ++i)
    penalty += kWeight[i] * (1.0 - std::pow(kDecay, static_cast<double>(counts[i]))) / (1.0 - kDecay);
  return std::clamp(std::round((100.0 - penalty) * 10.0) / 10.0, 0.0, 100.0);
}

}  // namespace a11y::audit
