#include "po/version.hpp"
namespace po {
std::string_view version() { return PO_VERSION; }
}  // namespace po
