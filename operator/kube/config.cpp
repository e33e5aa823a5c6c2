#include "po/kube/config.hpp"

#include <csignal>

#include <poll.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

extern char** environ;

namespace po::kube {
namespace {

std::optional<std::string> decode_base64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' ) break;
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    const int v = value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

std::string scalar(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) return {};
  if (!v.IsScalar()) throw ConfigError(std::string("field '") + key + "' must be a string");
  return v.as<std::string>();
}

// Finds the entry named `name` in a list of {name, <kind>: {...}}; returns its <kind> body.
YAML::Node named_entry(const YAML::Node& root, const char* list, const char* kind, const std::string& name) {
  const YAML::Node items = root[list];
  if (items && !items.IsSequence()) throw ConfigError(std::string("'") + list + "' must be a list");
  if (items) {
    for (const auto& item : items) {
      if (item.IsMap() && scalar(item, "name") == name) {
        const YAML::Node body = item[kind];
        if (!body || !body.IsMap()) return YAML::Node(YAML::NodeType::Map);
        return body;
      }
    }
  }
  throw ConfigError(std::string(kind) + " \"" + name + "\" not found in '" + list + "'");
}

// "<field>-data" (base64) or "<field>" (a file path) -> PEM text.
std::string data_or_file(const YAML::Node& node, const std::string& field, const std::string& base_dir) {
  const std::string data = scalar(node, (field + "-data").c_str());
  if (!data.empty()) {
    auto decoded = decode_base64(data);
    if (!decoded) throw ConfigError(field + "-data is not valid base64");
    return *decoded;
  }
  const std::string path = scalar(node, field.c_str());
  if (path.empty()) return {};
  auto text = read_file(resolve(base_dir, path));
  if (!text) throw ConfigError(field + " file " + resolve(base_dir, path) + " cannot be read: " + std::strerror(errno));
  return *text;
}

ExecConfig parse_exec(const YAML::Node& node) {
  ExecConfig exec;
  exec.api_version = scalar(node, "apiVersion");
  exec.command = scalar(node, "command");
  if (exec.command.empty()) throw ConfigError("user exec plugin has no 'command'");
  if (exec.api_version != "client.authentication.k8s.io/v1" &&
      exec.api_version != "client.authentication.k8s.io/v1beta1")
    throw ConfigError("user exec plugin apiVersion \"" + exec.api_version +
                      "\" is not client.authentication.k8s.io/v1 or v1beta1");
  if (const auto args = node["args"]; args && args.IsSequence())
    for (const auto& a : args) exec.args.push_back(a.as<std::string>());
  if (const auto env = node["env"]; env && env.IsSequence())
    for (const auto& e : env) exec.env.emplace_back(scalar(e, "name"), scalar(e, "value"));
  exec.interactive_mode = scalar(node, "interactiveMode");
  if (node["provideClusterInfo"]) exec.provide_cluster_info = node["provideClusterInfo"].as<bool>();
  return exec;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

Config parse_kubeconfig(std::string_view yaml_text, const std::string& base_dir, const std::string& context_override) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw ConfigError("not valid YAML (line " + std::to_string(e.mark.line + 1) + "): " + e.msg);
  }
  if (!root || root.IsNull()) throw ConfigError("the file is empty");
  if (!root.IsMap()) throw ConfigError("the top level is not a mapping");
  try {
    Config cfg;
    cfg.context = context_override.empty() ? scalar(root, "current-context") : context_override;
    if (cfg.context.empty()) throw ConfigError("no current-context is set (and no context was given)");
    const YAML::Node context = named_entry(root, "contexts", "context", cfg.context);
    const std::string cluster_name = scalar(context, "cluster");
    if (cluster_name.empty()) throw ConfigError("context \"" + cfg.context + "\" names no cluster");
    const YAML::Node cluster = named_entry(root, "clusters", "cluster", cluster_name);
    cfg.server = scalar(cluster, "server");
    if (cfg.server.empty()) throw ConfigError("cluster \"" + cluster_name + "\" has no server");
    if (cfg.server.rfind("https://", 0) != 0 && cfg.server.rfind("http://", 0) != 0)
      throw ConfigError("cluster \"" + cluster_name + "\" server \"" + cfg.server + "\" is not an http(s) URL");
    while (!cfg.server.empty() && cfg.server.back() == '/') cfg.server.pop_back();
    cfg.ca_pem = data_or_file(cluster, "certificate-authority", base_dir);
    if (cluster["insecure-skip-tls-verify"]) cfg.insecure_skip_tls_verify = cluster["insecure-skip-tls-verify"].as<bool>();
    cfg.tls_server_name = scalar(cluster, "tls-server-name");
    cfg.namespace_ = scalar(context, "namespace");
    if (cfg.namespace_.empty()) cfg.namespace_ = "default";

    const std::string user_name = scalar(context, "user");
    if (!user_name.empty()) {
      const YAML::Node user = named_entry(root, "users", "user", user_name);
      cfg.client_cert_pem = data_or_file(user, "client-certificate", base_dir);
      cfg.client_key_pem = data_or_file(user, "client-key", base_dir);
      if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty())
        throw ConfigError("user \"" + user_name + "\" has a client certificate without a key or a key without a certificate");
      cfg.token = scalar(user, "token");
      const std::string token_file = scalar(user, "tokenFile");
      if (!token_file.empty()) {
        cfg.token_file = resolve(base_dir, token_file);
        if (!read_file(cfg.token_file)) throw ConfigError("user \"" + user_name + "\" tokenFile " + cfg.token_file + " cannot be read");
      }
      if (const YAML::Node exec = user["exec"]; exec && exec.IsMap()) cfg.exec = parse_exec(exec);
      if (user["auth-provider"]) throw ConfigError("user \"" + user_name + "\" uses auth-provider, which is not supported; use an exec plugin");
      if (!scalar(user, "username").empty())
        throw ConfigError("user \"" + user_name + "\" uses basic auth, which Kubernetes no longer supports");
    }
    return cfg;
  } catch (const YAML::Exception& e) {
    throw ConfigError("unexpected value (line " + std::to_string(e.mark.line + 1) + "): " + e.msg);
  }
}

Config load_kubeconfig(const std::string& path, const std::string& context_override) {
  const auto text = read_file(path);
  if (!text) throw ConfigError("kubeconfig " + path + ": cannot be read: " + std::strerror(errno));
  try {
    return parse_kubeconfig(*text, std::filesystem::path(path).parent_path().string(), context_override);
  } catch (const ConfigError& e) {
    throw ConfigError("kubeconfig " + path + ": " + e.what());
  }
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Config in_cluster_config(const EnvLookup& env, const std::string& sa_dir) {
  const auto host = env("KUBERNETES_SERVICE_HOST");
  const auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty())
    throw ConfigError("in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  Config cfg;
  const bool ipv6 = host->find(':') != std::string::npos;
  cfg.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  cfg.token_file = sa_dir + "/token";
  if (!read_file(cfg.token_file)) throw ConfigError("in-cluster config: cannot read the service-account token " + cfg.token_file);
  const auto ca = read_file(sa_dir + "/ca.crt");
  if (!ca) throw ConfigError("in-cluster config: cannot read the service-account CA " + sa_dir + "/ca.crt");
  cfg.ca_pem = *ca;
  const auto ns = read_file(sa_dir + "/namespace");
  cfg.namespace_ = ns && !ns->empty() ? *ns : "default";
  while (!cfg.namespace_.empty() && (cfg.namespace_.back() == '\n' || cfg.namespace_.back() == ' ')) cfg.namespace_.pop_back();
  return cfg;
}

Config load_config(const std::string& kubeconfig_flag, const EnvLookup& env) {
  if (!kubeconfig_flag.empty()) return load_kubeconfig(kubeconfig_flag);
  if (const auto kc = env("KUBECONFIG"); kc && !kc->empty()) {
    // A list: the first file that exists (merging several files is not supported).
    std::stringstream ss(*kc);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty() && std::filesystem::exists(item)) return load_kubeconfig(item);
    throw ConfigError("KUBECONFIG=" + *kc + ": no such file");
  }
  if (const auto host = env("KUBERNETES_SERVICE_HOST"); host && !host->empty()) return in_cluster_config(env);
  const auto home = env("HOME");
  const std::string path = (home ? *home : std::string()) + "/.kube/config";
  if (!std::filesystem::exists(path))
    throw ConfigError("no kubeconfig: pass --kubeconfig, set KUBECONFIG, run in a cluster, or create " + path);
  return load_kubeconfig(path);
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  char sep;
  int consumed = 0;
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &sec, &consumed) != 7 ||
      (sep != 'T' && sep != 't' && sep != ' '))
    return std::nullopt;
  std::size_t pos = static_cast<std::size_t>(consumed);
  std::chrono::nanoseconds frac{0};
  if (pos < str.size() && str[pos] == '.') {
    ++pos;
    long long digits = 0;
    int n = 0;
    while (pos < str.size() && std::isdigit(static_cast<unsigned char>(str[pos]))) {
      if (n < 9) {
        digits = digits * 10 + (str[pos] - '0');
        ++n;
      }
      ++pos;
    }
    for (int i = n; i < 9; ++i) digits *= 10;
    frac = std::chrono::nanoseconds(digits);
  }
  std::chrono::seconds offset{0};
  if (pos < str.size() && (str[pos] == 'Z' || str[pos] == 'z')) {
    ++pos;
  } else if (pos < str.size() && (str[pos] == '+' || str[pos] == '-')) {
    int oh, om;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    if (str[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != str.size()) return std::nullopt;
  if (y >= 2262) return std::chrono::system_clock::time_point::max();  // beyond what nanosecond ticks hold
  const int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const auto since_epoch = std::chrono::seconds(days * 86400 + h * 3600 + mi * 60 + sec) - offset;
  return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch + frac));
}

namespace {
std::string format_time(std::chrono::system_clock::time_point t, bool micro) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (micro) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
    char frac[32];
    std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(us));
    out += frac;
  }
  return out + "Z";
}
}  // namespace

std::string format_rfc3339(std::chrono::system_clock::time_point t) { return format_time(t, false); }
std::string format_rfc3339_micro(std::chrono::system_clock::time_point t) { return format_time(t, true); }

ExecCredential parse_exec_credential(std::string_view json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("exec plugin output is not JSON: ") + e.what());
  }
  if (!j.is_object() || j.value("kind", "") != "ExecCredential")
    throw ConfigError("exec plugin output is not an ExecCredential");
  const auto status = j.find("status");
  if (status == j.end() || !status->is_object()) throw ConfigError("exec plugin output has no status");
  ExecCredential cred;
  cred.token = status->value("token", "");
  cred.client_cert_pem = status->value("clientCertificateData", "");
  cred.client_key_pem = status->value("clientKeyData", "");
  if (cred.token.empty() && cred.client_cert_pem.empty())
    throw ConfigError("exec plugin returned neither a token nor a client certificate");
  if (cred.client_cert_pem.empty() != cred.client_key_pem.empty())
    throw ConfigError("exec plugin returned a client certificate without its key (or the reverse)");
  if (const auto exp = status->find("expirationTimestamp"); exp != status->end() && exp->is_string()) {
    cred.expiration = parse_rfc3339(exp->get<std::string>());
    if (!cred.expiration) throw ConfigError("exec plugin expirationTimestamp is not RFC 3339: " + exp->get<std::string>());
  }
  return cred;
}

std::string run_exec_plugin(const ExecConfig& exec, const std::string& exec_info_json,
                            std::chrono::milliseconds timeout) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw ConfigError("exec plugin: pipe failed");
  // Build argv/envp before fork: only async-signal-safe calls are allowed in the child.
  std::vector<std::string> args{exec.command};
  args.insert(args.end(), exec.args.begin(), exec.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& [k, v] : exec.env) env_strings.push_back(k + "=" + v);
  env_strings.push_back("KUBERNETES_EXEC_INFO=" + exec_info_json);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw ConfigError("exec plugin: fork failed");
  }
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  std::string output;
  std::array<char, 4096> buf;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd readable{out_pipe[0], POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = read(out_pipe[0], buf.data(), buf.size());
    if (n > 0) {
      output.append(buf.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(out_pipe[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    throw ConfigError("exec plugin " + exec.command + " did not finish within " +
                      std::to_string(timeout.count()) + " ms; killed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw ConfigError("exec plugin " + exec.command + " failed (exit status " +
                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  return output;
}

CredentialSource::CredentialSource(Config config, ExecRunner runner)
    : config_(std::move(config)), runner_(runner ? std::move(runner) : ExecRunner([](const ExecConfig& exec, const std::string& info) {
        return run_exec_plugin(exec, info);
      })) {}

Credentials CredentialSource::current() {
  std::unique_lock lock(mu_);
  Credentials c{config_.token, config_.client_cert_pem, config_.client_key_pem};
  if (!config_.token_file.empty()) {
    // Projected service-account tokens rotate; re-reading once a minute keeps up (client-go does the same).
    const auto now = std::chrono::steady_clock::now();
    if (file_token_.empty() || now - file_token_read_ > std::chrono::minutes(1)) {
      if (auto t = read_file(config_.token_file)) {
        while (!t->empty() && (t->back() == '\n' || t->back() == '\r' || t->back() == ' ')) t->pop_back();
        file_token_ = *t;
        file_token_read_ = now;
      }
    }
    if (!file_token_.empty()) c.token = file_token_;
  }
  if (config_.exec) {
    // The plugin runs without the lock (it may take seconds): while one caller refreshes, the others go on
    // with the current credential if it is still valid, and wait for the refresh only if it is not.
    for (;;) {
      const auto now = Clock::now();
      const auto& expiration = exec_cached_ ? exec_cached_->expiration : std::nullopt;
      const bool valid = exec_cached_ && (!expiration || *expiration > now);
      const bool fresh = valid && (!expiration || *expiration - now > kExecRefreshAhead);
      if (fresh || (valid && refreshing_)) break;
      if (refreshing_) {
        refreshed_.wait(lock);
        continue;
      }
      refreshing_ = true;
      lock.unlock();
      nlohmann::json info = {{"apiVersion", config_.exec->api_version},
                             {"kind", "ExecCredential"},
                             {"spec", {{"interactive", false}}}};
      if (config_.exec->provide_cluster_info) info["spec"]["cluster"] = {{"server", config_.server}};
      std::optional<ExecCredential> got;
      std::exception_ptr failure;
      try {
        got = parse_exec_credential(runner_(*config_.exec, info.dump()));
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      refreshing_ = false;
      refreshed_.notify_all();
      if (got) {
        exec_cached_ = std::move(got);
        break;
      }
      // A failed refresh ahead of expiry keeps the credential that still works.
      const bool still_valid = exec_cached_ && (!exec_cached_->expiration || *exec_cached_->expiration > Clock::now());
      if (still_valid) break;
      std::rethrow_exception(failure);
    }
    if (!exec_cached_->token.empty()) c.token = exec_cached_->token;
    if (!exec_cached_->client_cert_pem.empty()) {
      c.client_cert_pem = exec_cached_->client_cert_pem;
      c.client_key_pem = exec_cached_->client_key_pem;
    }
  }
  return c;
}

void CredentialSource::invalidate() {
  std::scoped_lock lock(mu_);
  exec_cached_.reset();
  file_token_.clear();
}

}  // namespace po::kube
