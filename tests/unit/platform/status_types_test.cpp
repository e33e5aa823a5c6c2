// The typed status against the CRD: every field the CRD's status schema has is read and written back
// as it was, so a field added to the CRD and not to PlatformStatus fails here.
#include <doctest/doctest.h>

#include "crd_schema.hpp"
#include "po/platform/status_types.hpp"

using namespace po::platform;
using nlohmann::json;

namespace {
// A value for every property of `schema`, each string distinct by its path, lists of two items.
json every_field(const json& schema, const std::string& path) {
  const auto type = schema.value("type", "");
  if (type == "object") {
    json out = json::object();
    const json properties = schema.value("properties", json::object());
    for (const auto& [key, child] : properties.items()) {
      out[key] = every_field(child, path + "." + key);
    }
    return out;
  }
  if (type == "array") return json::array({every_field(schema["items"], path + "[0]"), every_field(schema["items"], path + "[1]")});
  if (type == "integer") return static_cast<std::int64_t>(path.size());
  if (type == "boolean") return path.size() % 2 == 0;
  if (schema.contains("enum")) return schema["enum"].back();
  if (schema.value("format", "") == "date-time") return "2026-01-02T03:04:" + std::to_string(10 + path.size() % 50) + "Z";
  return "value of " + path;
}
}  // namespace

TEST_CASE("every field of the CRD's status round-trips through PlatformStatus") {
  const json full = every_field(po::platform::testing::platform_status_schema(), "status");
  REQUIRE(full.contains("history"));
  REQUIRE(full["components"].size() == 6);
  const auto typed = full.get<PlatformStatus>();
  CHECK(json(typed) == full);
  CHECK(json(typed).get<PlatformStatus>() == typed);
  CHECK(typed.history.back().result == RolloutResult::Superseded);
  CHECK(typed.conditions.size() == 2);
}

TEST_CASE("a status read from an object without one, or with fields of another type, is empty there") {
  CHECK(json::object().get<PlatformStatus>() == PlatformStatus{});
  CHECK(json(nullptr).get<PlatformStatus>() == PlatformStatus{});
  const auto odd = json{{"observedGeneration", "3"}, {"revision", "abc"}, {"history", json::object()}, {"unknown", 1}}
                       .get<PlatformStatus>();
  CHECK(odd == PlatformStatus{});
  CHECK(json(PlatformStatus{}) == json::object());
}

TEST_CASE("rollout results are the CRD's enum") {
  for (const auto result : {RolloutResult::Progressing, RolloutResult::Succeeded, RolloutResult::Failed, RolloutResult::Superseded}) {
    CHECK(parse_rollout_result(to_string(result)) == result);
  }
  CHECK_FALSE(parse_rollout_result("Unknown"));
}
