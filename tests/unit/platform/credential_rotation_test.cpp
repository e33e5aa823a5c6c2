// The rotation of the generated client credentials: the pure decisions (credential_rotation.hpp).
#include <doctest/doctest.h>

#include "po/kube/config.hpp"
#include "po/platform/credential_rotation.hpp"
#include "po/platform/rollback.hpp"

using namespace po::platform;
using nlohmann::json;
using std::chrono::seconds;

namespace {
constexpr seconds kPropagation{120};
const long long kCreated = *parse_rfc3339_utc("2026-01-01T00:00:00Z");

json secret_with(std::map<std::string, std::string> annotations, json data = json::object()) {
  json s = {{"metadata", {{"name", "p-api-clients"}, {"resourceVersion", "42"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
            {"data", data}};
  if (!annotations.empty()) s["metadata"]["annotations"] = annotations;
  return s;
}
std::string at(long long t) { return po::kube::format_rfc3339(std::chrono::system_clock::time_point(seconds(t))); }
}  // namespace

TEST_CASE("rotation: nothing to do without a schedule or a new request") {
  const ClientCredentialsSpec spec;  // no schedule
  auto d = decide_rotation(secret_with({}), spec, std::nullopt, kPropagation, kCreated + 86400 * 365);
  CHECK(d.action == RotationAction::None);
  CHECK_FALSE(d.requeue_after.has_value());
  // A request already handled is not a new request.
  d = decide_rotation(secret_with({{std::string(kCredentialsRequestAnnotation), "one"}}), spec, "one", kPropagation, kCreated);
  CHECK(d.action == RotationAction::None);
}

TEST_CASE("rotation: a new value of the Platform's annotation stages one rotation") {
  const ClientCredentialsSpec spec;
  auto d = decide_rotation(secret_with({}), spec, "2026-05-01", kPropagation, kCreated + 10);
  CHECK(d.action == RotationAction::Stage);
  CHECK(d.trigger == "requested");
  CHECK(d.requeue_after == kPropagation);
  d = decide_rotation(secret_with({{std::string(kCredentialsRequestAnnotation), "one"}}), spec, "two", kPropagation, kCreated);
  CHECK(d.action == RotationAction::Stage);
  // An empty value is a value too, different from "not set".
  CHECK(decide_rotation(secret_with({}), spec, "", kPropagation, kCreated).action == RotationAction::None);
  CHECK(decide_rotation(secret_with({{std::string(kCredentialsRequestAnnotation), "x"}}), spec, "", kPropagation, kCreated).action ==
        RotationAction::Stage);
}

TEST_CASE("rotation: a schedule counts from the last rotation, or from the Secret's creation") {
  ClientCredentialsSpec spec;
  spec.rotateEverySeconds = 86400;
  auto d = decide_rotation(secret_with({}), spec, std::nullopt, kPropagation, kCreated + 3600);
  CHECK(d.action == RotationAction::None);
  CHECK(d.requeue_after == seconds(86400 - 3600));
  d = decide_rotation(secret_with({}), spec, std::nullopt, kPropagation, kCreated + 86400);
  CHECK(d.action == RotationAction::Stage);
  CHECK(d.trigger == "scheduled");
  const auto rotated = secret_with({{std::string(kCredentialsRotatedAnnotation), at(kCreated + 100000)}});
  d = decide_rotation(rotated, spec, std::nullopt, kPropagation, kCreated + 100000 + 86399);
  CHECK(d.action == RotationAction::None);
  CHECK(d.requeue_after == seconds(1));
  CHECK(decide_rotation(rotated, spec, std::nullopt, kPropagation, kCreated + 100000 + 86400).action == RotationAction::Stage);
}

TEST_CASE("rotation: staged -> promoted after the propagation delay -> retired after the overlap") {
  ClientCredentialsSpec spec;
  spec.overlapSeconds = 3600;
  const long long t = kCreated + 5000;
  const auto staged = secret_with({{std::string(kCredentialsPhaseAnnotation), "Staged"}, {std::string(kCredentialsPhaseSinceAnnotation), at(t)}});
  auto d = decide_rotation(staged, spec, "again", kPropagation, t + 60);
  CHECK(d.action == RotationAction::None);  // a new request waits for the rotation under way
  CHECK(d.requeue_after == seconds(60));
  d = decide_rotation(staged, spec, std::nullopt, kPropagation, t + 120);
  CHECK(d.action == RotationAction::Promote);
  CHECK(d.requeue_after == seconds(3600));

  const auto promoted = secret_with({{std::string(kCredentialsPhaseAnnotation), "Promoted"},
                                     {std::string(kCredentialsPhaseSinceAnnotation), at(t + 120)},
                                     {std::string(kCredentialsRotatedAnnotation), at(t)}});
  d = decide_rotation(promoted, spec, std::nullopt, kPropagation, t + 120 + 3599);
  CHECK(d.action == RotationAction::None);
  CHECK(d.requeue_after == seconds(1));
  d = decide_rotation(promoted, spec, std::nullopt, kPropagation, t + 120 + 3600);
  CHECK(d.action == RotationAction::Retire);
  CHECK_FALSE(d.requeue_after.has_value());
  spec.rotateEverySeconds = 86400;  // with a schedule: look again when the next one is due
  d = decide_rotation(promoted, spec, std::nullopt, kPropagation, t + 120 + 3600);
  CHECK(d.action == RotationAction::Retire);
  CHECK(d.requeue_after == seconds(86400 - 120 - 3600));
}

TEST_CASE("rotation: the overlap is never shorter than the propagation delay; odd states are retired") {
  ClientCredentialsSpec spec;
  spec.overlapSeconds = 60;
  CHECK(effective_overlap(spec, seconds(300)) == seconds(300));
  CHECK(effective_overlap(spec, seconds(5)) == seconds(60));
  const auto promoted = secret_with({{std::string(kCredentialsPhaseAnnotation), "Promoted"}, {std::string(kCredentialsPhaseSinceAnnotation), at(kCreated)}});
  CHECK(decide_rotation(promoted, spec, std::nullopt, seconds(300), kCreated + 299).action == RotationAction::None);
  CHECK(decide_rotation(promoted, spec, std::nullopt, seconds(300), kCreated + 300).action == RotationAction::Retire);
  CHECK(decide_rotation(secret_with({{std::string(kCredentialsPhaseAnnotation), "Sideways"}}), spec, std::nullopt, kPropagation, kCreated)
            .action == RotationAction::Retire);
  // A step without a readable start is over.
  CHECK(decide_rotation(secret_with({{std::string(kCredentialsPhaseAnnotation), "Staged"}}), spec, std::nullopt, kPropagation, kCreated)
            .action == RotationAction::Promote);
}

TEST_CASE("rotation: the patches move secrets between keys and touch nothing else") {
  const std::vector<std::string> clients = {"frontend", "users"};
  const long long t = kCreated + 7;
  const json data = {{"frontend", "b2xkLWZyb250ZW5k"}, {"users", "b2xkLXVzZXJz"}};
  auto patch = rotation_patch(secret_with({}, data), RotationAction::Stage, clients,
                              {{"frontend", "new-frontend-secret"}, {"users", "new-users-secret-x"}}, "r1", t);
  CHECK(patch["metadata"]["resourceVersion"] == "42");
  CHECK(patch["data"] == json{{"frontend.next", "bmV3LWZyb250ZW5kLXNlY3JldA=="}, {"users.next", "bmV3LXVzZXJzLXNlY3JldC14"}});
  CHECK(patch["metadata"]["annotations"][std::string(kCredentialsPhaseAnnotation)] == "Staged");
  CHECK(patch["metadata"]["annotations"][std::string(kCredentialsPhaseSinceAnnotation)] == at(t));
  CHECK(patch["metadata"]["annotations"][std::string(kCredentialsRotatedAnnotation)] == at(t));
  CHECK(patch["metadata"]["annotations"][std::string(kCredentialsRequestAnnotation)] == "r1");

  json staged = data;
  staged["frontend.next"] = "bmV3";
  staged["users.next"] = "bmV3Mg==";
  staged["unrelated"] = "eA==";
  patch = rotation_patch(secret_with({}, staged), RotationAction::Promote, clients, {}, std::nullopt, t + 120);
  CHECK(patch["data"] == json{{"frontend", "bmV3"}, {"frontend.previous", "b2xkLWZyb250ZW5k"}, {"frontend.next", nullptr},
                              {"users", "bmV3Mg=="}, {"users.previous", "b2xkLXVzZXJz"}, {"users.next", nullptr}});
  CHECK(patch["metadata"]["annotations"] == json{{std::string(kCredentialsPhaseAnnotation), "Promoted"},
                                                  {std::string(kCredentialsPhaseSinceAnnotation), at(t + 120)}});

  json promoted = {{"frontend", "bmV3"}, {"frontend.previous", "b2xk"}, {"users", "bmV3Mg=="}, {"users.previous", "b2xkMg=="}};
  patch = rotation_patch(secret_with({}, promoted), RotationAction::Retire, clients, {}, std::nullopt, t + 4000);
  CHECK(patch["data"] == json{{"frontend.previous", nullptr}, {"users.previous", nullptr}});
  CHECK(patch["metadata"]["annotations"] == json{{std::string(kCredentialsPhaseAnnotation), nullptr},
                                                  {std::string(kCredentialsPhaseSinceAnnotation), nullptr}});
  CHECK(rotation_patch(secret_with({}, data), RotationAction::None, clients, {}, std::nullopt, t).empty());
  CHECK(initial_rotation_annotations(std::nullopt).empty());
  CHECK(initial_rotation_annotations("r1") == std::map<std::string, std::string>{{std::string(kCredentialsRequestAnnotation), "r1"}});
}

TEST_CASE("rotation: spec.api.clientCredentials as stored, with what the CRD would refuse taken in bounds") {
  const auto spec_of = [](json credentials) {
    return client_credentials_spec({{"spec", {{"api", {{"clientCredentials", std::move(credentials)}}}}}});
  };
  CHECK(client_credentials_spec(json::object()).rotateEverySeconds == 0);
  CHECK(client_credentials_spec(json::object()).overlapSeconds == 3600);
  auto s = spec_of({{"rotateEverySeconds", 86400}, {"overlapSeconds", 600}});
  CHECK(s.rotateEverySeconds == 86400);
  CHECK(s.overlapSeconds == 600);
  CHECK(spec_of({{"overlapSeconds", 5}}).overlapSeconds == kMinCredentialOverlapSeconds);
  CHECK(spec_of({{"overlapSeconds", 99999999999LL}}).overlapSeconds == kMaxCredentialSeconds);
  CHECK(spec_of({{"rotateEverySeconds", 3600}}).rotateEverySeconds == 0);  // not longer than the default overlap
  CHECK(spec_of({{"rotateEverySeconds", "daily"}}).rotateEverySeconds == 0);
}
