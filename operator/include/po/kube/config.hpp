// Where the apiserver is and how to authenticate: kubeconfig files and in-cluster service-account config.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::kube {

// A kubeconfig or in-cluster setup that cannot work; what() is one line a person can act on.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// users[].user.exec: a client.authentication.k8s.io credential plugin.
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 (v1beta1 accepted)
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string interactive_mode;  // Never | IfAvailable | Always; we never have a terminal
  bool provide_cluster_info = false;
};

struct Config {
  std::string server;                 // https://host:port, no trailing slash
  std::string ca_pem;                 // certificate-authority(-data), PEM; empty = system roots
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string client_cert_pem;        // client-certificate(-data)
  std::string client_key_pem;         // client-key(-data)
  std::string token;                  // static bearer token
  std::string token_file;             // re-read when it changes (service-account token rotation)
  std::optional<ExecConfig> exec;
  std::string namespace_;             // the context's namespace ("default" when unset)
  std::string context;                // the context name used (empty in-cluster)
};

// Parses kubeconfig YAML text. base_dir resolves relative file paths; context_override picks a context
// other than current-context. Throws ConfigError naming what is wrong.
Config parse_kubeconfig(std::string_view yaml_text, const std::string& base_dir,
                        const std::string& context_override = {});
// Reads and parses the file at path. Throws ConfigError ("kubeconfig <path>: ...").
Config load_kubeconfig(const std::string& path, const std::string& context_override = {});

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// In-cluster: KUBERNETES_SERVICE_HOST/PORT plus <sa_dir>/{token,ca.crt,namespace}.
Config in_cluster_config(const EnvLookup& env = process_env(),
                         const std::string& sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// The rules kubebuilder-made operators follow: --kubeconfig flag, then $KUBECONFIG (first entry of the
// list), then in-cluster when KUBERNETES_SERVICE_HOST is set, then ~/.kube/config.
Config load_config(const std::string& kubeconfig_flag = {}, const EnvLookup& env = process_env());

// What an exec plugin printed, decoded (status part of an ExecCredential).
struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::optional<std::chrono::system_clock::time_point> expiration;  // none = valid until a 401
};
ExecCredential parse_exec_credential(std::string_view json_text);  // throws ConfigError

// Parses RFC 3339 timestamps as Kubernetes writes them ("2024-01-02T03:04:05Z", optional fraction/offset).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);
std::string format_rfc3339(std::chrono::system_clock::time_point t);         // seconds precision, Z
std::string format_rfc3339_micro(std::chrono::system_clock::time_point t);   // MicroTime: 6 fraction digits

// The credentials to present right now, from a Config. Thread-safe; exec plugins are re-run when their
// credential expires or after invalidate() (called on a 401), token files re-read when they change.
struct Credentials {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
};
class CredentialSource {
 public:
  using Clock = std::chrono::system_clock;
  using ExecRunner = std::function<std::string(const ExecConfig&, const std::string& exec_info_json)>;

  explicit CredentialSource(Config config, ExecRunner runner = {});
  Credentials current();   // throws ConfigError when an exec plugin fails
  void invalidate();       // the apiserver said 401: refresh before the next request

 private:
  Config config_;
  ExecRunner runner_;
  std::mutex mu_;  // guards everything below; never held while the plugin runs
  std::condition_variable refreshed_;
  bool refreshing_ = false;  // one thread runs the plugin; the others use a still-valid credential or wait
  std::optional<ExecCredential> exec_cached_;
  std::string file_token_;
  std::chrono::steady_clock::time_point file_token_read_{};
};

// How long an exec plugin may run before it is killed.
inline constexpr std::chrono::seconds kExecPluginTimeout{30};
// A credential this close to its expiry is refreshed by the next caller while others still use it.
inline constexpr std::chrono::seconds kExecRefreshAhead{30};

// Runs the plugin with KUBERNETES_EXEC_INFO set and returns its stdout; throws ConfigError on failure,
// and kills it (SIGKILL) and throws when it runs longer than timeout.
std::string run_exec_plugin(const ExecConfig& exec, const std::string& exec_info_json,
                            std::chrono::milliseconds timeout = kExecPluginTimeout);

}  // namespace po::kube
