#include <doctest/doctest.h>

#include "po/platform/conditions.hpp"

using po::platform::Condition;
using Conditions = std::vector<Condition>;
using po::platform::set_condition;

TEST_CASE("set_condition keeps lastTransitionTime while the status holds") {
  Conditions conds;
  CHECK(set_condition(conds, {"Ready", "False", "Progressing", "waiting"}, 1, "2026-01-01T00:00:00Z"));
  CHECK(conds.size() == 1);
  CHECK(conds[0].lastTransitionTime == "2026-01-01T00:00:00Z");

  // Same status, new message and generation: changed, but the transition time stays.
  CHECK(set_condition(conds, {"Ready", "False", "Progressing", "still waiting"}, 2, "2026-01-01T00:05:00Z"));
  CHECK(conds[0].lastTransitionTime == "2026-01-01T00:00:00Z");
  CHECK(conds[0].observedGeneration == 2);
  CHECK(conds[0].message == "still waiting");

  // Nothing new: no change reported, so no status write follows.
  CHECK_FALSE(set_condition(conds, {"Ready", "False", "Progressing", "still waiting"}, 2, "2026-01-01T00:06:00Z"));

  // Status flips: the transition time moves.
  CHECK(set_condition(conds, {"Ready", "True", "Available", "all components ready"}, 2, "2026-01-01T00:07:00Z"));
  CHECK(conds[0].lastTransitionTime == "2026-01-01T00:07:00Z");
  CHECK(po::platform::condition_is(conds, "Ready", "True"));
}

TEST_CASE("conditions of different types live side by side and can be removed") {
  Conditions conds;
  set_condition(conds, {"Ready", "True", "Available", ""}, 1, "t1");
  set_condition(conds, {"Stalled", "True", "InvalidSpec", "bad"}, 1, "t1");
  CHECK(conds.size() == 2);
  CHECK(po::platform::find_condition(conds, "Stalled") != nullptr);
  CHECK(po::platform::remove_condition(conds, "Stalled"));
  CHECK_FALSE(po::platform::remove_condition(conds, "Stalled"));
  CHECK(conds.size() == 1);
  CHECK(po::platform::find_condition(conds, "Stalled") == nullptr);
}
