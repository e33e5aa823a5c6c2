// The api's named health checks (database, redis, ml-models, ai-agents): each one answers
// /health/<name>, and /health sums them all up. These answers are public (the gateway routes /health to
// the api), so a check's error is a sentence of its own, never a driver's message: libpq's name the
// server's host, port and user.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace a11y::server {

struct HealthReport {
  std::string status = "up";  // up, down, degraded or disabled
  bool healthy = true;        // false: /health is degraded and /health/<name> answers 503
  nlohmann::json details = nlohmann::json::object();  // further fields of /health/<name>
  std::string error;          // why it is not up, fit to publish
};

// The body of /health/<name>: {"status", details..., "error" when there is one}.
nlohmann::json health_body(const HealthReport& report);

class HealthChecks {
 public:
  // max_age: how old a remembered result may be (zero: look now). /health passes a second, since every
  // monitor polls it; /health/<name> always looks now.
  using Check = std::function<HealthReport(std::chrono::milliseconds max_age)>;
  struct Entry {
    std::string name;         // the path segment: /health/<name>
    std::string summary_key;  // its key under "checks" in /health
    Check check;
  };

  void add(std::string name, std::string summary_key, Check check);
  const std::vector<Entry>& entries() const { return entries_; }
  // /health's "checks" object ({key: {status, error?}}); healthy is false when any check is unhealthy.
  nlohmann::json summary(std::chrono::milliseconds max_age, bool& healthy) const;

 private:
  std::vector<Entry> entries_;  // in registration order; fixed after start-up
};

// libpq's error message reduced to what went wrong, in words that name no host, port, user, database
// or URL.
std::string public_database_error(std::string_view driver_message);

}  // namespace a11y::server
