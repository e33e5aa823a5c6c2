#include "server/health_checks.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace a11y::server {

nlohmann::json health_body(const HealthReport& report) {
  nlohmann::json body = {{"status", report.status}};
  for (const auto& [key, value] : report.details.items()) body[key] = value;
  if (!report.error.empty()) body["error"] = report.error;
  return body;
}

void HealthChecks::add(std::string name, std::string summary_key, Check check) {
  entries_.push_back({std::move(name), std::move(summary_key), std::move(check)});
}

nlohmann::json HealthChecks::summary(std::chrono::milliseconds max_age, bool& healthy) const {
  healthy = true;
  nlohmann::json checks = nlohmann::json::object();
  for (const auto& entry : entries_) {
    const HealthReport report = entry.check(max_age);
    healthy = healthy && report.healthy;
    nlohmann::json item = {{"status", report.status}};
    if (!report.error.empty()) item["error"] = report.error;
    checks[entry.summary_key] = std::move(item);
  }
  return checks;
}

std::string public_database_error(std::string_view driver_message) {
  std::string lower(driver_message);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto has = [&](std::string_view part) { return lower.find(part) != std::string::npos; };
  // Most specific first: a refused connection's message also says "connection to server ... failed".
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kKnown{{
      {"password authentication failed", "the database refused the api's credentials"},
      {"no pg_hba.conf entry", "the database refused the api's credentials"},
      {"does not exist", "the database or its role does not exist"},
      {"could not translate host name", "the database's host name does not resolve"},
      {"connection refused", "connection refused"},
      {"timeout expired", "the connection timed out"},
      {"timed out", "the connection timed out"},
      {"too many connections", "the database has no free connection slots"},
      {"too many clients", "the database has no free connection slots"},
      {"remaining connection slots", "the database has no free connection slots"},
      {"starting up", "the database is starting up"},
      {"shutting down", "the database is shutting down"},
      {"server closed the connection", "the database closed the connection"},
  }};
  for (const auto& [part, sentence] : kKnown)
    if (has(part)) return std::string(sentence);
  if (has("terminating connection") || has("connection is closed") || has("broken")) return "the database closed the connection";
  if (has("ssl")) return "the TLS handshake with the database failed";
  return "the database did not answer the health query";
}

}  // namespace a11y::server
