#include <doctest/doctest.h>

#include "po/platform/volume_growth.hpp"

using namespace po::platform;
using nlohmann::json;

namespace {
json sts(const std::string& size, int replicas = 1) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "StatefulSet"},
          {"metadata", {{"name", "p-postgres"}}},
          {"spec", {{"replicas", replicas},
                    {"volumeClaimTemplates", json::array({{{"metadata", {{"name", "data"}}},
                                                           {"spec", {{"accessModes", json::array({"ReadWriteOnce"})},
                                                                     {"resources", {{"requests", {{"storage", size}}}}}}}}})}}}};
}
ClaimState claim(const std::string& requested, const std::string& cls, std::optional<bool> expands) {
  return {"data-p-postgres-0", "data", requested, cls, expands};
}
}  // namespace

TEST_CASE("volume growth: claim names and template sizes of a StatefulSet") {
  CHECK(claim_template_sizes(sts("1Gi")) == std::map<std::string, std::string>{{"data", "1Gi"}});
  CHECK(stateful_claim_names(sts("1Gi", 2)) == std::vector<std::string>{"data-p-postgres-0", "data-p-postgres-1"});
  CHECK(claim_template_sizes(json::object()).empty());
}

TEST_CASE("volume growth: unchanged templates need nothing") {
  auto plan = plan_volume_growth(sts("1Gi"), sts("1Gi"), {claim("1Gi", "standard", true)});
  CHECK_FALSE(plan.changed);
  CHECK(plan.grow.empty());
  CHECK(plan.refused.empty());
  // The API server's canonical form of the same quantity is the same size (no re-creation loop).
  CHECK(same_claim_sizes(sts("1024Mi"), sts("1Gi")));
  CHECK_FALSE(same_claim_sizes(sts("1025Mi"), sts("1Gi")));
  plan = plan_volume_growth(sts("1024Mi"), sts("1Gi"), {claim("1Gi", "standard", true)});
  CHECK_FALSE(plan.changed);
}

TEST_CASE("volume growth: a claim whose StorageClass allows expansion grows") {
  const auto plan = plan_volume_growth(sts("2Gi"), sts("1Gi"), {claim("1Gi", "standard", true)});
  CHECK(plan.changed);
  CHECK(plan.refused.empty());
  REQUIRE(plan.grow.size() == 1);
  CHECK(plan.grow[0] == std::pair<std::string, std::string>{"data-p-postgres-0", "2Gi"});
  // Already at the size (an earlier pass grew it): nothing to patch, the StatefulSet is still re-created.
  const auto again = plan_volume_growth(sts("2Gi"), sts("1Gi"), {claim("2048Mi", "standard", true)});
  CHECK(again.changed);
  CHECK(again.grow.empty());
  CHECK(again.refused.empty());
}

TEST_CASE("volume growth: says why a claim cannot grow, and then grows nothing") {
  auto plan = plan_volume_growth(sts("2Gi"), sts("1Gi"), {claim("1Gi", "fixed", false)});
  CHECK(plan.grow.empty());
  REQUIRE(plan.refused.size() == 1);
  CHECK(plan.refused[0] ==
        "claim data-p-postgres-0 cannot grow from 1Gi to 2Gi: its StorageClass fixed does not allow volume expansion "
        "(allowVolumeExpansion is not true)");
  plan = plan_volume_growth(sts("2Gi"), sts("1Gi"), {claim("1Gi", "gone", std::nullopt)});
  REQUIRE(plan.refused.size() == 1);
  CHECK(plan.refused[0].find("its StorageClass gone does not exist") != std::string::npos);
  plan = plan_volume_growth(sts("2Gi"), sts("1Gi"), {claim("1Gi", "", std::nullopt)});
  REQUIRE(plan.refused.size() == 1);
  CHECK(plan.refused[0].find("has no StorageClass") != std::string::npos);
  // One claim that cannot grow keeps the others from growing: the StatefulSet is re-created once.
  ClaimState second{"data-p-postgres-1", "data", "1Gi", "standard", true};
  plan = plan_volume_growth(sts("2Gi", 2), sts("1Gi", 2), {claim("1Gi", "fixed", false), second});
  CHECK(plan.grow.empty());
  CHECK(plan.refused.size() == 1);
}

TEST_CASE("volume growth: shrinking is refused") {
  const auto plan = plan_volume_growth(sts("512Mi"), sts("1Gi"), {claim("1Gi", "standard", true)});
  CHECK(plan.grow.empty());
  REQUIRE(plan.refused.size() == 1);
  CHECK(plan.refused[0] == "volumeClaimTemplate data asks 512Mi, less than its 1Gi: volumes cannot shrink");
}

TEST_CASE("volume growth: the rendered StatefulSet with the live sizes keeps everything else") {
  json desired = sts("2Gi");
  desired["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"] = {{"a", "b"}};
  json live_slim = {{"spec", {{"volumeClaimTemplates", json::array({{{"metadata", {{"name", "data"}}},
                                                                     {"spec", {{"resources", {{"requests", {{"storage", "1Gi"}}}}}}}}})}}}};
  const auto out = with_live_claim_templates(desired, live_slim);
  CHECK(out["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "1Gi");
  CHECK(out["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]["a"] == "b");
  CHECK(out["spec"]["volumeClaimTemplates"][0]["spec"]["accessModes"] == json::array({"ReadWriteOnce"}));
}
