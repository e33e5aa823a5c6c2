// The models resource: GET /api/v1/models and POST /api/v1/models/{name}/predict.
#include "server/app.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/app_internal.hpp"
#include "server/request_parsing.hpp"

namespace a11y::server {

using nlohmann::json;
using po::http::json_error;
using Clock = std::chrono::steady_clock;

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

}  // namespace a11y::server
