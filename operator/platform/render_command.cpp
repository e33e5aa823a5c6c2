// `platform-operator render -f platform.yaml`: every manifest of a Platform as a YAML stream, no cluster needed.
#include "po/platform/render_command.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "po/platform/render.hpp"
#include "po/platform/spec.hpp"
#include "po/platform/yaml.hpp"

namespace po::platform {
namespace {

constexpr std::string_view kUsage = R"(Usage: platform-operator render -f FILE [flags]

Prints every object the operator would create for the Platform in FILE as a YAML stream, in apply order.
Secrets are not printed: the operator generates them in the cluster.

Flags:
  -f, --filename FILE      the Platform manifest ("-" reads standard input)
  -n, --namespace NS       render into NS (default: metadata.namespace, else "default")
      --monitoring-crds    assume the monitoring.coreos.com CRDs exist (serviceMonitors: Auto picks them)
      --config-dir DIR     also write each ConfigMap's files to DIR/<configmap>/<key>
      --revision           print only the revision digest of the stateless objects
  -h, --help               this help
)";

std::string read_all(std::istream& in) {
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_config_files(const std::vector<DesiredObject>& objects, const std::filesystem::path& dir) {
  for (const DesiredObject& object : objects) {
    const auto& m = object.manifest;
    if (m.value("kind", "") != "ConfigMap" || !m.contains("data")) continue;
    const auto folder = dir / m["metadata"]["name"].get<std::string>();
    std::filesystem::create_directories(folder);
    for (const auto& [key, value] : m["data"].items()) {
      std::ofstream file(folder / key, std::ios::binary);
      file << value.get<std::string>();
      if (!file) throw std::runtime_error("cannot write " + (folder / key).string());
    }
  }
}

}  // namespace

int run_render_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  std::string file;
  std::string namespace_override;
  std::string config_dir;
  RenderOptions options;
  bool revision_only = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    auto value = [&](std::string& target) {
      if (i + 1 >= args.size()) {
        err << "platform-operator render: " << arg << " needs a value\n";
        return false;
      }
      target = args[++i];
      return true;
    };
    if (arg == "-h" || arg == "--help") {
      out << kUsage;
      return 0;
    } else if (arg == "-f" || arg == "--filename") {
      if (!value(file)) return 2;
    } else if (arg.rfind("--filename=", 0) == 0) {
      file = arg.substr(11);
    } else if (arg == "-n" || arg == "--namespace") {
      if (!value(namespace_override)) return 2;
    } else if (arg == "--config-dir") {
      if (!value(config_dir)) return 2;
    } else if (arg == "--monitoring-crds") {
      options.monitoringCrdsAvailable = true;
    } else if (arg == "--revision") {
      revision_only = true;
    } else {
      err << "platform-operator render: unknown argument \"" << arg << "\"\n\n" << kUsage;
      return 2;
    }
  }
  if (file.empty()) {
    err << "platform-operator render: -f FILE is required\n\n" << kUsage;
    return 2;
  }

  std::string text;
  if (file == "-") {
    text = read_all(std::cin);
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      err << "platform-operator render: cannot read " << file << "\n";
      return 1;
    }
    text = read_all(in);
  }

  std::vector<nlohmann::json> documents;
  try {
    documents = yaml_documents(text);
  } catch (const std::exception& e) {
    err << "platform-operator render: " << file << ": " << e.what() << "\n";
    return 1;
  }
  std::vector<nlohmann::json> platforms;
  for (auto& doc : documents)
    if (doc.is_object() && doc.value("kind", "") == kKind) platforms.push_back(std::move(doc));
  if (platforms.empty()) {
    err << "platform-operator render: " << file << ": no object of kind Platform found\n";
    return 1;
  }

  int status = 0;
  bool first = true;
  for (auto& object : platforms) {
    if (!namespace_override.empty()) object["metadata"]["namespace"] = namespace_override;
    ParseResult parsed = parse_and_validate(object);
    const std::string who = object.contains("metadata") && object["metadata"].is_object() ? object["metadata"].value("name", "<unnamed>") : "<unnamed>";
    if (!parsed.ok()) {
      err << "platform-operator render: " << file << ": Platform \"" << who << "\" is invalid:\n";
      for (const FieldError& e : parsed.errors) err << "  " << to_string(e) << "\n";
      status = 1;
      continue;
    }
    const auto objects = render(parsed.platform, options);
    if (revision_only) {
      out << revision_digest(objects) << "\n";
      continue;
    }
    if (!config_dir.empty()) {
      try {
        write_config_files(objects, config_dir);
      } catch (const std::exception& e) {
        err << "platform-operator render: " << e.what() << "\n";
        return 1;
      }
    }
    if (first) out << "# Rendered by platform-operator for Platform " << parsed.platform.metadata.namespace_ << "/" << who
                   << "; revision " << revision_digest(objects) << "\n";
    first = false;
    for (const DesiredObject& o : objects) {
      out << "---\n# tier: " << to_string(o.tier) << ", stateless: " << (o.stateless ? "true" : "false") << "\n" << to_yaml(o.manifest);
    }
  }
  return status;
}

}  // namespace po::platform
