// GET /metrics: the gauges sampled at scrape time, then the registry in the Prometheus text format.
#include "server/app.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/app_internal.hpp"
#include "server/request_parsing.hpp"

namespace a11y::server {

using nlohmann::json;
using po::http::json_error;
using Clock = std::chrono::steady_clock;

po::http::Response App::metrics(const Request&) {
  const auto s = pool_.stats();
  metrics_->pool.with({{"state", "open"}}).set(static_cast<double>(s.open));
  metrics_->pool.with({{"state", "in_use"}}).set(static_cast<double>(s.in_use));
  metrics_->pool.with({{"state", "idle"}}).set(static_cast<double>(s.open - s.in_use));
  metrics_->pool_waiting.set(static_cast<double>(s.waiting));
  if (auto n = cache_.pfcount(active_users_key(current_minute()))) metrics_->active_users.set(static_cast<double>(*n));
  metrics_->redis_up.set(cache_.available() ? 1 : 0);
  {
    std::scoped_lock lock(bypass_mutex_);
    const auto failures = cache_.failures();
    if (failures > bypass_reported_) metrics_->cache_bypassed.inc(static_cast<double>(failures - bypass_reported_));
    bypass_reported_ = failures;
  }
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = registry_.render();
  return r;
}

}  // namespace a11y::server
