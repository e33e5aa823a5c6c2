#include <doctest/doctest.h>

#include "po/runtime/events.hpp"

using namespace po::runtime;
using namespace std::chrono_literals;
using Action = EventAggregator::Action;

TEST_CASE("a repeating event updates one series instead of creating new Events") {
  EventAggregator agg(30s, 30min);
  const auto t0 = EventAggregator::Clock::time_point{} + 1h;
  auto d = agg.observe("k", t0);
  CHECK(d.action == Action::Create);
  agg.created("k", "obj.abc", t0);
  d = agg.observe("k", t0 + 1s);
  CHECK(d.action == Action::Skip);  // within the update interval: only counted
  CHECK(d.count == 2);
  d = agg.observe("k", t0 + 2s);
  CHECK(d.action == Action::Skip);
  d = agg.observe("k", t0 + 31s);
  CHECK(d.action == Action::UpdateSeries);
  CHECK(d.name == "obj.abc");
  CHECK(d.count == 4);
  CHECK(agg.observe("k", t0 + 32s).action == Action::Skip);
  CHECK(agg.observe("other", t0 + 32s).action == Action::Create);
  // After the series window a new Event starts.
  CHECK(agg.observe("k", t0 + 31min).action == Action::Create);
}

TEST_CASE("forget and capacity") {
  EventAggregator agg(30s, 30min, 2);
  const auto t0 = EventAggregator::Clock::time_point{} + 1h;
  agg.created("a", "a.1", t0);
  agg.created("b", "b.1", t0);
  agg.created("c", "c.1", t0);  // evicts the least recent ("a")
  CHECK(agg.size() == 2);
  CHECK(agg.observe("a", t0 + 1min).action == Action::Create);
  CHECK(agg.observe("c", t0 + 1min).action == Action::UpdateSeries);
  agg.forget("c");
  CHECK(agg.observe("c", t0 + 2min).action == Action::Create);
}
