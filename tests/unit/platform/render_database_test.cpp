#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

TEST_CASE("database: StatefulSet with volumeClaimTemplates, headless Service and credentials from the Secret") {
  const Platform p = sample();
  const auto objects = render_database(p);
  const auto svc = find(objects, "Service", "a11y-postgres");
  CHECK(svc["spec"]["clusterIP"] == "None");
  const auto sts = find(objects, "StatefulSet", "a11y-postgres");
  CHECK(sts["spec"]["serviceName"] == "a11y-postgres");
  CHECK(sts["spec"]["replicas"] == 1);
  const auto& vct = sts["spec"]["volumeClaimTemplates"][0];
  CHECK(vct["metadata"]["name"] == "data");
  CHECK(vct["spec"]["resources"]["requests"]["storage"] == "20Gi");
  CHECK(sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Retain");
  const auto pg = container(sts, "postgres");
  CHECK(pg["image"] == "docker.io/library/postgres:16");
  CHECK(env_value(pg, "POSTGRES_PASSWORD") == R"({"secretKeyRef":{"key":"password","name":"a11y-postgres"}})");
  CHECK(env_value(pg, "PGDATA") == "/var/lib/postgresql/data/pgdata");
  CHECK(contains(pg["readinessProbe"]["exec"]["command"][2].get<std::string>(), "pg_isready"));
  CHECK(pg["securityContext"]["runAsNonRoot"] == true);
  CHECK(container(sts, "exporter")["ports"][0]["containerPort"] == 9187);
  for (const auto& o : objects) CHECK_FALSE(o.stateless);
}

TEST_CASE("database: backup CronJob dumps to its own PVC and keeps backup.retain dumps") {
  const Platform p = sample();
  const auto objects = render_database(p);
  const auto pvc = find(objects, "PersistentVolumeClaim", "a11y-postgres-backup");
  CHECK(pvc["spec"]["resources"]["requests"]["storage"] == "40Gi");
  CHECK_FALSE(pvc["metadata"].contains("ownerReferences"));  // Retain: garbage collection must not take it
  const auto cron = find(objects, "CronJob", "a11y-postgres-backup");
  CHECK(cron["spec"]["schedule"] == "30 2 * * *");
  CHECK(cron["spec"]["concurrencyPolicy"] == "Forbid");
  const auto c = container(cron, "pg-dump");
  CHECK(env_value(c, "BACKUP_RETAIN") == "7");
  const std::string script = c["command"][2];
  CHECK(contains(script, "pg_dump --format=custom"));
  CHECK(contains(script, "tail -n +$((BACKUP_RETAIN + 1))"));
  const auto& pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  CHECK(pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "a11y-postgres-backup");
}

TEST_CASE("database: whenDeleted=Delete lets the claims go with the Platform") {
  Platform p = sample();
  p.spec.whenDeleted = WhenDeleted::Delete;
  const auto objects = render_database(p);
  CHECK(find(objects, "StatefulSet", "a11y-postgres")["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Delete");
  CHECK(find(objects, "PersistentVolumeClaim", "a11y-postgres-backup")["metadata"]["ownerReferences"][0]["kind"] == "Platform");
}

TEST_CASE("database: external or without backups") {
  Platform p = minimal();
  p.spec.database.managed->backup.enabled = false;
  CHECK_FALSE(has(render_database(p), "CronJob", "minimal-postgres-backup"));
  p.spec.database = {std::nullopt, SecretKeyRef{"db", "url"}};
  CHECK(render_database(p).empty());
}

TEST_CASE("the backup script keeps exactly the newest `retain` dumps") {
  // Runs the rendered script's pruning line on a scratch directory with /bin/sh.
  const Platform p = minimal();
  const std::string script = container(find(render_database(p), "CronJob", "minimal-postgres-backup"), "pg-dump")["command"][2];
  const auto start = script.find("ls -1 /backup/");
  REQUIRE(start != std::string::npos);
  std::string prune = script.substr(start, script.find('\n', start) - start);
  const std::string dir = "/tmp/po-backup-test-" + std::to_string(::getpid());
  for (std::size_t pos; (pos = prune.find("/backup/")) != std::string::npos;) prune.replace(pos, 8, dir + "/");
  std::string setup = "rm -rf " + dir + " && mkdir -p " + dir + " && cd " + dir + " && for d in 01 02 03 04 05 06 07 08 09 10; do : > platform-202601${d}T000000Z.dump; done";
  REQUIRE(std::system(setup.c_str()) == 0);
  REQUIRE(std::system(("BACKUP_RETAIN=3 sh -c '" + prune + "'").c_str()) == 0);
  const std::string count = "test $(ls " + dir + " | wc -l) -eq 3 && test -e " + dir + "/platform-20260110T000000Z.dump && test ! -e " + dir + "/platform-20260107T000000Z.dump";
  CHECK(std::system(count.c_str()) == 0);
  CHECK(std::system(("rm -rf " + dir).c_str()) == 0);
}
