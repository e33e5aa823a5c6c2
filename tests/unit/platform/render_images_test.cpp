#include <doctest/doctest.h>

#include <set>

#include "../../../operator/platform/render_common.hpp"
#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

namespace {
// Every container of every workload, as (kind/name/container, image, pullPolicy, pod spec).
struct ContainerSeen {
  std::string where;
  std::string image;
  std::string pullPolicy;
  nlohmann::json pod;
};
std::vector<ContainerSeen> containers(const std::vector<DesiredObject>& objects) {
  std::vector<ContainerSeen> out;
  for (const auto& o : objects) {
    const auto& m = o.manifest;
    const std::string kind = m["kind"];
    nlohmann::json pod;
    if (kind == "Deployment" || kind == "StatefulSet") pod = m["spec"]["template"]["spec"];
    else if (kind == "CronJob") pod = m["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    else continue;
    for (const auto& c : pod["containers"])
      out.push_back({kind + "/" + m["metadata"]["name"].get<std::string>() + "/" + c["name"].get<std::string>(), c["image"],
                     c.value("imagePullPolicy", ""), pod});
  }
  return out;
}
}  // namespace

TEST_CASE("images: a registry replaces the host of a reference, or goes in front of a Docker Hub short name") {
  using po::platform::detail::with_registry;
  CHECK(with_registry("docker.io/library/postgres:16", "") == "docker.io/library/postgres:16");
  CHECK(with_registry("docker.io/library/postgres:16", "mirror.internal:5000") == "mirror.internal:5000/library/postgres:16");
  CHECK(with_registry("quay.io/prometheus/prometheus:v3.5.0", "mirror.internal/quay/") == "mirror.internal/quay/prometheus/prometheus:v3.5.0");
  CHECK(with_registry("localhost/x/y:1", "reg.example") == "reg.example/x/y:1");
  CHECK(with_registry("library/redis:7.4", "reg.example") == "reg.example/library/redis:7.4");
  CHECK(with_registry("redis:7.4", "reg.example") == "reg.example/redis:7.4");
}

TEST_CASE("images: spec.images.registry moves every default image to the mirror; explicit references stay") {
  const Platform p = platform_from_yaml(R"(
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: m, namespace: ns}
spec:
  version: "1.0.0"
  api: {image: "my.registry/team/api:7"}
  images: {registry: "mirror.internal:5000", pullPolicy: Always}
)");
  const auto seen = containers(render(p));
  REQUIRE(seen.size() >= 8);
  for (const auto& c : seen) {
    CAPTURE(c.where);
    CHECK(c.pullPolicy == "Always");
    if (c.where.rfind("Deployment/m-api/", 0) == 0) CHECK(c.image == "my.registry/team/api:7");
    else CHECK(c.image.rfind("mirror.internal:5000/", 0) == 0);
  }
}

TEST_CASE("images and scheduling: the local sample runs only its own images, only on the real node") {
  const Platform p = sample("platform-local.yaml");
  const auto seen = containers(render(p));
  REQUIRE_FALSE(seen.empty());
  std::set<std::string> images;
  for (const auto& c : seen) {
    CAPTURE(c.where);
    CHECK(c.image.rfind("localhost/platform-local/", 0) == 0);
    CHECK(c.pullPolicy == "IfNotPresent");
    CHECK(c.pod["nodeSelector"]["platform.a11y.dev/node"] == "real");
    REQUIRE(c.pod["tolerations"].size() == 1);
    CHECK(c.pod["tolerations"][0]["key"] == "platform.a11y.dev/real-node");
    CHECK(c.pod["tolerations"][0]["operator"] == "Exists");
    images.insert(c.image);
  }
  CHECK(images.count("localhost/platform-local/postgres:15") == 1);
  CHECK(images.count("localhost/platform-local/platform-api:dev") == 1);
  CHECK(images.count("localhost/platform-local/alertmanager:debian12") == 1);
}

TEST_CASE("scheduling: without spec.scheduling no pod gets a node selector or tolerations") {
  for (const auto& c : containers(render(minimal()))) {
    CAPTURE(c.where);
    CHECK_FALSE(c.pod.contains("nodeSelector"));
    CHECK_FALSE(c.pod.contains("tolerations"));
  }
}
