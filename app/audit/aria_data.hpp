// The WAI-ARIA 1.2 roles and states/properties (plus the DPUB-ARIA and Graphics-ARIA roles axe accepts),
// and the HTML elements' implicit and allowed roles (ARIA in HTML), as data: the tables are in
// aria_data.cpp; the ARIA rules look things up here instead of branching on names.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace a11y::audit {

enum RoleFlag : std::uint16_t {
  kAbstract = 1,            // not for authors (command, landmark, widget, ...): aria-roles fails it
  kLandmark = 2,
  kDeprecated = 4,          // aria-deprecated-role
  kChildrenPresentational = 8,   // its descendants are flattened: nested-interactive
  kNameFromContent = 16,    // the accessible name may come from its content
  kNameProhibited = 32,     // aria-label/aria-labelledby are prohibited (aria-prohibited-attr)
  kWidget = 64,             // interactive (focusable descendants of a presentational-children role)
  kStructure = 128,
};

struct AriaRole {
  std::string_view name;
  std::uint16_t flags;
  std::string_view required_attrs;     // space-separated attribute names
  std::string_view supported_attrs;    // beyond the global ones
  std::string_view required_context;   // roles one of which must own it (aria-required-parent)
  std::string_view required_owned;     // roles it must own (aria-required-children)
  bool has(RoleFlag f) const { return (flags & f) != 0; }
};

enum class AttrType : std::uint8_t { Bool, Tristate, TrueFalseUndefined, IdRef, IdRefs, Int, Number, String, Token, Tokens };

struct AriaAttr {
  std::string_view name;
  AttrType type;
  bool global;
  std::string_view values;   // Token/Tokens: the allowed values, space-separated
  int min_int = 0;           // Int: the smallest valid value
};

// The whole tables, for the tests that check them against each other.
std::span<const AriaRole> all_roles();
std::span<const AriaAttr> all_aria_attrs();
// Case-insensitive look-ups; null when unknown.
const AriaRole* find_role(std::string_view name);
const AriaAttr* find_aria_attr(std::string_view name);
// True when token is one of the space-separated words of list (ASCII case-insensitive).
bool list_has(std::string_view list, std::string_view token);

// ARIA in HTML: the roles an author may give an element. kAnyRole: any role; empty: none at all.
inline constexpr std::string_view kAnyRole = "*";
// The allowed-role list for an element with this tag name (lower case) and kind, or kAnyRole when the
// table has no entry. kind distinguishes the variants the table keys on: "href" for a/area with href,
// "alt" / "empty-alt" for img, the type for input.
std::string_view allowed_roles(std::string_view tag, std::string_view kind);

// The autocomplete field names of the HTML standard, and those that take a contact token (home, work, ...).
bool is_autocomplete_field(std::string_view token);
bool is_contact_autocomplete_field(std::string_view token);

// ISO 639-1 and the commonly used ISO 639-2/3 primary language subtags (valid-lang).
bool is_known_primary_language(std::string_view subtag);

}  // namespace a11y::audit
