// The cache component: Redis StatefulSet (AOF + RDB persistence, password from the generated Secret),
// its redis.conf ConfigMap, a redis_exporter sidecar and a headless Service.
#include <sstream>

#include "render_common.hpp"

namespace po::platform {

using namespace detail;

std::string render_redis_conf(const Platform& p) {
  const ManagedCache& cache = *p.spec.cache.managed;
  std::ostringstream c;
  c << "# redis.conf rendered by platform-operator for Platform " << p.metadata.namespace_ << "/" << p.metadata.name << ".\n"
    << "# The password is not here: redis-server gets --requirepass from the generated Secret at start.\n"
    << "bind 0.0.0.0\n"
    << "protected-mode yes\n"
    << "port " << kRedisPort << "\n"
    << "tcp-backlog 511\n"
    << "tcp-keepalive 300\n"
    << "timeout 0\n"
    << "daemonize no\n"
    << "loglevel notice\n"
    << "logfile \"\"\n"
    << "databases 16\n"
    << "dir /data\n\n"
    << "# RDB snapshots\n";
  if (cache.rdb) c << "save 900 1\nsave 300 10\nsave 60 10000\n";
  else c << "save \"\"\n";
  c << "stop-writes-on-bgsave-error yes\n"
    << "rdbcompression yes\n"
    << "rdbchecksum yes\n"
    << "dbfilename dump.rdb\n\n"
    << "# Append-only file\n"
    << "appendonly " << (cache.aof ? "yes" : "no") << "\n"
    << "appendfilename \"appendonly.aof\"\n"
    << "appenddirname \"appendonlydir\"\n"
    << "appendfsync everysec\n"
    << "auto-aof-rewrite-percentage 100\n"
    << "auto-aof-rewrite-min-size 64mb\n"
    << "aof-use-rdb-preamble yes\n\n"
    << "# Memory: the cache evicts least-recently-used keys beyond maxmemory\n"
    << "maxmemory " << cache.maxMemory << "\n"
    << "maxmemory-policy allkeys-lru\n";
  return c.str();
}

std::vector<DesiredObject> render_cache(const Platform& p) {
  if (!p.spec.cache.managed) return {};
  const ManagedCache& cache = *p.spec.cache.managed;
  const std::string name = names::redis(p);
  constexpr int kUser = 999;  // redis in the Debian-based redis image
  const bool persistent = cache.aof || cache.rdb;

  json cm = config_map(p, name, kRedis, {{"redis.conf", render_redis_conf(p)}});
  const std::string ping = "test \"$(redis-cli -h 127.0.0.1 -p " + std::to_string(kRedisPort) + " ping)\" = PONG";
  json redis = {
      {"name", "redis"},
      {"image", image_ref(p, p.spec.images.redis, kRedisImage)},
      {"imagePullPolicy", "IfNotPresent"},
      // $(REDIS_PASSWORD) is expanded by the kubelet from the env below; redis hides its arguments from ps.
      {"command", json::array({"redis-server", "/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"})},
      {"ports", json::array({{{"name", "redis"}, {"containerPort", kRedisPort}, {"protocol", "TCP"}}})},
      {"env", json::array({env_from_secret("REDIS_PASSWORD", name, "password"), env_from_secret("REDISCLI_AUTH", name, "password")})},
      {"resources", resources_json(cache.resources)},
      {"livenessProbe", tcp_probe("redis", 10, 3, 5)},
      {"readinessProbe", exec_probe(ping, 5, 3)},
      {"securityContext", container_security_context(kUser)},
      {"volumeMounts", json::array({{{"name", "config"}, {"mountPath", "/etc/redis"}, {"readOnly", true}},
                                    {{"name", "data"}, {"mountPath", "/data"}}})},
  };
  json exporter = {
      {"name", "exporter"},
      {"image", image_ref(p, p.spec.images.redisExporter, kRedisExporterImage)},
      {"imagePullPolicy", "IfNotPresent"},
      {"env", json::array({{{"name", "REDIS_ADDR"}, {"value", "redis://127.0.0.1:" + std::to_string(kRedisPort)}},
                           env_from_secret("REDIS_PASSWORD", name, "password")})},
      {"ports", json::array({{{"name", "metrics"}, {"containerPort", kRedisExporterPort}, {"protocol", "TCP"}}})},
      {"resources", resources_json({{"10m", "16Mi"}, {"100m", "64Mi"}})},
      {"livenessProbe", http_probe("/health", "metrics", 20, 3)},
      {"securityContext", container_security_context(59000)},
  };
  json volumes = json::array({{{"name", "config"}, {"configMap", {{"name", name}}}}});
  if (!persistent) volumes.push_back({{"name", "data"}, {"emptyDir", json::object()}});
  json spec = {
      {"serviceName", name},
      {"replicas", 1},
      {"selector", {{"matchLabels", selector_labels(p, kRedis)}}},
      {"updateStrategy", {{"type", "RollingUpdate"}}},
      {"persistentVolumeClaimRetentionPolicy",
       {{"whenDeleted", p.spec.whenDeleted == WhenDeleted::Delete ? "Delete" : "Retain"}, {"whenScaled", "Retain"}}},
      {"template",
       {{"metadata", {{"labels", labels(p, kRedis)}, {"annotations", {{kConfigHashAnnotation, config_hash(cm)}}}}},
        {"spec",
         {{"automountServiceAccountToken", false},
          {"securityContext", pod_security_context(kUser)},
          {"containers", json::array({redis, exporter})},
          {"volumes", volumes}}}}},
  };
  if (persistent) {
    json claim = {{"accessModes", json::array({"ReadWriteOnce"})}, {"resources", {{"requests", {{"storage", cache.storage.size}}}}}};
    if (!cache.storage.storageClassName.empty()) claim["storageClassName"] = cache.storage.storageClassName;
    spec["volumeClaimTemplates"] = json::array({{{"metadata", {{"name", "data"}, {"labels", labels(p, kRedis)}}}, {"spec", claim}}});
  }
  json ports = json::array({{{"name", "redis"}, {"port", kRedisPort}, {"targetPort", "redis"}, {"protocol", "TCP"}},
                            {{"name", "metrics"}, {"port", kRedisExporterPort}, {"targetPort", "metrics"}, {"protocol", "TCP"}}});
  std::vector<DesiredObject> out;
  out.push_back(desired(Tier::Data, false, cm));
  out.push_back(desired(Tier::Data, false, service(p, name, kRedis, ports, true)));
  out.push_back(desired(Tier::Data, false, {{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"metadata", object_meta(p, name, kRedis)}, {"spec", spec}}));
  return out;
}

}  // namespace po::platform
