// What the App's route files share and nothing else includes: the metrics the handlers record, JSON
// helpers and the Redis key layout.
#pragma once
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "server/app.hpp"

namespace a11y::server {

inline constexpr auto kJsonReplace = nlohmann::json::error_handler_t::replace;

po::http::Response json_response(int status, const nlohmann::json& body);
nlohmann::json model_json(const ml::TextQualityModel& m, const std::string& path);

long long current_minute();
std::string active_users_key(long long minute);
std::string result_cache_key(const std::string& hash);
std::string audit_cache_key(const std::string& owner, const std::string& id);

struct App::Metrics {
  explicit Metrics(po::metrics::Registry& r)
      : requests(r.counter("http_requests_total", "HTTP requests by method, route pattern and status code.")),
        duration(r.histogram("http_request_duration_seconds", "HTTP request latency by method and route pattern.")),
        prediction(r.histogram("ml_prediction_duration_seconds", "Text-quality model latency per prediction call.",
                               po::metrics::exponential_buckets(0.00001, 2, 16)).with({})),
        audits(r.counter("audits_total", "Audits created, by whether the result came from the cache.")),
        audit_engine(r.histogram("audit_engine_duration_seconds", "Time the audit engine spent per audit.",
                                 po::metrics::exponential_buckets(0.0001, 2, 16)).with({})),
        cache_hits(r.counter("cache_hits_total", "Redis cache hits, by cache.")),
        cache_misses(r.counter("cache_misses_total", "Redis cache misses, by cache.")),
        cache_bypassed(r.counter("cache_bypassed_total", "Redis operations skipped or failed because Redis was unavailable.").with({})),
        redis_up(r.gauge("redis_up", "1 when the last Redis operation succeeded.").with({})),
        database_up(r.gauge("database_up", "1 when the last database health check succeeded.").with({})),
        pool(r.gauge("db_pool_connections", "Database pool connections by state.")),
        pool_max(r.gauge("db_pool_max_connections", "Configured size of the database pool.").with({})),
        pool_waiting(r.gauge("db_pool_waiting", "Requests waiting for a database connection.").with({})),
        active_users(r.gauge("active_users", "Distinct users seen in the current minute (HyperLogLog estimate).").with({})),
        ai_requests(r.counter("ai_suggestion_requests_total", "AI suggestion requests by outcome.")),
        model_loaded(r.gauge("ml_model_loaded", "1 when the text-quality model is loaded.").with({})),
        ai_duration(r.histogram("ai_agent_response_seconds", "AI provider response time per suggestions request.").with({})) {}

  po::metrics::CounterFamily& requests;
  po::metrics::HistogramFamily& duration;
  po::metrics::Histogram& prediction;
  po::metrics::CounterFamily& audits;
  po::metrics::Histogram& audit_engine;
  po::metrics::CounterFamily& cache_hits;
  po::metrics::CounterFamily& cache_misses;
  po::metrics::Counter& cache_bypassed;
  po::metrics::Gauge& redis_up;
  po::metrics::Gauge& database_up;
  po::metrics::GaugeFamily& pool;
  po::metrics::Gauge& pool_max;
  po::metrics::Gauge& pool_waiting;
  po::metrics::Gauge& active_users;
  po::metrics::CounterFamily& ai_requests;
  po::metrics::Gauge& model_loaded;
  po::metrics::Histogram& ai_duration;
};

}  // namespace a11y::server
