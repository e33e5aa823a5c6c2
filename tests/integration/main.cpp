// Integration tests need the envtest apiserver (tests/integration/envtest.sh); without it they are skipped (77).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <filesystem>
#include <iostream>

#include "support.hpp"

int main(int argc, char** argv) {
  if (it::env("PO_ENVTEST_DIR").empty() || !std::filesystem::exists(it::kubeconfig_path())) {
    std::cerr << "integration: no envtest apiserver (PO_ENVTEST_DIR unset or no kubeconfig there); skipping\n";
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
