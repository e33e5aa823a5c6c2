// The health endpoints: /health sums up the registered checks (database, redis, ml-models, ai-agents),
// /health/<name> runs one of them now; /health/live and /health/ready are the kubelet's probes.
#include "server/app.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/app_internal.hpp"

namespace a11y::server {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
// /health is polled by every monitor and load balancer: its checks are reused for this long.
constexpr std::chrono::milliseconds kHealthCheckMaxAge{1000};
}  // namespace

bool App::database_ok(std::string& error, std::chrono::milliseconds max_age) {
  // /health is polled by every monitor and load balancer: its checks are reused for max_age, while
  // /health/database and /health/redis always look now (and refresh what /health reports).
  std::scoped_lock lock(probe_mutex_);
  const auto now = Clock::now();
  if (max_age.count() > 0 && db_checked_at_ != Clock::time_point{} && now - db_checked_at_ < max_age) {
    error = db_error_;
    return db_ok_;
  }
  db_checked_at_ = now;
  db_ok_ = database_check(db_error_);
  error = db_error_;
  return db_ok_;
}

bool App::redis_ok(std::chrono::milliseconds max_age) {
  std::scoped_lock lock(probe_mutex_);
  const auto now = Clock::now();
  if (max_age.count() > 0 && redis_checked_at_ != Clock::time_point{} && now - redis_checked_at_ < max_age) {
    return redis_ok_;
  }
  redis_checked_at_ = now;
  redis_ok_ = cache_.ping();
  return redis_ok_;
}

bool App::database_check(std::string& error) {
  // A connection of its own, not one from the pool: a pool busy with slow queries is not a database down.
  try {
    if (!migrated_) {
      error = "schema migrations not applied yet (database unreachable at start?)";
      return false;
    }
    if (!probe_conn_ || !probe_conn_->is_open()) {
      probe_conn_.reset();
      auto c = std::make_unique<pqxx::connection>(with_connect_timeout(config_.database_url, 2));
      pqxx::nontransaction(*c).exec("SET statement_timeout = 2000");
      probe_conn_ = std::move(c);
      pool_.mark_up();
    }
    pqxx::nontransaction tx(*probe_conn_);
    tx.exec("SELECT 1");
    metrics_->database_up.set(1);
    return true;
  } catch (const std::exception& e) {
    probe_conn_.reset();
    pool_.mark_down();  // so that requests after a recovery do not meet the pool's dead connections
    // libpq's text names the server and the user: it goes to the log (once per outage), not into the answer.
    if (db_ok_) spdlog::warn("database health check failed: {}", e.what());
    error = public_database_error(e.what());
    metrics_->database_up.set(0);
    return false;
  }
}

// ---- the registered checks ---------------------------------------------------------------------

void App::register_health_checks() {
  health_.add("database", "database", [this](std::chrono::milliseconds max_age) {
    std::string error;
    const bool ok = database_ok(error, max_age);
    const auto s = pool_.stats();
    HealthReport r;
    r.status = ok ? "up" : "down";
    r.healthy = ok;
    r.details = {{"migrated", migrated_.load()},
                 {"pool", {{"size", s.size}, {"open", s.open}, {"inUse", s.in_use}, {"waiting", s.waiting}}}};
    if (!ok) r.error = error;
    return r;
  });
  health_.add("redis", "redis", [this](std::chrono::milliseconds max_age) {
    const bool ok = redis_ok(max_age);
    metrics_->redis_up.set(ok ? 1 : 0);
    HealthReport r;
    r.status = ok ? "up" : "down";
    r.healthy = ok;
    r.details = {{"bypassedOperations", cache_.failures()}};
    if (!ok) r.error = "unreachable; the cache is bypassed";
    return r;
  });
  health_.add("ml-models", "mlModels", [this](std::chrono::milliseconds) {
    HealthReport r;
    if (!model_.model) {
      r.status = "down";
      r.healthy = false;
      r.error = model_.error;
      return r;
    }
    r.details = {{"models", json::array({model_json(*model_.model, model_.path)})}};
    return r;
  });
  health_.add("ai-agents", "aiAgents", [this](std::chrono::milliseconds) {
    HealthReport r;
    if (!ai_.enabled()) {
      r.status = "disabled";
      r.details = {{"reason", "no OPENAI_API_KEY or GEMINI_API_KEY configured"}};
      return r;
    }
    const auto state = ai_.circuit_state();
    r.healthy = state == CircuitBreaker::State::Closed;
    r.status = r.healthy ? "up" : "degraded";
    r.details = {{"provider", to_string(ai_.provider())}, {"model", config_.ai_model}, {"circuit", to_string(state)}};
    if (!r.healthy) r.error = "the AI provider is failing; suggestions are paused";
    return r;
  });
}

// ---- the endpoints -------------------------------------------------------------------------------

po::http::Response App::health(const Request&) {
  bool healthy = true;
  json checks = health_.summary(kHealthCheckMaxAge, healthy);
  return json_response(200, {{"status", healthy ? "healthy" : "degraded"}, {"version", PO_VERSION}, {"checks", std::move(checks)}});
}

po::http::Response App::health_check(const HealthChecks::Check& check) {
  const HealthReport report = check({});
  return json_response(report.healthy ? 200 : 503, health_body(report));
}

po::http::Response App::health_ready(const Request&) {
  json reasons = json::array();
  if (draining_) reasons.push_back("shutting down");
  if (!migrated_) {
    reasons.push_back("database schema not migrated yet");
  } else if (std::string error; !database_ok(error, kHealthCheckMaxAge)) {
    // Without PostgreSQL the api can serve little (writes and lists answer 503): out of the Service's
    // endpoints until it answers again, while liveness stays up so that the kubelet does not restart
    // a process that has nothing wrong with it. The check is the one /health reuses for a second.
    reasons.push_back("database unreachable");
  }
  if (!model_.model) reasons.push_back("text-quality model not loaded");
  if (reasons.empty()) return json_response(200, {{"status", "ready"}});
  return json_response(503, {{"status", "not ready"}, {"reasons", reasons}});
}

}  // namespace a11y::server
