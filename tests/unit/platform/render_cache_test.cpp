#include <doctest/doctest.h>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

TEST_CASE("cache: redis.conf persists with AOF and RDB and never holds the password") {
  const Platform p = sample();
  const std::string conf = render_redis_conf(p);
  CHECK(contains(conf, "\nappendonly yes\n"));
  CHECK(contains(conf, "\nappendfsync everysec\n"));
  CHECK(contains(conf, "\nsave 900 1\nsave 300 10\nsave 60 10000\n"));
  CHECK(contains(conf, "\nmaxmemory 384mb\n"));
  CHECK(contains(conf, "\ndir /data\n"));
  CHECK_FALSE(contains(conf, "\nrequirepass"));
}

TEST_CASE("cache: persistence switches") {
  Platform p = minimal();
  p.spec.cache.managed->aof = false;
  p.spec.cache.managed->rdb = false;
  const std::string conf = render_redis_conf(p);
  CHECK(contains(conf, "\nappendonly no\n"));
  CHECK(contains(conf, "\nsave \"\"\n"));
  // Nothing to persist: an emptyDir instead of a claim.
  const auto sts = find(render_cache(p), "StatefulSet", "minimal-redis");
  CHECK_FALSE(sts["spec"].contains("volumeClaimTemplates"));
}

TEST_CASE("cache: StatefulSet takes the password from the generated Secret on the command line") {
  const Platform p = sample();
  const auto objects = render_cache(p);
  const auto sts = find(objects, "StatefulSet", "a11y-redis");
  const auto redis = container(sts, "redis");
  CHECK(redis["command"] == nlohmann::json::array({"redis-server", "/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"}));
  CHECK(env_value(redis, "REDIS_PASSWORD") == R"({"secretKeyRef":{"key":"password","name":"a11y-redis"}})");
  CHECK(sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "2Gi");
  CHECK(find(objects, "ConfigMap", "a11y-redis")["data"]["redis.conf"] == render_redis_conf(p));
  CHECK(find(objects, "Service", "a11y-redis")["spec"]["ports"][0]["port"] == 6379);
  CHECK(container(sts, "exporter")["ports"][0]["containerPort"] == 9121);
}

TEST_CASE("cache: external renders nothing") {
  Platform p = minimal();
  p.spec.cache = {std::nullopt, SecretKeyRef{"cache", "url"}};
  CHECK(render_cache(p).empty());
}
