#include "server/app.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <future>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include "server/migrations.hpp"
#include "server/request_parsing.hpp"

namespace a11y::server {

using nlohmann::json;
using po::http::json_error;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kJsonReplace = json::error_handler_t::replace;
constexpr std::size_t kMaxSuggestionFindings = 20;
constexpr std::size_t kProbeThreads = 2;
constexpr std::chrono::milliseconds kHealthCheckMaxAge{1000};
constexpr std::size_t kWriterBatch = 256;
// The one /api/ route without a bearer token: it is where clients get one.
constexpr std::string_view kTokenPath = "/api/v1/auth/token";

po::http::Response json_response(int status, const json& body) {
  po::http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, kJsonReplace);
  return r;
}

json finding_json(const audit::Finding& f) {
  return {{"ruleId", f.rule_id},
          {"wcag", {{"criterion", f.wcag_criterion}, {"level", f.wcag_level}}},
          {"tags", f.tags},
          {"impact", audit::to_string(f.impact)},
          {"needsReview", f.needs_review},
          {"selector", f.selector},
          {"message", f.message},
          {"snippet", f.snippet}};
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

}  // namespace

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
        model_loaded(r.gauge("ml_model_loaded", "1 when the text-quality model is loaded.").with({})) {}

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
};

App::App(Config config, LoadedModel model)
    : config_(std::move(config)),
      model_(std::move(model)),
      engine_(model_.model),
      metrics_(std::make_unique<Metrics>(registry_)),
      pool_(config_.database_url, config_.db_pool_size, AuditStore::prepare),
      store_(pool_),
      cache_(parse_redis_url(config_.redis_url)),
      auth_(config_.secret_key, token_policy(config_)),
      clients_(config_.auth_clients_dir.empty() ? ClientRegistry{} : ClientRegistry::from_directory(config_.auth_clients_dir)),
      ai_(config_),
      results_(config_.result_cache_bytes),
      writer_(store_, cache_, config_.cache_ttl, kWriterBatch, config_.writer_queue, config_.writer_queue_bytes),
      probes_(kProbeThreads, config_.worker_queue),
      workers_(effective_worker_threads(config_), config_.worker_queue, config_.worker_queue_bytes) {
  metrics_->model_loaded.set(model_.model ? 1 : 0);
  metrics_->pool_max.set(static_cast<double>(config_.db_pool_size));
  add_routes();
}

App::~App() {
  migrator_.request_stop();
  shutdown();
}

void App::shutdown() {
  probes_.shutdown();
  workers_.shutdown();  // may still hand rows to the writer
  writer_.shutdown();
}

void App::add_routes() {
  auto open = [this](Response (App::*fn)(const Request&)) {
    return [this, fn](const Request& req, const Params&) { return (this->*fn)(req); };
  };
  router_.add("GET", "/health", open(&App::health));
  router_.add("GET", "/health/database", open(&App::health_database));
  router_.add("GET", "/health/redis", open(&App::health_redis));
  router_.add("GET", "/health/ml-models", open(&App::health_models));
  router_.add("GET", "/health/ai-agents", open(&App::health_ai));
  router_.add("GET", "/health/live", [](const Request&, const Params&) {
    return json_response(200, {{"status", "alive"}});
  });
  router_.add("GET", "/health/ready", open(&App::health_ready));
  router_.add("GET", "/metrics", open(&App::metrics));
  // /api/v1/audits* take the principal and are dispatched in handle(); these need only authentication.
  router_.add("GET", "/api/v1/rules", open(&App::list_rules));
  router_.add("POST", std::string(kTokenPath), open(&App::issue_token));
  router_.add("GET", "/api/v1/models", open(&App::list_models));
  router_.add("POST", "/api/v1/models/{name}/predict",
              [this](const Request& req, const Params& p) { return predict(req, p.at("name")); });
}

Lane lane_for(std::string_view path) {
  if (path == "/health" || path == "/health/database" || path == "/health/redis" || path == "/metrics") {
    return Lane::Probe;
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
  const auto lane = lane_for(req.path);
  if (lane == Lane::Inline) return done(handle(req));
  if (is_audit_create(req)) return post_audit(std::move(req), std::move(done));
  const auto started = Clock::now();
  auto shared = std::make_shared<Request>(std::move(req));
  auto& pool = lane == Lane::Probe ? probes_ : workers_;
  const auto refuse = [this, shared, done, started](bool expired) {
    auto res = overloaded(*shared, expired);
    record(*shared, "overloaded", res.status, started);
    done(std::move(res));
  };
  WorkerPool::Job job{[this, shared, done] { done(handle(*shared)); }, [refuse] { refuse(true); },
                      shared->body.size(), started + config_.queue_timeout};
  if (!pool.submit(std::move(job))) refuse(false);
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

po::http::Response App::handle(const Request& req) {
  if (is_audit_create(req)) {  // asynchronous by nature (group commit): wait for it here
    std::promise<Response> answer;
    auto future = answer.get_future();
    post_audit(req, [&answer](Response res) { answer.set_value(std::move(res)); });
    return future.get();
  }
  const auto started = Clock::now();
  Response res;
  std::string route = "unmatched";
  try {
    // Audit routes need the principal; they are matched here rather than through the generic router
    // so that the handlers take it as a parameter.
    const bool api = req.path.rfind("/api/", 0) == 0 && req.path != kTokenPath;
    std::optional<Principal> principal;
    if (api) {
      AuthFailure failure;
      principal = auth_.authenticate(req.header("authorization"), failure);
      if (!principal) {
        res = json_error(401, failure.code, failure.message, req.request_id);
        res.headers["WWW-Authenticate"] = "Bearer";
      } else {
        note_active_user(principal->subject);
      }
    }
    if (!api || principal) {
      static constexpr std::string_view kAudits = "/api/v1/audits";
      std::string_view path = req.path;
      if (path.rfind(kAudits, 0) == 0) {
        const auto rest = path.substr(kAudits.size());
        const bool get = req.method == "GET" || req.method == "HEAD";
        const auto method_not_allowed = [&](std::string allow) {
          auto r = json_error(405, "method_not_allowed", "method " + req.method + " is not allowed here", req.request_id);
          r.headers["Allow"] = std::move(allow);
          return r;
        };
        if (rest.empty() || rest == "/") {
          route = "/api/v1/audits";
          res = get ? list_audits(req, *principal) : method_not_allowed("GET, POST");
        } else if (rest.front() == '/' && rest.find('/', 1) == std::string_view::npos) {
          route = "/api/v1/audits/{id}";
          res = get ? get_audit(req, *principal, std::string(rest.substr(1))) : method_not_allowed("GET");
        } else if (rest.front() == '/' && rest.size() > 13 && rest.substr(rest.size() - 12) == "/suggestions" &&
                   rest.find('/', 1) == rest.size() - 12) {
          route = "/api/v1/audits/{id}/suggestions";
          res = req.method == "POST" ? suggestions(req, *principal, std::string(rest.substr(1, rest.size() - 13)))
                                     : method_not_allowed("POST");
        } else {
          res = json_error(404, "not_found", "no route for " + req.path, req.request_id);
        }
      } else {
        const auto match = router_.match(req.method, req.path);
        route = match.pattern;
        if (match.handler) {
          res = (*match.handler)(req, match.params);
        } else if (!match.allow.empty()) {
          res = json_error(405, "method_not_allowed", "method " + req.method + " is not allowed here", req.request_id);
          res.headers["Allow"] = match.allow;
        } else {
          res = json_error(404, "not_found", "no route for " + req.path, req.request_id);
        }
      }
    }
  } catch (...) {
    res = error_response(req, std::current_exception());
  }
  record(req, route, res.status, started);
  return res;
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

// ---- audits ---------------------------------------------------------------------------------------

namespace {

// Result cache values: "<score>\n<finding count>\n<result document>", so that a hit needs no JSON parse.
std::string encode_cached_result(double score, std::size_t findings, const std::string& doc) {
  return json(score).dump() + "\n" + std::to_string(findings) + "\n" + doc;
}
struct CachedResult {
  double score = 0;
  int finding_count = 0;
  std::string doc;
};
std::optional<CachedResult> decode_cached_result(std::string value) {
  const auto first = value.find('\n');
  const auto second = first == std::string::npos ? first : value.find('\n', first + 1);
  if (second == std::string::npos) return std::nullopt;
  CachedResult r;
  try {
    r.score = std::stod(value.substr(0, first));
    r.finding_count = std::stoi(value.substr(first + 1, second - first - 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  r.doc = value.substr(second + 1);
  if (r.doc.size() < 2 || r.doc.front() != '{' || r.doc.back() != '}') return std::nullopt;
  return r;
}

// {head fields..., result document fields...} without re-serialising the (large) result document.
std::string splice(const json& head, const std::string& doc) {
  std::string out = head.dump(-1, ' ', false, kJsonReplace);
  out.pop_back();
  if (doc.size() > 2) {
    out += ',';
    out.append(doc, 1, std::string::npos);
  } else {
    out += '}';
  }
  return out;
}

}  // namespace

AuditOutcome App::resolve_audit(const std::string& body, bool& cached) {
  auto parsed = parse_audit_request(body);
  json options_key = {{"rules", parsed.options.rules}, {"max", parsed.options.max_findings},
                      {"ruleset", audit::kRulesetVersion}};
  const std::string model_version = model_.model ? model_.model->version() : "none";
  const auto hash = sha256_hex(model_version + "\n" + options_key.dump() + "\n" + parsed.html);

  std::optional<CachedResult> result;
  bool partial = false;
  if (auto hit = cache_.get(result_cache_key(hash))) result = decode_cached_result(std::move(*hit));
  cached = result.has_value();
  metrics_->cache_hits.with({{"cache", "audit_result"}}).inc(cached ? 1 : 0);
  metrics_->cache_misses.with({{"cache", "audit_result"}}).inc(cached ? 0 : 1);
  if (!cached) {
    const auto t0 = Clock::now();
    audit::Result run;
    parsed.options.cpu_budget = config_.audit_cpu_budget;
    try {
      run = engine_.run(parsed.html, parsed.options);
    } catch (const std::invalid_argument& e) {
      throw RequestError(422, "unprocessable_html", e.what());
    }
    metrics_->audit_engine.observe(std::chrono::duration<double>(Clock::now() - t0).count());
    json findings = json::array();
    for (const auto& f : run.findings) findings.push_back(finding_json(f));
    json doc = {{"score", run.score},
                {"nodes", run.nodes},
                {"truncated", run.truncated},
                {"partial", run.partial},
                {"rulesRun", run.rules_run},
                {"findings", std::move(findings)}};
    if (run.truncated) doc["truncatedBy"] = run.truncated_by;
    if (run.partial) doc["reason"] = run.partial_reason;
    partial = run.partial;
    result = CachedResult{run.score, static_cast<int>(run.findings.size()), doc.dump(-1, ' ', false, kJsonReplace)};
    // A partial result depends on how busy the CPU was: not cached, so that the next try may finish.
    if (!partial)
      cache_.set(result_cache_key(hash), encode_cached_result(result->score, run.findings.size(), result->doc),
                 config_.cache_ttl);
  }
  return AuditOutcome{hash, static_cast<int>(parsed.html.size()), result->score, result->finding_count,
                      std::make_shared<const std::string>(std::move(result->doc)), partial};
}

void App::post_audit(Request request, po::http::Responder done) {
  const auto started = Clock::now();
  auto req = std::make_shared<const Request>(std::move(request));
  Finish finish = [this, req, started, done = std::move(done)](Response res) {
    record(*req, "/api/v1/audits", res.status, started);
    done(std::move(res));
  };
  try {
    AuthFailure failure;
    const auto principal = auth_.authenticate(req->header("authorization"), failure);
    if (!principal) {
      auto res = json_error(401, failure.code, failure.message, req->request_id);
      res.headers["WWW-Authenticate"] = "Bearer";
      return finish(std::move(res));
    }
    note_active_user(principal->subject);
    // The same body always yields the same audit: a hit needs neither the JSON parse nor Redis, and the
    // request goes straight from this (I/O) thread to the group-commit writer.
    auto body_key = sha256_hex(req->body);
    if (auto hit = results_.get(body_key)) {
      metrics_->cache_hits.with({{"cache", "audit_result"}}).inc();
      return store_audit(req, principal->subject, std::move(*hit), true, finish);
    }
    WorkerPool::Job job;
    job.run = [this, req, owner = principal->subject, body_key, finish] {
      try {
        bool cached = false;
        auto outcome = resolve_audit(req->body, cached);
        if (!outcome.partial) results_.put(body_key, outcome);
        store_audit(req, owner, std::move(outcome), cached, finish);
      } catch (...) {
        finish(error_response(*req, std::current_exception()));
      }
    };
    job.expired = [this, req, finish] { finish(overloaded(*req, true)); };
    job.bytes = req->body.size();
    job.deadline = started + config_.queue_timeout;
    if (!workers_.submit(std::move(job))) finish(overloaded(*req, false));
  } catch (...) {
    finish(error_response(*req, std::current_exception()));
  }
}

void App::store_audit(const std::shared_ptr<const Request>& req, const std::string& owner, AuditOutcome outcome,
                      bool cached, const Finish& finish) {
  if (!migrated_) throw DbUnavailable("schema not migrated yet");
  PendingAudit pending;
  pending.owner = owner;
  pending.audit.id = new_uuid();
  pending.audit.content_hash = outcome.content_hash;
  pending.audit.score = outcome.score;
  pending.audit.finding_count = outcome.finding_count;
  pending.audit.html_bytes = outcome.html_bytes;
  pending.result = outcome.doc;
  pending.result_known_stored = cached;
  auto head = [id = pending.audit.id, hash = outcome.content_hash, bytes = outcome.html_bytes](const std::string& created_at) {
    return json{{"id", id}, {"createdAt", created_at}, {"contentHash", hash}, {"htmlBytes", bytes}};
  };
  // Reads by id are served from the cache (also while the database is down): a small record pointing
  // at the result, which is cached under its content hash.
  pending.cache_key = audit_cache_key(owner, pending.audit.id);
  pending.cache_value = [head](const std::string& created_at) { return head(created_at).dump(); };
  pending.done = [this, req, head, id = pending.audit.id, doc = outcome.doc, cached, finish](
                     const std::string& created_at, std::exception_ptr error) {
    if (error) return finish(error_response(*req, error));
    metrics_->audits.with({{"cache", cached ? "hit" : "miss"}}).inc();
    auto h = head(created_at);
    h["cached"] = cached;
    Response res;
    res.status = 201;
    res.body = splice(h, *doc);
    res.headers["Location"] = "/api/v1/audits/" + id;
    finish(std::move(res));
  };
  writer_.submit(std::move(pending));
}

std::optional<std::string> App::load_audit_json(const Principal& who, const std::string& id) {
  if (auto head_text = cache_.get(audit_cache_key(who.subject, id))) {
    const auto head = json::parse(*head_text, nullptr, false);
    if (head.is_object() && head.contains("contentHash") && head["contentHash"].is_string()) {
      if (auto hit = cache_.get(result_cache_key(head["contentHash"].get<std::string>()))) {
        if (auto result = decode_cached_result(std::move(*hit))) {
          metrics_->cache_hits.with({{"cache", "audit"}}).inc();
          return splice(head, result->doc);
        }
      }
    }
  }
  metrics_->cache_misses.with({{"cache", "audit"}}).inc();
  if (!migrated_) throw DbUnavailable("schema not migrated yet");
  const auto stored = store_.get(who.subject, id);
  if (!stored) return std::nullopt;
  const json head = {{"id", stored->id},
                     {"createdAt", stored->created_at},
                     {"contentHash", stored->content_hash},
                     {"htmlBytes", stored->html_bytes}};
  cache_.set(audit_cache_key(who.subject, id), head.dump(), config_.cache_ttl);
  cache_.set(result_cache_key(stored->content_hash),
             encode_cached_result(stored->score, static_cast<std::size_t>(stored->finding_count), stored->result_json),
             config_.cache_ttl);
  return splice(head, stored->result_json);
}

po::http::Response App::get_audit(const Request& req, const Principal& who, const std::string& id) {
  if (!is_uuid(id)) return json_error(404, "audit_not_found", "no audit with id " + id, req.request_id);
  auto text = load_audit_json(who, id);
  if (!text) return json_error(404, "audit_not_found", "no audit with id " + id, req.request_id);
  Response res;
  res.body = std::move(*text);
  return res;
}

po::http::Response App::list_audits(const Request& req, const Principal& who) {
  const auto q = parse_list_query(req.query);
  if (!q.cursor.empty()) {
    try {
      decode_cursor(q.cursor);
    } catch (const std::invalid_argument&) {
      throw RequestError(400, "invalid_cursor", "the cursor is not one this API returned");
    }
  }
  if (!migrated_) throw DbUnavailable("schema not migrated yet");
  const auto page = store_.list(who.subject, q.limit, q.cursor);
  json items = json::array();
  for (const auto& a : page.items) {
    items.push_back({{"id", a.id},
                     {"createdAt", a.created_at},
                     {"contentHash", a.content_hash},
                     {"score", a.score},
                     {"findingCount", a.finding_count},
                     {"htmlBytes", a.html_bytes}});
  }
  return json_response(200, {{"items", std::move(items)},
                             {"nextCursor", page.next_cursor.empty() ? json(nullptr) : json(page.next_cursor)}});
}

po::http::Response App::suggestions(const Request& req, const Principal& who, const std::string& id) {
  if (!ai_.enabled()) {
    metrics_->ai_requests.with({{"outcome", "disabled"}}).inc();
    return json_error(503, "ai_disabled", "AI suggestions are disabled: set OPENAI_API_KEY or GEMINI_API_KEY",
                      req.request_id);
  }
  if (!is_uuid(id)) return json_error(404, "audit_not_found", "no audit with id " + id, req.request_id);
  const auto text = load_audit_json(who, id);
  if (!text) return json_error(404, "audit_not_found", "no audit with id " + id, req.request_id);
  const auto audit_doc = json::parse(*text);
  std::vector<SuggestionInput> inputs;
  for (const auto& f : audit_doc.at("findings")) {
    if (inputs.size() == kMaxSuggestionFindings) break;
    inputs.push_back({f.value("ruleId", ""), f.value("message", ""), f.value("selector", ""), f.value("snippet", "")});
  }
  const auto result = ai_.suggest(inputs);
  switch (result.outcome) {
    case AiOutcome::Disabled:
      metrics_->ai_requests.with({{"outcome", "disabled"}}).inc();
      return json_error(503, "ai_disabled", "AI suggestions are disabled", req.request_id);
    case AiOutcome::CircuitOpen: {
      metrics_->ai_requests.with({{"outcome", "circuit_open"}}).inc();
      auto r = json_error(503, "ai_unavailable", "the AI provider is failing; suggestions are paused", req.request_id);
      r.headers["Retry-After"] = "30";
      return r;
    }
    case AiOutcome::UpstreamError:
      spdlog::warn("request {}: AI provider {} failed: {}", req.request_id, to_string(ai_.provider()), result.error);
      metrics_->ai_requests.with({{"outcome", "error"}}).inc();
      return json_error(502, "ai_upstream_error", "the AI provider failed: " + result.error, req.request_id);
    case AiOutcome::Ok: break;
  }
  metrics_->ai_requests.with({{"outcome", "ok"}}).inc();
  json out = json::array();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out.push_back({{"ruleId", inputs[i].rule_id}, {"selector", inputs[i].selector}, {"suggestion", result.suggestions[i]}});
  }
  return json_response(200, {{"auditId", id},
                             {"provider", to_string(ai_.provider())},
                             {"model", config_.ai_model},
                             {"suggestions", std::move(out)}});
}

// ---- models and rules -----------------------------------------------------------------------------

po::http::Response App::list_models(const Request&) {
  json models = json::array();
  if (model_.model) models.push_back(model_json(*model_.model, model_.path));
  return json_response(200, {{"models", std::move(models)}});
}

po::http::Response App::predict(const Request& req, const std::string& name) {
  if (!model_.model) {
    return json_error(503, "model_unavailable", "the text-quality model is not loaded: " + model_.error, req.request_id);
  }
  if (name != model_.model->name()) return json_error(404, "model_not_found", "no model named " + name, req.request_id);
  const auto parsed = parse_predict_request(req.body);
  const auto t0 = Clock::now();
  const auto predictions = model_.model->predict_batch(parsed.items);
  metrics_->prediction.observe(std::chrono::duration<double>(Clock::now() - t0).count());
  json out = json::array();
  for (const auto& p : predictions) out.push_back({{"nonDescriptive", p.non_descriptive}, {"probability", p.probability}});
  return json_response(200, {{"model", model_.model->name()}, {"version", model_.model->version()}, {"predictions", std::move(out)}});
}

po::http::Response App::issue_token(const Request& req) {
  const auto creds = parse_token_request(req.header("authorization"), req.header("content-type"), req.body);
  if (!clients_.verify(creds.id, creds.secret)) {
    spdlog::warn("request {}: token refused: unknown client or wrong secret", req.request_id);
    auto res = json_error(401, "invalid_client", "unknown client or wrong client secret", req.request_id);
    res.headers["WWW-Authenticate"] = "Basic realm=\"platform-api\"";
    res.headers["Cache-Control"] = "no-store";
    return res;
  }
  auto res = json_response(200, {{"access_token", auth_.issue(creds.id, config_.auth_token_ttl)},
                                 {"token_type", "Bearer"},
                                 {"expires_in", config_.auth_token_ttl.count()}});
  res.headers["Cache-Control"] = "no-store";  // RFC 6749 §5.1
  res.headers["Pragma"] = "no-cache";
  return res;
}

po::http::Response App::list_rules(const Request&) {
  json rules = json::array();
  for (const auto& r : audit::Engine::rules()) {
    rules.push_back({{"id", r.id},
                     {"wcag", {{"criterion", r.wcag_criterion}, {"level", r.wcag_level}}},
                     {"description", r.description},
                     {"impact", audit::to_string(r.impact)},
                     {"tags", r.tags},
                     {"source", audit::to_string(r.source)},
                     {"bestPractice", r.best_practice},
                     {"reviewOnFail", r.review_on_fail}});
  }
  json out_of_scope = json::array();
  for (const auto& r : audit::Engine::out_of_scope_rules())
    out_of_scope.push_back({{"id", r.id}, {"source", "axe-core"}, {"reason", r.reason}});
  return json_response(200, {{"rules", std::move(rules)}, {"outOfScope", std::move(out_of_scope)}});
}

// ---- health ---------------------------------------------------------------------------------------

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
    error = e.what();
    metrics_->database_up.set(0);
    return false;
  }
}

po::http::Response App::health(const Request&) {
  std::string db_error;
  const bool db = database_ok(db_error, kHealthCheckMaxAge);
  const bool redis = redis_ok(kHealthCheckMaxAge);
  const bool model = model_.model != nullptr;
  const auto ai_state = ai_.circuit_state();
  json checks = {
      {"database", db ? json{{"status", "up"}} : json{{"status", "down"}, {"error", db_error}}},
      {"redis", redis ? json{{"status", "up"}} : json{{"status", "down"}, {"note", "cache bypassed"}}},
      {"mlModels", model ? json{{"status", "up"}} : json{{"status", "down"}, {"error", model_.error}}},
      {"aiAgents", {{"status", !ai_.enabled() ? "disabled" : ai_state == CircuitBreaker::State::Closed ? "up" : "degraded"}}},
  };
  const bool healthy = db && redis && model && (!ai_.enabled() || ai_state == CircuitBreaker::State::Closed);
  return json_response(200, {{"status", healthy ? "healthy" : "degraded"}, {"version", PO_VERSION}, {"checks", checks}});
}

po::http::Response App::health_database(const Request&) {
  std::string error;
  const bool ok = database_ok(error, {});
  const auto s = pool_.stats();
  json body = {{"status", ok ? "up" : "down"},
               {"migrated", migrated_.load()},
               {"pool", {{"size", s.size}, {"open", s.open}, {"inUse", s.in_use}, {"waiting", s.waiting}}}};
  if (!ok) body["error"] = error;
  return json_response(ok ? 200 : 503, body);
}

po::http::Response App::health_redis(const Request&) {
  const bool ok = redis_ok({});
  metrics_->redis_up.set(ok ? 1 : 0);
  return json_response(ok ? 200 : 503, {{"status", ok ? "up" : "down"}, {"bypassedOperations", cache_.failures()}});
}

po::http::Response App::health_models(const Request&) {
  if (!model_.model) return json_response(503, {{"status", "down"}, {"error", model_.error}});
  return json_response(200, {{"status", "up"}, {"models", json::array({model_json(*model_.model, model_.path)})}});
}

po::http::Response App::health_ai(const Request&) {
  if (!ai_.enabled()) {
    return json_response(200, {{"status", "disabled"}, {"reason", "no OPENAI_API_KEY or GEMINI_API_KEY configured"}});
  }
  const auto state = ai_.circuit_state();
  const bool ok = state == CircuitBreaker::State::Closed;
  return json_response(ok ? 200 : 503, {{"status", ok ? "up" : "degraded"},
                                        {"provider", to_string(ai_.provider())},
                                        {"model", config_.ai_model},
                                        {"circuit", to_string(state)}});
}

po::http::Response App::health_ready(const Request&) {
  json reasons = json::array();
  if (draining_) reasons.push_back("shutting down");
  if (!migrated_) reasons.push_back("database schema not migrated yet");
  if (!model_.model) reasons.push_back("text-quality model not loaded");
  if (reasons.empty()) return json_response(200, {{"status", "ready"}});
  return json_response(503, {{"status", "not ready"}, {"reasons", reasons}});
}

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
