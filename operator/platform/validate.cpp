// Semantic validation of a Platform: the CRD's rules again (so offline render agrees with the
// apiserver) plus what no schema can say.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include "po/platform/spec.hpp"
#include "regex.hpp"

namespace po::platform {
namespace {

const std::regex kDns1035Label("^[a-z]([-a-z0-9]*[a-z0-9])?$");
const std::regex kImageTag("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");
const std::regex kEnvName("^[A-Za-z_][A-Za-z0-9_]*$");
const std::regex kHost(R"(^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
// These two are written into nginx.conf: nothing outside the pattern (quotes, spaces, ';') may pass.
const std::regex kCidr(R"(^(([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])|[0-9a-fA-F:]*:[0-9a-fA-F:.]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$)");
const std::regex kOrigin(R"(^https?://[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$)");
const std::regex kHttpUrl(R"(^https?://[^\s/?#]+(/[^\s]*)?$)");
const std::regex kPgVersion(R"(^([0-9]{2})(\.[0-9]+)?$)");
const std::regex kRedisMemory("^[0-9]+(b|kb|mb|gb|k|m|g)?$");
const std::regex kPromDuration("^([0-9]+(ms|s|m|h|d|w|y))+$");

// PostgreSQL majors the operator knows how to run (image tags exist, exporter supports them).
constexpr int kMinPostgresMajor = 13;
constexpr int kMaxPostgresMajor = 17;

class Checker {
 public:
  void add(std::string field, std::string message) { errors.push_back({std::move(field), std::move(message)}); }
  std::vector<FieldError> errors;
};

void check_quantity(Checker& c, const std::string& field, const std::string& value) {
  if (!value.empty() && !parse_quantity_milli(value)) c.add(field, "\"" + value + "\" is not a Kubernetes quantity (examples: 500m, 2, 256Mi, 1Gi)");
}

void check_resources(Checker& c, const std::string& path, const Resources& r) {
  check_quantity(c, path + ".requests.cpu", r.requests.cpu);
  check_quantity(c, path + ".requests.memory", r.requests.memory);
  check_quantity(c, path + ".limits.cpu", r.limits.cpu);
  check_quantity(c, path + ".limits.memory", r.limits.memory);
  auto compare = [&](const std::string& name, const std::string& req, const std::string& lim) {
    if (req.empty() || lim.empty()) return;
    auto rq = parse_quantity_milli(req);
    auto lm = parse_quantity_milli(lim);
    if (rq && lm && *lm < *rq)
      c.add(path + ".limits." + name, "limits." + name + " must be greater than or equal to requests." + name + " (" + lim + " < " + req + ")");
  };
  compare("cpu", r.requests.cpu, r.limits.cpu);
  compare("memory", r.requests.memory, r.limits.memory);
}

void check_autoscaling(Checker& c, const std::string& path, const Autoscaling& a) {
  if (a.minReplicas < 1) c.add(path + ".minReplicas", "must be at least 1");
  if (a.maxReplicas < 1) c.add(path + ".maxReplicas", "must be at least 1");
  if (a.minReplicas > a.maxReplicas)
    c.add(path + ".minReplicas", "minReplicas must be less than or equal to maxReplicas (" + std::to_string(a.minReplicas) + " > " +
                                     std::to_string(a.maxReplicas) + ")");
  for (auto [name, value] : {std::pair{"targetCPUUtilizationPercentage", a.targetCPUUtilizationPercentage},
                             std::pair{"targetMemoryUtilizationPercentage", a.targetMemoryUtilizationPercentage}}) {
    if (value && (*value < 1 || *value > 100)) c.add(path + "." + name, "must be between 1 and 100");
  }
  if (a.enabled && !a.targetCPUUtilizationPercentage && !a.targetMemoryUtilizationPercentage)
    c.add(path, "autoscaling needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage");
}

void check_replicas(Checker& c, const std::string& field, std::int32_t value, std::int32_t min) {
  if (value < min || value > 1000) c.add(field, "must be between " + std::to_string(min) + " and 1000");
}

void check_storage_size(Checker& c, const std::string& field, const std::string& size) {
  auto q = parse_quantity_milli(size);
  if (!q) c.add(field, "\"" + size + "\" is not a storage size (examples: 1Gi, 500Mi)");
  else if (*q <= 0) c.add(field, "must be greater than zero");
}

// One cron field: lists of *, N, N-M, with optional /step, and 3-letter names where allowed.
bool valid_cron_field(const std::string& field, int lo, int hi, bool names) {
  static const std::regex item(R"(^(\*|[0-9]+|[a-zA-Z]{3})(-([0-9]+|[a-zA-Z]{3}))?(/[0-9]+)?$)");
  std::stringstream in(field);
  std::string part;
  bool any = false;
  while (std::getline(in, part, ',')) {
    any = true;
    std::smatch m;
    if (!std::regex_match(part, m, item)) return false;
    auto bound_ok = [&](const std::string& token) {
      if (token.empty() || token == "*") return true;
      if (std::isalpha(static_cast<unsigned char>(token[0]))) return names;
      int v = std::stoi(token);
      return v >= lo && v <= hi;
    };
    if (!bound_ok(m[1].str()) || !bound_ok(m[3].str())) return false;
    if (m[1].str() == "*" && m[3].matched) return false;
    if (m[4].matched && std::stoi(m[4].str().substr(1)) == 0) return false;
  }
  return any;
}

bool valid_cron(const std::string& schedule) {
  static const std::set<std::string> macros = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
  if (macros.count(schedule)) return true;
  std::stringstream in(schedule);
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5) return false;
  return valid_cron_field(fields[0], 0, 59, false) && valid_cron_field(fields[1], 0, 23, false) &&
         valid_cron_field(fields[2], 1, 31, false) && valid_cron_field(fields[3], 1, 12, true) &&
         valid_cron_field(fields[4], 0, 7, true);
}

void check_image(Checker& c, const std::string& field, const std::string& image) {
  if (image.empty()) return;
  if (std::any_of(image.begin(), image.end(), [](unsigned char ch) { return std::isspace(ch) != 0; })) {
    c.add(field, "an image reference may not contain whitespace");
    return;
  }
  // Upper case is allowed in a tag only, never in the repository part.
  const auto slash = image.rfind('/');
  const std::string repo = image.substr(0, image.find_first_of(":@", slash == std::string::npos ? 0 : slash));
  if (std::any_of(repo.begin(), repo.end(), [](unsigned char ch) { return std::isupper(ch) != 0; }))
    c.add(field, "the repository part of an image reference must be lower case");
}

// Label keys the operator sets on every pod: an extra label may not replace them (the first two are the
// selector labels of every workload, so a different value would orphan its pods).
const std::set<std::string> kOperatorLabels = {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
                                               "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by", "app.kubernetes.io/version"};
const std::regex kLabelKey(R"(^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$)");
const std::regex kLabelValue(R"(^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$)");
const std::regex kDns1123Subdomain(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");

void check_pod(Checker& c, const std::string& path, const PodSettings& pod) {
  for (const auto& [key, value] : pod.labels) {
    const std::string field = path + ".labels[" + key + "]";
    if (kOperatorLabels.count(key)) c.add(field, key + " is set by the operator and may not be overridden");
    else if (!std::regex_match(key, kLabelKey) || key.size() > 316) c.add(field, "\"" + key + "\" is not a label key");
    else if (value.size() > 63 || !std::regex_match(value, kLabelValue)) c.add(field, "\"" + value + "\" is not a label value");
  }
  for (const auto& annotation : pod.annotations)
    if (const std::string& key = annotation.first; key == "platform.a11y.dev/config-hash") c.add(path + ".annotations[" + key + "]", key + " is set by the operator and may not be overridden");
  if (pod.priorityClassName && !pod.priorityClassName->empty() &&
      (pod.priorityClassName->size() > 253 || !std::regex_match(*pod.priorityClassName, kDns1123Subdomain)))
    c.add(path + ".priorityClassName", "\"" + *pod.priorityClassName + "\" is not a PriorityClass name");
  if (pod.topologySpreadConstraints) {
    const auto& list = *pod.topologySpreadConstraints;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string field = path + ".topologySpreadConstraints[" + std::to_string(i) + "]";
      const auto& item = list[i];
      if (!item.is_object()) {
        c.add(field, "must be an object");
        continue;
      }
      if (!item.contains("maxSkew") || !item["maxSkew"].is_number_integer() || item["maxSkew"].get<std::int64_t>() < 1)
        c.add(field + ".maxSkew", "must be an integer of at least 1");
      if (!item.contains("topologyKey") || !item["topologyKey"].is_string() || item["topologyKey"].get<std::string>().empty())
        c.add(field + ".topologyKey", "is required");
      const std::string when = item.value("whenUnsatisfiable", "");
      if (when != "DoNotSchedule" && when != "ScheduleAnyway") c.add(field + ".whenUnsatisfiable", "must be DoNotSchedule or ScheduleAnyway");
    }
  }
}

// Extra env: names valid, not one the operator sets, not listed twice.
void check_env(Checker& c, const std::string& path, const std::vector<EnvVar>& env, const std::set<std::string>& reserved) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < env.size(); ++i) {
    const std::string field = path + "[" + std::to_string(i) + "].name";
    const std::string& name = env[i].name;
    if (!std::regex_match(name, kEnvName)) c.add(field, "\"" + name + "\" is not a valid environment variable name");
    else if (reserved.count(name)) c.add(field, name + " is set by the operator and may not be overridden");
    else if (!seen.insert(name).second) c.add(field, name + " is listed twice");
  }
}

// Redis memory sizes: k/m/g are powers of 1000, kb/mb/gb powers of 1024.
long double redis_bytes(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const long double value = std::stold(text.substr(0, digits));
  static const std::map<std::string, long double> units = {{"", 1.0L}, {"b", 1.0L}, {"k", 1e3L}, {"kb", 1024.0L},
                                                           {"m", 1e6L}, {"mb", 1048576.0L}, {"g", 1e9L}, {"gb", 1073741824.0L}};
  return value * units.at(text.substr(digits));
}

}  // namespace

std::optional<long double> parse_quantity_milli(std::string_view text) {
  static const std::regex pattern(
      R"(^([+-]?)([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$)");
  std::cmatch m;
  if (!std::regex_match(text.begin(), text.end(), m, pattern)) return std::nullopt;
  long double value = std::stold(m[2].str());
  if (m[1].str() == "-") value = -value;
  const std::string suffix = m[4].str();
  long double factor = 1;
  if (suffix.empty()) factor = 1;
  else if (suffix[0] == 'e' || suffix[0] == 'E') factor = std::pow(10.0L, std::stold(suffix.substr(1)));
  else {
    static const std::map<std::string, long double> factors = {
        {"Ki", 1024.0L}, {"Mi", std::pow(1024.0L, 2)}, {"Gi", std::pow(1024.0L, 3)}, {"Ti", std::pow(1024.0L, 4)},
        {"Pi", std::pow(1024.0L, 5)}, {"Ei", std::pow(1024.0L, 6)}, {"n", 1e-9L}, {"u", 1e-6L}, {"m", 1e-3L},
        {"k", 1e3L}, {"M", 1e6L}, {"G", 1e9L}, {"T", 1e12L}, {"P", 1e15L}, {"E", 1e18L}};
    factor = factors.at(suffix);
  }
  return value * factor * 1000.0L;
}

std::vector<FieldError> validate(const Platform& p) {
  Checker c;
  const auto& name = p.metadata.name;
  if (!std::regex_match(name, kDns1035Label))
    c.add("metadata.name", "must be a lower-case DNS label starting with a letter (child Services are named after it)");
  if (name.size() > kMaxPlatformNameLength)
    c.add("metadata.name", "must be at most " + std::to_string(kMaxPlatformNameLength) +
                               " characters so that child names (" + name + "-postgres-backup, StatefulSet pod labels) stay valid");

  const PlatformSpec& s = p.spec;
  if (!std::regex_match(s.version, kImageTag))
    c.add("spec.version", "must be a valid image tag (letters, digits, '_', '.', '-'; at most 128 characters)");

  // api
  check_image(c, "spec.api.image", s.api.image);
  check_replicas(c, "spec.api.replicas", s.api.replicas, 0);
  check_autoscaling(c, "spec.api.autoscaling", s.api.autoscaling);
  check_resources(c, "spec.api.resources", s.api.resources);
  check_env(c, "spec.api.env", s.api.env, kReservedApiEnv);
  check_pod(c, "spec.api.pod", s.api.pod);
  if (s.api.podDisruptionBudget.maxUnavailable < 1) c.add("spec.api.podDisruptionBudget.maxUnavailable", "must be at least 1");

  // frontend
  check_image(c, "spec.frontend.image", s.frontend.image);
  check_replicas(c, "spec.frontend.replicas", s.frontend.replicas, 0);
  check_autoscaling(c, "spec.frontend.autoscaling", s.frontend.autoscaling);
  check_resources(c, "spec.frontend.resources", s.frontend.resources);
  check_env(c, "spec.frontend.env", s.frontend.env, kReservedFrontendEnv);
  check_pod(c, "spec.frontend.pod", s.frontend.pod);

  // gateway
  const GatewaySpec& g = s.gateway;
  check_replicas(c, "spec.gateway.replicas", g.replicas, 1);
  if (g.apiPerMinute < 1) c.add("spec.gateway.rateLimits.apiPerMinute", "must be at least 1");
  if (g.authPerMinute < 1) c.add("spec.gateway.rateLimits.authPerMinute", "must be at least 1");
  if (!g.host.empty() && !std::regex_match(g.host, kHost)) c.add("spec.gateway.host", "\"" + g.host + "\" is not a valid host name");
  if (g.ingress && g.httpRouteParentRefs) c.add("spec.gateway", "set at most one of ingress and httpRoute");
  if (!g.enabled && (g.ingress || g.httpRouteParentRefs))
    c.add("spec.gateway.enabled", "ingress and httpRoute route to the gateway, which is disabled");
  if (g.ingress && g.tlsSecretName && g.host.empty()) c.add("spec.gateway.host", "is required when an Ingress terminates TLS");
  check_resources(c, "spec.gateway.resources", g.resources);
  check_pod(c, "spec.gateway.pod", g.pod);
  for (std::size_t i = 0; i < g.trustedProxies.size(); ++i)
    if (!std::regex_match(g.trustedProxies[i], kCidr))
      c.add("spec.gateway.trustedProxies[" + std::to_string(i) + "]", "\"" + g.trustedProxies[i] + "\" is not a CIDR such as 10.0.0.0/8");
  for (std::size_t i = 0; i < g.corsAllowedOrigins.size(); ++i)
    if (!std::regex_match(g.corsAllowedOrigins[i], kOrigin))
      c.add("spec.gateway.cors.allowedOrigins[" + std::to_string(i) + "]",
            "\"" + g.corsAllowedOrigins[i] + "\" is not an origin such as https://app.example.com");

  // database
  const DatabaseSpec& db = s.database;
  if (db.managed.has_value() == db.external.has_value()) c.add("spec.database", "set exactly one of database.managed and database.external");
  if (db.managed) {
    const ManagedDatabase& m = *db.managed;
    std::smatch match;
    if (!std::regex_match(m.version, match, kPgVersion)) {
      c.add("spec.database.managed.version", "\"" + m.version + "\" is not a PostgreSQL version (examples: 16, 16.4)");
    } else {
      const int major = std::stoi(match[1].str());
      if (major < kMinPostgresMajor || major > kMaxPostgresMajor)
        c.add("spec.database.managed.version", "PostgreSQL " + std::to_string(major) + " is not supported (supported: " +
                                                   std::to_string(kMinPostgresMajor) + " to " + std::to_string(kMaxPostgresMajor) + ")");
    }
    check_storage_size(c, "spec.database.managed.storage.size", m.storage.size);
    check_resources(c, "spec.database.managed.resources", m.resources);
    check_pod(c, "spec.database.managed.pod", m.pod);
    if (m.backup.enabled) {
      if (!valid_cron(m.backup.schedule))
        c.add("spec.database.managed.backup.schedule", "\"" + m.backup.schedule + "\" is not a cron schedule (five fields: minute hour day-of-month month day-of-week)");
      if (m.backup.retain < 1) c.add("spec.database.managed.backup.retain", "must be at least 1");
      check_storage_size(c, "spec.database.managed.backup.storage.size", m.backup.storage.size);
    }
  }

  // cache
  const CacheSpec& cache = s.cache;
  if (cache.managed.has_value() == cache.external.has_value()) c.add("spec.cache", "set exactly one of cache.managed and cache.external");
  if (cache.managed) {
    if (!std::regex_match(cache.managed->maxMemory, kRedisMemory))
      c.add("spec.cache.managed.maxMemory", "\"" + cache.managed->maxMemory + "\" is not a Redis memory size (examples: 256mb, 1gb)");
    else if (auto limit = parse_quantity_milli(cache.managed->resources.limits.memory);
             limit && redis_bytes(cache.managed->maxMemory) * 1000 >= *limit)
      c.add("spec.cache.managed.maxMemory", "maxMemory (" + cache.managed->maxMemory + ") must be below resources.limits.memory (" +
                                                cache.managed->resources.limits.memory + ") or Redis is killed before it evicts");
    if (cache.managed->aof || cache.managed->rdb) check_storage_size(c, "spec.cache.managed.storage.size", cache.managed->storage.size);
    check_resources(c, "spec.cache.managed.resources", cache.managed->resources);
    check_pod(c, "spec.cache.managed.pod", cache.managed->pod);
  }

  // monitoring
  const MonitoringSpec& mon = s.monitoring;
  if (!std::regex_match(mon.retention, kPromDuration)) c.add("spec.monitoring.prometheus.retention", "\"" + mon.retention + "\" is not a Prometheus duration (examples: 15d, 12h)");
  if (!std::regex_match(mon.scrapeInterval, kPromDuration)) c.add("spec.monitoring.prometheus.scrapeInterval", "\"" + mon.scrapeInterval + "\" is not a Prometheus duration (examples: 30s, 1m)");
  check_storage_size(c, "spec.monitoring.prometheus.storage.size", mon.prometheusStorage.size);
  check_resources(c, "spec.monitoring.prometheus.resources", mon.prometheusResources);
  check_resources(c, "spec.monitoring.grafana.resources", mon.grafanaResources);
  check_resources(c, "spec.monitoring.alertmanager.resources", mon.alertmanagerResources);
  if (!mon.alertmanagerUrl.empty()) {
    if (mon.alertmanagerEnabled) c.add("spec.monitoring.alertmanager", "set either enabled (the operator deploys one) or url (yours), not both");
    if (!std::regex_match(mon.alertmanagerUrl, std::regex(R"(^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[^\s]*)?$)")))
      c.add("spec.monitoring.alertmanager.url", "\"" + mon.alertmanagerUrl + "\" is not an http:// or https:// URL of an Alertmanager");
  }
  check_pod(c, "spec.monitoring.pod", mon.pod);
  for (const auto& label : mon.prometheusOperatorLabels)
    if (const std::string& key = label.first; kOperatorLabels.count(key)) c.add("spec.monitoring.prometheusOperator.labels[" + key + "]", key + " is set by the operator and may not be overridden");
  for (const auto& label : mon.dashboardLabels)
    if (const std::string& key = label.first; kOperatorLabels.count(key)) c.add("spec.monitoring.grafana.dashboardConfigMap.labels[" + key + "]", key + " is set by the operator and may not be overridden");
  if (!mon.externalPrometheusUrl.empty() && !std::regex_match(mon.externalPrometheusUrl, kHttpUrl))
    c.add("spec.monitoring.externalPrometheusUrl", "\"" + mon.externalPrometheusUrl + "\" is not an http(s) URL");
  if (mon.errorRatePercent < 0 || mon.errorRatePercent > 100) c.add("spec.monitoring.alerts.errorRatePercent", "must be between 0 and 100");
  if (mon.latencySeconds <= 0) c.add("spec.monitoring.alerts.latencySeconds", "must be greater than 0");
  if (mon.alertForSeconds < 0 || mon.alertForSeconds > 86400) c.add("spec.monitoring.alerts.forSeconds", "must be between 0 and 86400");
  if (mon.resourcePercent < 1 || mon.resourcePercent > 100) c.add("spec.monitoring.alerts.resourcePercent", "must be between 1 and 100");

  // scheduling
  if (!s.scheduling.priorityClassName.empty() &&
      (s.scheduling.priorityClassName.size() > 253 || !std::regex_match(s.scheduling.priorityClassName, kDns1123Subdomain)))
    c.add("spec.scheduling.priorityClassName", "\"" + s.scheduling.priorityClassName + "\" is not a PriorityClass name");

  // rollout
  if (s.rollout.progressDeadlineSeconds < 30 || s.rollout.progressDeadlineSeconds > 3600)
    c.add("spec.rollout.progressDeadlineSeconds", "must be between 30 and 3600");
  if (s.rollout.historyLimit < 1 || s.rollout.historyLimit > 100) c.add("spec.rollout.historyLimit", "must be between 1 and 100");
  if (s.rollout.maxConsecutiveFailures < 1 || s.rollout.maxConsecutiveFailures > 100)
    c.add("spec.rollout.maxConsecutiveFailures", "must be between 1 and 100");
  return c.errors;
}

}  // namespace po::platform
