// The audits resource: POST/GET /api/v1/audits, GET /api/v1/audits/{id}, and GET /api/v1/rules.
#include "server/app.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/app_internal.hpp"
#include "server/request_parsing.hpp"

namespace a11y::server {

using nlohmann::json;
using po::http::json_error;
using Clock = std::chrono::steady_clock;

namespace {

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

void App::post_audit(Request request, po::http::Responder done, Clock::time_point started) {
  auto req = std::make_shared<const Request>(std::move(request));
  Finish finish = [this, req, started, done = std::move(done)](Response res) {
    record(*req, "/api/v1/audits", res.status, started);
    done(std::move(res));
  };
  try {
    Response refusal;
    const auto principal = authenticate(*req, refusal);
    if (!principal) return finish(std::move(refusal));
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

}  // namespace a11y::server
