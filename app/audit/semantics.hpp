// What the ARIA rules need to know about every element, computed once per document in one pass over
// Document::elements() (pre-order, so each element's ancestors are already known): its role, the nearest
// ancestors that matter (landmark, owning role, table, label, aria-hidden root), and whether it is
// rendered and focusable. Rules read it by element index; none of them walks up or down the tree.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "audit/aria_data.hpp"
#include "audit/document.hpp"

namespace a11y::audit {

struct NodeInfo {
  const AriaRole* role = nullptr;            // effective role: a valid explicit one, else the implicit one
  const AriaRole* explicit_role = nullptr;   // the first valid, non-abstract token of role=""
  const AriaRole* implicit_role = nullptr;   // what the element is without a role attribute (ARIA in HTML)
  std::int32_t parent = -1;                  // element indexes; -1: none
  std::int32_t landmark = -1;                // nearest ancestor that is a landmark (is_landmark)
  std::int32_t owner = -1;                   // nearest ancestor with a role other than none/presentation/generic
  std::int32_t table = -1;                   // nearest <table> ancestor
  std::int32_t label = -1;                   // nearest <label> ancestor
  std::int32_t aria_hidden = -1;             // nearest ancestor-or-self with aria-hidden="true"
  bool is_landmark = false;                  // landmark role (region and form only with a name)
  bool rendered = true;                      // no display:none / hidden / closed dialog on it or above
  bool invisible = false;                    // inherited inline visibility:hidden|collapse (not focusable)
  bool focusable = false;                    // can take focus (natively or by tabindex), when rendered
  bool tabbable = false;                     // focusable and in the tab order (tabindex not negative)
  bool in_sectioning = false;                // an ancestor is article, aside, main, nav or section
  bool in_sectioning_content = false;        // the same without main (an aside in main is still complementary)
};

class Semantics {
 public:
  explicit Semantics(const Document& doc);
  const NodeInfo& operator[](std::size_t i) const { return info_[i]; }
  std::size_t size() const { return info_.size(); }
  // Role name or empty.
  static std::string_view role_name(const NodeInfo& n) { return n.role ? n.role->name : std::string_view(); }
  // No role of its own for ownership: none, presentation, generic or nothing.
  static bool transparent(const AriaRole* r);

 private:
  std::vector<NodeInfo> info_;
};

// An element's own display:none, hidden attribute (without an inline display) or unopened dialog.
bool not_rendered_self(const GumboNode* element);
// tabindex as an integer; false when absent or not a number.
bool parse_tabindex(const GumboNode* element, int& value);
// The visible text under root (text nodes only, not alt or aria-label), collapsed, at most max_bytes;
// gives up (returns false) after max_nodes nodes so a huge subtree costs a bounded walk.
bool visible_text(const GumboNode* root, std::string& out, std::size_t max_bytes, std::size_t max_nodes);

}  // namespace a11y::audit
