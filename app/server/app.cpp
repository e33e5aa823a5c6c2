#include "server/app.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include "po/common/process_metrics.hpp"
#include "server/app_internal.hpp"
#include "server/migrations.hpp"
#include "server/request_parsing.hpp"

namespace a11y::server {

using nlohmann::json;
using po::http::json_error;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kProbeThreads = 2;
constexpr std::size_t kWriterBatch = 256;
// The one /api/ route without a bearer token: it is where clients get one.
constexpr std::string_view kTokenPath = "/api/v1/auth/token";

}  // namespace

po::http::Response json_response(int status, const json& body) {
  po::http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, kJsonReplace);
  return r;
}

json model_json(const ml::TextQualityModel& m, const std::string& path) {
  const auto& e = m.evaluation();
  return {{"name", m.name()},
          {"version", m.version()},
          {"file", std::filesystem::path(path).filename().string()},
          {"threshold", m.threshold()},
          {"evaluation",
           {{"accuracy", e.accuracy},
            {"f1", e.f1},
            {"precision", e.precision},
            {"recall", e.recall},
            {"testExamples", e.test_examples}}}};
}

long long current_minute() {
  return std::chrono::duration_cast<std::chrono::minutes>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string active_users_key(long long minute) { return "a11y:active_users:" + std::to_string(minute); }
std::string result_cache_key(const std::string& hash) { return "a11y:audit-result:" + hash; }
std::string audit_cache_key(const std::string& owner, const std::string& id) {
  return "a11y:audit:" + sha256_hex(owner) + ":" + id;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

LoadedModel load_model(const Config& config) {
  LoadedModel loaded;
  std::string path = config.model_path;
  if (path.empty()) {
    std::error_code ec;
    std::filesystem::file_time_type newest{};
    for (const auto& entry : std::filesystem::directory_iterator(config.model_dir, ec)) {
      const auto name = entry.path().filename().string();
      if (name.rfind("text-quality", 0) != 0 || entry.path().extension() != ".json") continue;
      const auto t = entry.last_write_time(ec);
      if (path.empty() || t > newest || (t == newest && entry.path().string() > path)) {
        path = entry.path().string();
        newest = t;
      }
    }
    if (path.empty()) {
      loaded.error = "no text-quality*.json model file in " + config.model_dir;
      return loaded;
    }
  }
  loaded.path = path;
  try {
    loaded.model = std::make_shared<const ml::TextQualityModel>(ml::TextQualityModel::load(path));
  } catch (const std::exception& e) {
    loaded.error = e.what();
  }
  return loaded;
}

App::App(Config config, LoadedModel model)
    : config_(std::move(config)),
      model_(std::move(model)),
      engine_(model_.model),
      metrics_(std::make_unique<Metrics>(registry_)),
      faults_(config_.faults),
      pool_(config_.database_url, config_.db_pool_size, AuditStore::prepare),
      store_(pool_),
      cache_(parse_redis_url(config_.redis_url)),
      auth_(config_.secret_key, token_policy(config_)),
      clients_(config_.auth_clients_dir),
      ai_(config_),
      results_(config_.result_cache_bytes),
      writer_(store_, cache_, config_.cache_ttl, kWriterBatch, config_.writer_queue, config_.writer_queue_bytes),
      probes_(kProbeThreads, config_.worker_queue),
      workers_(effective_worker_threads(config_), config_.worker_queue, config_.worker_queue_bytes),
      ai_lane_(config_.ai_threads, config_.ai_queue) {
  metrics_->model_loaded.set(model_.model ? 1 : 0);
  metrics_->pool_max.set(static_cast<double>(config_.db_pool_size));
  // process_* (read from /proc at each scrape; the same collector as the operator's) and the build.
  po::metrics::register_process_metrics(registry_);
  registry_.gauge("platform_api_build_info", "Always 1; the version label is the platform-api release.")
      .with({{"version", PO_VERSION}})
      .set(1);
  if (faults_.active()) {
    spdlog::warn("FAULT INJECTION ON: {}% of {}* requests fail, {}% are delayed {} ms", config_.faults.error_percent,
                 config_.faults.path_prefix, config_.faults.delay.count() > 0 ? config_.faults.delay_percent : 0,
                 config_.faults.delay.count());
  }
  register_health_checks();
  add_routes();
}

App::~App() {
  migrator_.request_stop();
  shutdown();
}

void App::shutdown() {
  probes_.shutdown();
  ai_lane_.shutdown();
  workers_.shutdown();  // may still hand rows to the writer
  writer_.shutdown();
}

void App::add_routes() {
  auto open = [this](Response (App::*fn)(const Request&)) {
    return [this, fn](const Request& req, const Params&) { return (this->*fn)(req); };
  };
  router_.add("GET", "/health", open(&App::health));
  for (const auto& check : health_.entries()) {
    router_.add("GET", "/health/" + check.name, [this, &check](const Request&, const Params&) { return health_check(check.check); });
  }
  router_.add("GET", "/health/live", [](const Request&, const Params&) {
    return json_response(200, {{"status", "alive"}});
  });
  router_.add("GET", "/health/ready", open(&App::health_ready));
  router_.add("GET", "/metrics", open(&App::metrics));
  router_.add("POST", std::string(kTokenPath), open(&App::issue_token));

  // Everything else under /api/ needs a bearer token: the router says so, handle() authenticates.
  router_.declare("POST", "/api/v1/audits", Access::Bearer);  // answered by post_audit (group commit)
  router_.declare("POST", "/api/v1/audits/", Access::Bearer);
  const auto list = [this](const Request& req, const Params&, const Principal& who) { return list_audits(req, who); };
  router_.add_bearer("GET", "/api/v1/audits", list);
  router_.add_bearer("GET", "/api/v1/audits/", list, "/api/v1/audits");
  router_.add_bearer("GET", "/api/v1/audits/{id}", [this](const Request& req, const Params& p, const Principal& who) {
    return get_audit(req, who, p.at("id"));
  });
  router_.add_bearer("POST", "/api/v1/audits/{id}/suggestions", [this](const Request& req, const Params& p, const Principal& who) {
    return suggestions(req, who, p.at("id"));
  });
  router_.add_bearer("GET", "/api/v1/rules", [this](const Request& req, const Params&, const Principal&) { return list_rules(req); });
  router_.add_bearer("GET", "/api/v1/models", [this](const Request& req, const Params&, const Principal&) { return list_models(req); });
  router_.add_bearer("POST", "/api/v1/models/{name}/predict", [this](const Request& req, const Params& p, const Principal&) {
    return predict(req, p.at("name"));
  });
}

Lane lane_for(std::string_view path) {
  if (path == "/health" || path == "/health/ready" || path == "/health/database" || path == "/health/redis" || path == "/metrics") {
    return Lane::Probe;
  }
  if (path.rfind("/api/v1/audits/", 0) == 0 && path.size() > 27 && path.substr(path.size() - 12) == "/suggestions") {
    return Lane::Ai;
  }
  if (path.rfind("/api/v1/audits", 0) == 0) return Lane::Worker;
  return Lane::Inline;
}

std::string_view metric_method(std::string_view method) {
  for (std::string_view known : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
    if (method == known) return known;
  return "other";
}

bool is_audit_create(const po::http::Request& req) {
  return req.method == "POST" && (req.path == "/api/v1/audits" || req.path == "/api/v1/audits/");
}

void App::handle_async(Request req, po::http::Responder done) {
  if (faults_.active()) {
    const auto fault = faults_.decide(req.path);
    if (fault.fail || fault.delay.count() > 0) return inject_fault(std::move(req), std::move(done), fault);
  }
  const auto lane = lane_for(req.path);
  if (lane == Lane::Inline) return done(handle(req));
  if (is_audit_create(req)) return post_audit(std::move(req), std::move(done));
  const auto started = Clock::now();
  auto shared = std::make_shared<Request>(std::move(req));
  auto& pool = lane == Lane::Probe ? probes_ : lane == Lane::Ai ? ai_lane_ : workers_;
  const auto refuse = [this, shared, done, started](bool expired) {
    auto res = overloaded(*shared, expired);
    record(*shared, "overloaded", res.status, started);
    done(std::move(res));
  };
  WorkerPool::Job job{[this, shared, done] { done(handle(*shared)); }, [refuse] { refuse(true); },
                      shared->body.size(), started + config_.queue_timeout};
  if (!pool.submit(std::move(job))) refuse(false);
}

void App::inject_fault(Request req, po::http::Responder done, Fault fault) {
  const auto started = Clock::now();
  auto shared = std::make_shared<Request>(std::move(req));
  auto run = [this, shared, done, fault, started] {
    if (fault.delay.count() > 0) std::this_thread::sleep_for(fault.delay);
    if (!fault.fail) return done(handle(*shared, started));
    auto res = json_error(500, "fault_injected", "failed on purpose: fault injection (FAULT_ERROR_PERCENT) is on",
                          shared->request_id);
    record(*shared, "fault_injected", res.status, started);
    done(std::move(res));
  };
  if (fault.delay.count() == 0) return run();
  WorkerPool::Job job{run, [this, shared, done, started] {
                        auto res = overloaded(*shared, true);
                        record(*shared, "overloaded", res.status, started);
                        done(std::move(res));
                      },
                      shared->body.size(), started + config_.queue_timeout};
  if (!workers_.submit(std::move(job))) {
    auto res = overloaded(*shared, false);
    record(*shared, "overloaded", res.status, started);
    done(std::move(res));
  }
}

po::http::Response App::error_response(const Request& req, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const RequestError& e) {
    return json_error(e.status(), e.code(), e.what(), req.request_id);
  } catch (const WriterOverloaded&) {
    return overloaded(req, false);
  } catch (const DbUnavailable& e) {
    spdlog::warn("request {} {} {}: {}", req.request_id, req.method, req.path, e.what());
    auto res = json_error(503, "database_unavailable", "the database is unavailable; try again shortly", req.request_id);
    res.headers["Retry-After"] = "2";
    return res;
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {} failed: {}", req.request_id, req.method, req.path, e.what());
  } catch (...) {
    spdlog::error("request {} {} {} failed with a non-standard exception", req.request_id, req.method, req.path);
  }
  return json_error(500, "internal", "internal server error", req.request_id);
}

po::http::Response App::overloaded(const Request& req, bool expired) {
  spdlog::warn("request {} {} {}: {}", req.request_id, req.method, req.path,
               expired ? "waited past QUEUE_TIMEOUT_MS in the queue, not run" : "queue full");
  auto res = json_error(503, "overloaded",
                        expired ? "the request waited too long for a worker and was not run; try again shortly"
                                : "the server is overloaded; try again shortly",
                        req.request_id);
  res.headers["Retry-After"] = "1";
  return res;
}

void App::record(const Request& req, const std::string& route, int status, Clock::time_point started) {
  if (status >= 500) spdlog::warn("request {} {} {} -> {}", req.request_id, req.method, req.path, status);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  // The method is the client's text: mapped to a fixed set, or every odd method would be a new series.
  const std::string method(metric_method(req.method));
  metrics_->requests.with({{"method", method}, {"route", route}, {"code", std::to_string(status)}}).inc();
  metrics_->duration.with({{"method", method}, {"route", route}}).observe(seconds);
}

po::http::Response App::handle(const Request& req) { return handle(req, Clock::now()); }

po::http::Response App::handle(const Request& req, Clock::time_point started) {
  if (is_audit_create(req)) {  // asynchronous by nature (group commit): wait for it here
    std::promise<Response> answer;
    auto future = answer.get_future();
    post_audit(req, [&answer](Response res) { answer.set_value(std::move(res)); }, started);
    return future.get();
  }
  Response res;
  std::string route = "unmatched";
  try {
    const auto match = router_.match(req.method, req.path);
    route = match.pattern;
    res = dispatch(req, match);
  } catch (...) {
    res = error_response(req, std::current_exception());
  }
  record(req, route, res.status, started);
  return res;
}

po::http::Response App::dispatch(const Request& req, const RouteMatch& match) {
  std::optional<Principal> principal;
  if (match.access == Access::Bearer) {
    Response refusal;
    principal = authenticate(req, refusal);
    if (!principal) return refusal;
  }
  if (match.principal_handler) return (*match.principal_handler)(req, match.params, *principal);
  if (match.handler) return (*match.handler)(req, match.params);
  if (!match.allow.empty()) {
    auto res = json_error(405, "method_not_allowed", "method " + req.method + " is not allowed here", req.request_id);
    res.headers["Allow"] = match.allow;
    return res;
  }
  return json_error(404, "not_found", "no route for " + req.path, req.request_id);
}

std::optional<Principal> App::authenticate(const Request& req, Response& refusal) {
  AuthFailure failure;
  auto principal = auth_.authenticate(req.header("authorization"), failure);
  if (!principal) {
    refusal = json_error(401, failure.code, failure.message, req.request_id);
    refusal.headers["WWW-Authenticate"] = "Bearer";
    return std::nullopt;
  }
  note_active_user(principal->subject);
  return principal;
}

void App::note_active_user(const std::string& subject) {
  const auto minute = current_minute();
  {
    std::scoped_lock lock(active_mutex_);
    if (minute != active_minute_) {
      active_minute_ = minute;
      active_seen_.clear();
    }
    // One PFADD per user per minute per replica is enough for a per-minute distinct count.
    if (!active_seen_.insert(subject).second) return;
    if (active_seen_.size() > 100'000) active_seen_.clear();  // bound memory; re-adding is harmless
  }
  // Off the calling thread, which may be an I/O thread.
  const bool queued = probes_.submit([this, minute, subject] {
    if (!cache_.pfadd(active_users_key(minute), subject, std::chrono::minutes(10))) {
      std::scoped_lock lock(active_mutex_);
      active_seen_.erase(subject);  // try again on the next request
    }
  });
  if (!queued) {
    std::scoped_lock lock(active_mutex_);
    active_seen_.erase(subject);
  }
}

// ---- migrations -----------------------------------------------------------------------------------

void App::start_migrations() {
  migrator_ = std::jthread([this](std::stop_token stop) { migrate_loop(stop); });
}

void App::migrate_loop(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  for (int attempt = 1; !stop.stop_requested(); ++attempt) {
    try {
      pqxx::connection conn(with_connect_timeout(config_.database_url, 2));
      const auto applied = migrate(conn);
      migrated_ = true;
      spdlog::info("database schema is current ({} migration(s) applied by this replica)", applied.size());
      return;
    } catch (const std::exception& e) {
      if (attempt == 1 || attempt % 30 == 0) spdlog::warn("schema migration attempt {} failed: {}", attempt, e.what());
    }
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
  }
}

}  // namespace a11y::server
