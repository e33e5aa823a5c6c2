// API failures as values: the reconciler inspects them instead of catching exceptions.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace po::kube {

struct ApiError {
  int code = 0;            // HTTP status; 0 when no response arrived (connection refused, TLS, timeout)
  std::string reason;      // Kubernetes Status.reason, e.g. "NotFound", "Conflict", "Expired"
  std::string message;     // Status.message or a transport error description
  bool retryable = false;  // worth trying again with backoff
  std::optional<std::chrono::seconds> retry_after;  // from the Retry-After header (429, some 5xx)

  bool not_found() const { return code == 404; }
  bool conflict() const { return code == 409 && reason != "AlreadyExists"; }
  bool already_exists() const { return code == 409 && reason == "AlreadyExists"; }
  bool gone() const { return code == 410 || reason == "Expired" || reason == "Gone"; }
  std::string to_string() const;  // "409 Conflict: the object has been modified"
};

// Builds the error for a non-2xx response from its status code, body (a Status object when the
// apiserver answers) and Retry-After header value.
ApiError classify_response(int code, std::string_view body, std::string_view retry_after_header = {});
// A request that got no HTTP response: always retryable.
ApiError transport_error(std::string message);
// Which status codes/reasons are transient: 429, 5xx (but 501), 409 Conflict (not AlreadyExists),
// timeouts. 4xx validation, authorization and not-found errors are permanent.
bool is_retryable(int code, std::string_view reason);
// Retry-After holds delta-seconds (the apiserver never sends an HTTP date); nullopt when absent or invalid.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

// A value or an ApiError. Small on purpose: has_value/value/error, like std::expected.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

struct Ok {};
using Status = Result<Ok>;  // for calls that return nothing but can fail

}  // namespace po::kube
