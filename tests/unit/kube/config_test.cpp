#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "po/kube/config.hpp"

using namespace po::kube;

namespace {
// base64 of "-----CA-----\n" and friends: short stand-ins for PEM text, parsing does not inspect them.
constexpr const char* kCaB64 = "LS0tLS1DQS0tLS0tCg==";      // "-----CA-----\n"
constexpr const char* kCertB64 = "LS0tLS1DRVJULS0tLS0K";    // "-----CERT-----\n"
constexpr const char* kKeyB64 = "LS0tLS1LRVktLS0tLQo=";     // "-----KEY-----\n"

std::string kubeconfig(const std::string& user_body, const std::string& cluster_extra = "") {
  return R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: )" + std::string(kCaB64) + "\n" + cluster_extra + R"(
contexts:
- name: dev
  context:
    cluster: local
    user: me
    namespace: team-a
- name: other
  context:
    cluster: local
    user: me
users:
- name: me
  user:
)" + user_body;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("kube-config-test-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

std::string error_of(const std::string& yaml, const std::string& base_dir = "/nonexistent") {
  try {
    parse_kubeconfig(yaml, base_dir);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("kubeconfig with embedded client certificate data") {
  const Config c = parse_kubeconfig(kubeconfig(std::string("    client-certificate-data: ") + kCertB64 +
                                               "\n    client-key-data: " + kKeyB64 + "\n"),
                                    "/tmp");
  CHECK(c.server == "https://127.0.0.1:6443");  // trailing slash dropped
  CHECK(c.ca_pem == "-----CA-----\n");
  CHECK(c.client_cert_pem == "-----CERT-----\n");
  CHECK(c.client_key_pem == "-----KEY-----\n");
  CHECK(c.namespace_ == "team-a");
  CHECK(c.context == "dev");
  CHECK_FALSE(c.insecure_skip_tls_verify);
  CHECK(c.token.empty());
  CHECK_FALSE(c.exec.has_value());
}

TEST_CASE("kubeconfig file paths resolve relative to the kubeconfig's directory") {
  TempDir dir;
  dir.write("ca.crt", "CA-FROM-FILE");
  dir.write("client.crt", "CERT-FROM-FILE");
  dir.write("client.key", "KEY-FROM-FILE");
  dir.write("token", "tok-from-file\n");
  const std::string path = dir.write("config", R"(apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:1
    certificate-authority: ca.crt
contexts:
- name: c
  context: {cluster: k, user: u}
users:
- name: u
  user:
    client-certificate: client.crt
    client-key: client.key
    tokenFile: token
)");
  const Config c = load_kubeconfig(path);
  CHECK(c.ca_pem == "CA-FROM-FILE");
  CHECK(c.client_cert_pem == "CERT-FROM-FILE");
  CHECK(c.client_key_pem == "KEY-FROM-FILE");
  CHECK(c.token_file == (dir.path / "token").string());
  CHECK(c.namespace_ == "default");
  CredentialSource creds(c);
  CHECK(creds.current().token == "tok-from-file");  // trailing newline trimmed
}

TEST_CASE("kubeconfig token, insecure-skip-tls-verify and an explicit context") {
  const std::string yaml = kubeconfig("    token: abc123\n", "    insecure-skip-tls-verify: true\n");
  const Config c = parse_kubeconfig(yaml, "/tmp", "other");
  CHECK(c.token == "abc123");
  CHECK(c.insecure_skip_tls_verify);
  CHECK(c.context == "other");
  CHECK(c.namespace_ == "default");
}

TEST_CASE("kubeconfig exec plugin is parsed and its credential cached until expiry") {
  const std::string yaml = kubeconfig(R"(    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: get-token
      args: [--cluster, dev]
      env:
      - {name: REGION, value: eu}
      interactiveMode: Never
      provideClusterInfo: true
)");
  const Config c = parse_kubeconfig(yaml, "/tmp");
  REQUIRE(c.exec.has_value());
  CHECK(c.exec->command == "get-token");
  CHECK(c.exec->args == std::vector<std::string>{"--cluster", "dev"});
  REQUIRE(c.exec->env.size() == 1);
  CHECK(c.exec->env[0].first == "REGION");
  CHECK(c.exec->provide_cluster_info);

  int runs = 0;
  std::string seen_info;
  std::string expiry = "2200-01-01T00:00:00Z";
  CredentialSource creds(c, [&](const ExecConfig&, const std::string& info) {
    ++runs;
    seen_info = info;
    return R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t)" +
           std::to_string(runs) + R"(","expirationTimestamp":")" + expiry + R"("}})";
  });
  CHECK(creds.current().token == "t1");
  CHECK(creds.current().token == "t1");  // cached: not expired
  CHECK(runs == 1);
  CHECK(seen_info.find("\"server\":\"https://127.0.0.1:6443\"") != std::string::npos);
  creds.invalidate();  // a 401
  CHECK(creds.current().token == "t2");
  expiry = "2000-01-01T00:00:00Z";
  creds.invalidate();
  CHECK(creds.current().token == "t3");  // this one is already expired...
  CHECK(creds.current().token == "t4");  // ...so the next call runs the plugin again
}

TEST_CASE("exec credential decoding rejects bad plugin output") {
  CHECK_THROWS_AS(parse_exec_credential("not json"), ConfigError);
  CHECK_THROWS_AS(parse_exec_credential(R"({"kind":"Other","status":{"token":"x"}})"), ConfigError);
  CHECK_THROWS_AS(parse_exec_credential(R"({"kind":"ExecCredential"})"), ConfigError);
  CHECK_THROWS_AS(parse_exec_credential(R"({"kind":"ExecCredential","status":{}})"), ConfigError);
  CHECK_THROWS_AS(parse_exec_credential(R"({"kind":"ExecCredential","status":{"clientCertificateData":"c"}})"),
                  ConfigError);
  CHECK_THROWS_AS(
      parse_exec_credential(R"({"kind":"ExecCredential","status":{"token":"x","expirationTimestamp":"soon"}})"),
      ConfigError);
  const auto ok = parse_exec_credential(
      R"({"kind":"ExecCredential","status":{"clientCertificateData":"c","clientKeyData":"k"}})");
  CHECK(ok.client_cert_pem == "c");
  CHECK_FALSE(ok.expiration.has_value());
}

TEST_CASE("the real exec runner passes KUBERNETES_EXEC_INFO and reports failures") {
  ExecConfig exec;
  exec.command = "/bin/sh";
  exec.args = {"-c", "printf '%s' \"$KUBERNETES_EXEC_INFO|$EXTRA\""};
  exec.env = {{"EXTRA", "yes"}};
  CHECK(run_exec_plugin(exec, R"({"x":1})") == R"({"x":1}|yes)");
  exec.args = {"-c", "exit 3"};
  CHECK_THROWS_WITH_AS(run_exec_plugin(exec, "{}"), doctest::Contains("exit status 3"), ConfigError);
  exec.command = "/nonexistent/plugin";
  exec.args = {};
  CHECK_THROWS_AS(run_exec_plugin(exec, "{}"), ConfigError);
}

TEST_CASE("each bad kubeconfig gives its own clear error") {
  CHECK(error_of("") == "the file is empty");
  CHECK(error_of("clusters: [unclosed").find("not valid YAML") == 0);
  CHECK(error_of("- a\n- b\n") == "the top level is not a mapping");
  CHECK(error_of("apiVersion: v1\n") == "no current-context is set (and no context was given)");
  CHECK(error_of("current-context: x\ncontexts: []\n") == "context \"x\" not found in 'contexts'");
  CHECK(error_of("current-context: x\ncontexts:\n- name: x\n  context: {cluster: k}\n") ==
        "cluster \"k\" not found in 'clusters'");
  CHECK(error_of("current-context: x\ncontexts:\n- name: x\n  context: {cluster: k}\nclusters:\n- name: k\n  cluster: {}\n") ==
        "cluster \"k\" has no server");
  CHECK(error_of("current-context: x\ncontexts:\n- name: x\n  context: {cluster: k}\nclusters:\n- name: k\n  cluster: {server: 'ftp://h'}\n")
            .find("is not an http(s) URL") != std::string::npos);
  CHECK(error_of(kubeconfig("    client-certificate-data: " + std::string(kCertB64) + "\n")) ==
        "user \"me\" has a client certificate without a key or a key without a certificate");
  CHECK(error_of(kubeconfig("    client-certificate: missing.crt\n    client-key: missing.key\n"))
            .find("client-certificate file /nonexistent/missing.crt cannot be read") == 0);
  CHECK(error_of(kubeconfig("    client-certificate-data: '***'\n    client-key-data: x\n")) ==
        "client-certificate-data is not valid base64");
  CHECK(error_of(kubeconfig("    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n      command: x\n"))
            .find("is not client.authentication.k8s.io/v1") != std::string::npos);
  CHECK(error_of(kubeconfig("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n")) ==
        "user exec plugin has no 'command'");
  CHECK(error_of(kubeconfig("    auth-provider: {name: gcp}\n")).find("auth-provider") != std::string::npos);
  CHECK(error_of(kubeconfig("    tokenFile: /nonexistent/token\n")).find("tokenFile") != std::string::npos);
  CHECK(error_of(kubeconfig("    token: [1, 2]\n")) == "field 'token' must be a string");
}

TEST_CASE("load_kubeconfig names the file in its error and every error is one line") {
  TempDir dir;
  const std::string missing = (dir.path / "nope").string();
  CHECK_THROWS_WITH_AS(load_kubeconfig(missing), doctest::Contains(("kubeconfig " + missing + ": cannot be read").c_str()),
                       ConfigError);
  const std::string bad = dir.write("bad", "current-context: [\n");
  try {
    load_kubeconfig(bad);
    FAIL("no error");
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("kubeconfig " + bad + ": not valid YAML") == 0);
    CHECK(msg.find('\n') == std::string::npos);
  }
}

TEST_CASE("load_config order: flag, KUBECONFIG, in-cluster, home") {
  TempDir dir;
  const std::string path = dir.write("config", kubeconfig("    token: from-file\n"));
  std::map<std::string, std::string> env;
  auto lookup = [&env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  CHECK(load_config(path, lookup).token == "from-file");
  env["KUBECONFIG"] = "/nonexistent/a:" + path;
  CHECK(load_config("", lookup).token == "from-file");
  env["KUBECONFIG"] = "/nonexistent/a";
  CHECK_THROWS_WITH_AS(load_config("", lookup), "KUBECONFIG=/nonexistent/a: no such file", ConfigError);
  env.erase("KUBECONFIG");
  env["HOME"] = dir.path.string();
  CHECK_THROWS_WITH_AS(load_config("", lookup), doctest::Contains("no kubeconfig"), ConfigError);
}

TEST_CASE("in-cluster config reads the service-account files") {
  TempDir dir;
  dir.write("token", "sa-token\n");
  dir.write("ca.crt", "SA-CA");
  dir.write("namespace", "operators");
  std::map<std::string, std::string> env{{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  auto lookup = [&env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  const Config c = in_cluster_config(lookup, dir.path.string());
  CHECK(c.server == "https://10.0.0.1:443");
  CHECK(c.ca_pem == "SA-CA");
  CHECK(c.namespace_ == "operators");
  CredentialSource creds(c);
  CHECK(creds.current().token == "sa-token");
  env["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  CHECK(in_cluster_config(lookup, dir.path.string()).server == "https://[fd00::1]:443");
  env.erase("KUBERNETES_SERVICE_PORT");
  CHECK_THROWS_AS(in_cluster_config(lookup, dir.path.string()), ConfigError);
  env["KUBERNETES_SERVICE_PORT"] = "443";
  CHECK_THROWS_WITH_AS(in_cluster_config(lookup, (dir.path / "missing").string()),
                       doctest::Contains("service-account token"), ConfigError);
}

TEST_CASE("RFC 3339 timestamps round-trip") {
  const auto t = parse_rfc3339("2024-02-29T12:34:56Z");
  REQUIRE(t.has_value());
  CHECK(format_rfc3339(*t) == "2024-02-29T12:34:56Z");
  CHECK(std::chrono::system_clock::to_time_t(*t) == 1709210096);
  CHECK(parse_rfc3339("2024-02-29T14:34:56+02:00") == t);
  const auto micro = parse_rfc3339("2024-02-29T12:34:56.123456Z");
  REQUIRE(micro.has_value());
  CHECK(format_rfc3339_micro(*micro) == "2024-02-29T12:34:56.123456Z");
  CHECK_FALSE(parse_rfc3339("yesterday").has_value());
  CHECK_FALSE(parse_rfc3339("2024-02-29T12:34:56").has_value());
  CHECK_FALSE(parse_rfc3339("2024-02-29T12:34:56Zjunk").has_value());
}

TEST_CASE("a credential refresh runs outside the lock: requests go on with the still-valid credential (issue 13 #13)") {
  Config c;
  c.server = "https://127.0.0.1:6443";
  c.exec = ExecConfig{"client.authentication.k8s.io/v1", "plugin", {}, {}, "Never", false};
  std::atomic<int> runs{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // Each credential expires 5 s after it is handed out: soon enough to be refreshed ahead of time.
  CredentialSource creds(c, [&](const ExecConfig&, const std::string&) {
    const int run = ++runs;
    if (run == 2) released.wait();  // the refresh hangs until released
    const auto expiry = format_rfc3339_micro(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t)" +
           std::to_string(run) + R"(","expirationTimestamp":")" + expiry + R"("}})";
  });
  CHECK(creds.current().token == "t1");
  auto refreshing = std::async(std::launch::async, [&] { return creds.current().token; });
  for (int i = 0; i < 2000 && runs.load() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(runs.load() == 2);  // refreshed ahead of expiry
  auto other = std::async(std::launch::async, [&] { return creds.current().token; });
  const bool prompt = other.wait_for(std::chrono::seconds(1)) == std::future_status::ready;
  release.set_value();
  CHECK(prompt);
  CHECK(other.get() == "t1");
  CHECK(refreshing.get() == "t2");
}

TEST_CASE("an exec plugin that hangs is killed after its timeout (issue 13 #13)") {
  ExecConfig exec;
  exec.command = "/bin/sh";
  exec.args = {"-c", "sleep 20"};
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH_AS(run_exec_plugin(exec, "{}", std::chrono::milliseconds(300)), doctest::Contains("did not finish"),
                       ConfigError);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}
