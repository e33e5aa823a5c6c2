// Reading a Platform from its JSON form (defaults applied) and the semantic checks the CRD cannot express.
#pragma once
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/platform/types.hpp"

namespace po::platform {

// One problem with a Platform, named by its field path (spec.api.autoscaling.minReplicas).
struct FieldError {
  std::string field;
  std::string message;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

std::string to_string(const FieldError& error);                    // "field: message"
std::string to_string(const std::vector<FieldError>& errors);      // joined by "; "

struct ParseResult {
  Platform platform;
  std::vector<FieldError> errors;  // wrong types, missing required fields, unknown enum values
  bool ok() const { return errors.empty(); }
};

// Reads a Platform object (apiVersion/kind/metadata/spec). Missing fields take the CRD's defaults.
ParseResult parse_platform(const nlohmann::json& object);

// Semantic validation: everything the CRD schema and its CEL rules say, repeated here so an offline
// `render` and the reconciler reject the same specs, plus what no schema can say (derived name lengths,
// reserved env names, cron syntax, supported PostgreSQL majors). Empty means valid.
std::vector<FieldError> validate(const Platform& platform);

// Parses and validates in one go: parse errors first, then semantic ones.
ParseResult parse_and_validate(const nlohmann::json& object);

// Kubernetes quantity ("500m", "1Gi", "2") in milli-units; nullopt when the text is not a quantity.
std::optional<long double> parse_quantity_milli(std::string_view text);

// Environment variables the operator sets on the api and frontend containers: extra env may not name them.
// The frontend's API_CLIENT_SECRET is not set but is reserved too: the frontend ignores it whenever
// API_CLIENT_SECRET_FILE (which the operator sets) is present, so a value there would be silently unused.
// render_pod_settings_test checks these sets against the rendered containers.
inline const std::set<std::string> kReservedApiEnv = {"PORT",           "DATABASE_URL",           "REDIS_URL",
                                                      "SECRET_KEY",     "AUTH_CLIENTS_DIR",       "SHUTDOWN_DELAY_SECONDS",
                                                      "GEMINI_API_KEY", "OPENAI_API_KEY"};
inline const std::set<std::string> kReservedFrontendEnv = {"PORT", "API_BASE_URL", "API_CLIENT_ID", "API_CLIENT_SECRET",
                                                           "API_CLIENT_SECRET_FILE"};

// Longest Platform name whose derived child names stay valid (StatefulSet pods, CronJob names).
inline constexpr std::size_t kMaxPlatformNameLength = 40;

}  // namespace po::platform
