// The database component: PostgreSQL StatefulSet with volumeClaimTemplates, headless Service, a
// postgres-exporter sidecar, and the backup CronJob writing pg_dump files to a volume of its own.
#include "render_common.hpp"

namespace po::platform {

using namespace detail;

namespace {

constexpr int kPostgresUser = 999;  // postgres in the Debian-based postgres image


json credentials_env(const Platform& p, std::string_view user_var, std::string_view password_var) {
  const std::string secret = names::postgres(p);
  return json::array({env_from_secret(user_var, secret, "username"), env_from_secret(password_var, secret, "password")});
}

json backup_cron_job(const Platform& p, const ManagedDatabase& db) {
  const std::string name = names::backup(p);
  // Dumps are written under a temporary name and renamed, so a failed dump never counts as a kept one;
  // then all but the newest `retain` dumps are deleted.
  const std::string script =
      "set -eu\n"
      "stamp=$(date -u +%Y%m%dT%H%M%SZ)\n"
      "pg_dump --format=custom --file=\"/backup/platform-$stamp.dump.partial\"\n"
      "mv \"/backup/platform-$stamp.dump.partial\" \"/backup/platform-$stamp.dump\"\n"
      "ls -1 /backup/platform-*.dump | sort -r | tail -n +$((BACKUP_RETAIN + 1)) | xargs -r rm -f --\n"
      "echo \"backup platform-$stamp.dump written; keeping the newest $BACKUP_RETAIN\"\n";
  json env = credentials_env(p, "PGUSER", "PGPASSWORD");
  env.push_back({{"name", "PGHOST"}, {"value", names::postgres(p)}});
  env.push_back({{"name", "PGPORT"}, {"value", std::to_string(kPostgresPort)}});
  env.push_back(env_from_secret("PGDATABASE", names::postgres(p), "database"));
  env.push_back({{"name", "BACKUP_RETAIN"}, {"value", std::to_string(db.backup.retain)}});
  json container = {
      {"name", "pg-dump"},
      {"image", postgres_image(p, db.version)},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", json::array({"sh", "-c", script})},
      {"env", env},
      {"resources", resources_json({{"50m", "64Mi"}, {"500m", "256Mi"}})},
      {"securityContext", container_security_context(kPostgresUser)},
      {"volumeMounts", json::array({{{"name", "backup"}, {"mountPath", "/backup"}}})},
  };
  json pod = {
      {"metadata", {{"labels", labels(p, kBackup)}}},
      {"spec",
       {{"restartPolicy", "OnFailure"},
        {"automountServiceAccountToken", false},
        {"securityContext", pod_security_context(kPostgresUser)},
        {"containers", json::array({container})},
        {"volumes", json::array({{{"name", "backup"}, {"persistentVolumeClaim", {{"claimName", name}}}}})}}},
  };
  return {{"apiVersion", "batch/v1"},
          {"kind", "CronJob"},
          {"metadata", object_meta(p, name, kBackup)},
          {"spec",
           {{"schedule", db.backup.schedule},
            {"timeZone", "Etc/UTC"},
            {"concurrencyPolicy", "Forbid"},
            {"startingDeadlineSeconds", 3600},
            {"successfulJobsHistoryLimit", 3},
            {"failedJobsHistoryLimit", 3},
            {"jobTemplate", {{"metadata", {{"labels", labels(p, kBackup)}}}, {"spec", {{"backoffLimit", 2}, {"activeDeadlineSeconds", 3600}, {"template", pod}}}}}}}};
}

}  // namespace

std::vector<DesiredObject> render_database(const Platform& p) {
  if (!p.spec.database.managed) return {};
  const ManagedDatabase& db = *p.spec.database.managed;
  const std::string name = names::postgres(p);
  const std::string secret = names::postgres(p);

  json env = credentials_env(p, "POSTGRES_USER", "POSTGRES_PASSWORD");
  env.push_back(env_from_secret("POSTGRES_DB", secret, "database"));
  env.push_back({{"name", "PGDATA"}, {"value", "/var/lib/postgresql/data/pgdata"}});
  const std::string ready = "pg_isready -h 127.0.0.1 -p " + std::to_string(kPostgresPort) + " -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\"";
  json postgres = {
      {"name", "postgres"},
      {"image", postgres_image(p, db.version)},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", json::array({{{"name", "postgres"}, {"containerPort", kPostgresPort}, {"protocol", "TCP"}}})},
      {"env", env},
      {"resources", resources_json(db.resources)},
      {"startupProbe", exec_probe(ready, 5, 60)},
      {"livenessProbe", exec_probe(ready, 15, 4)},
      {"readinessProbe", exec_probe(ready, 5, 3)},
      {"securityContext", container_security_context(kPostgresUser)},
      {"volumeMounts", json::array({{{"name", "data"}, {"mountPath", "/var/lib/postgresql/data"}},
                                    {{"name", "run"}, {"mountPath", "/var/run/postgresql"}},
                                    {{"name", "tmp"}, {"mountPath", "/tmp"}}})},
  };
  json exporter_env = credentials_env(p, "DATA_SOURCE_USER", "DATA_SOURCE_PASS");
  exporter_env.push_back({{"name", "DATA_SOURCE_URI"}, {"value", "127.0.0.1:" + std::to_string(kPostgresPort) + "/platform?sslmode=disable"}});
  json exporter = {
      {"name", "exporter"},
      {"image", image_ref(p, p.spec.images.postgresExporter, kPostgresExporterImage)},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", json::array({{{"name", "metrics"}, {"containerPort", kPostgresExporterPort}, {"protocol", "TCP"}}})},
      {"env", exporter_env},
      {"resources", resources_json({{"10m", "32Mi"}, {"200m", "128Mi"}})},
      {"livenessProbe", http_probe("/", "metrics", 20, 3)},
      {"securityContext", container_security_context(65534)},
  };
  json claim_spec = {{"accessModes", json::array({"ReadWriteOnce"})}, {"resources", {{"requests", {{"storage", db.storage.size}}}}}};
  if (!db.storage.storageClassName.empty()) claim_spec["storageClassName"] = db.storage.storageClassName;
  const std::string retention = p.spec.whenDeleted == WhenDeleted::Delete ? "Delete" : "Retain";
  json statefulset = {
      {"apiVersion", "apps/v1"},
      {"kind", "StatefulSet"},
      {"metadata", object_meta(p, name, kPostgres)},
      {"spec",
       {{"serviceName", name},
        {"replicas", 1},
        {"selector", {{"matchLabels", selector_labels(p, kPostgres)}}},
        {"podManagementPolicy", "OrderedReady"},
        {"updateStrategy", {{"type", "RollingUpdate"}}},
        {"persistentVolumeClaimRetentionPolicy", {{"whenDeleted", retention}, {"whenScaled", "Retain"}}},
        {"template",
         {{"metadata", {{"labels", labels(p, kPostgres)}}},
          {"spec",
           {{"automountServiceAccountToken", false},
            {"securityContext", pod_security_context(kPostgresUser)},
            {"terminationGracePeriodSeconds", 60},
            {"containers", json::array({postgres, exporter})},
            {"volumes", json::array({{{"name", "run"}, {"emptyDir", json::object()}}, {{"name", "tmp"}, {"emptyDir", json::object()}}})}}}}},
        {"volumeClaimTemplates", json::array({{{"metadata", {{"name", "data"}, {"labels", labels(p, kPostgres)}}}, {"spec", claim_spec}}})}}},
  };
  json ports = json::array({{{"name", "postgres"}, {"port", kPostgresPort}, {"targetPort", "postgres"}, {"protocol", "TCP"}},
                            {{"name", "metrics"}, {"port", kPostgresExporterPort}, {"targetPort", "metrics"}, {"protocol", "TCP"}}});

  std::vector<DesiredObject> out;
  out.push_back(desired(Tier::Data, false, service(p, name, kPostgres, ports, true)));
  out.push_back(desired(Tier::Data, false, statefulset));
  if (db.backup.enabled) {
    out.push_back(desired(Tier::Data, false, persistent_volume_claim(p, names::backup(p), kBackup, db.backup.storage)));
    out.push_back(desired(Tier::Data, false, backup_cron_job(p, db)));
  }
  return out;
}

}  // namespace po::platform
