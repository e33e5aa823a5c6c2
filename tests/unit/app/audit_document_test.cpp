// The parsed document: accessible names, hidden subtrees, id lookups, and the parse arena.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>

#include "audit/arena.hpp"
#include "audit/document.hpp"

using namespace a11y::audit;

namespace {

const GumboNode* find(const Document& doc, std::string_view id) {
  const GumboNode* n = doc.by_id(id);
  REQUIRE_MESSAGE(n != nullptr, id);
  return n;
}

}  // namespace

TEST_CASE("accessible names follow aria-labelledby, aria-label, content, then title") {
  const Document doc(
      "<html><body>"
      "<span id=l1>Billing</span><span id=l2 aria-label=\"address\">ignored text</span>"
      "<a id=a1 href=# aria-labelledby=\"l1 l2 missing\" aria-label=\"not used\">text</a>"
      "<a id=a2 href=# aria-label=\"  Close  \">x</a>"
      "<a id=a3 href=#>Order <b>history</b><img src=i.png alt=\"(PDF)\"><script>junk()</script></a>"
      "<a id=a4 href=# title=\"Help centre\"><span aria-hidden=true>?</span></a>"
      "<a id=a5 href=#><img src=i.png></a>"
      "</body></html>",
      512);
  CHECK(accessible_name(doc, find(doc, "a1"), true) == "Billing address");
  CHECK(accessible_name(doc, find(doc, "a2"), true) == "Close");
  CHECK(accessible_name(doc, find(doc, "a3"), true) == "Order history (PDF)");
  CHECK(accessible_name(doc, find(doc, "a4"), true) == "Help centre");
  CHECK(accessible_name(doc, find(doc, "a5"), true).empty());
  CHECK(accessible_name(doc, find(doc, "a3"), false).empty());   // content not used when from_content is false
}

TEST_CASE("elements carry depth, inherited aria-hidden and their first role token") {
  const Document doc("<html><body><div aria-hidden=\"true\"><p id=p role=\"button link\">x</p></div><p id=q>y</p></body></html>", 512);
  const Element* p = nullptr;
  const Element* q = nullptr;
  for (const auto& e : doc.elements()) {
    if (e.node == doc.by_id("p")) p = &e;
    if (e.node == doc.by_id("q")) q = &e;
  }
  REQUIRE(p != nullptr);
  REQUIRE(q != nullptr);
  CHECK(p->depth == 4);
  CHECK(p->hidden);
  CHECK(p->has_role("BUTTON"));
  CHECK_FALSE(p->has_role("link"));
  CHECK_FALSE(q->hidden);
  CHECK(q->role.empty());
}

TEST_CASE("id lookups count duplicates and label[for] targets") {
  const Document doc("<label for=a>A</label><label for=a>A again</label><i id=a></i><i id=a></i><i id=b></i>", 512);
  CHECK(doc.id_count("a") == 2);
  CHECK(doc.id_count("b") == 1);
  CHECK(doc.id_count("c") == 0);
  CHECK(doc.by_id("c") == nullptr);
  CHECK(doc.labels_for("a").size() == 2);
  CHECK(doc.labels_for("b").empty());
}

TEST_CASE("the arena hands out aligned memory and gives back what exceeds its retain budget") {
  Arena arena;
  void* a = arena.allocate(1);
  void* b = arena.allocate(3);
  CHECK(reinterpret_cast<std::uintptr_t>(a) % alignof(std::max_align_t) == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(b) % alignof(std::max_align_t) == 0);
  CHECK(a != b);
  for (int i = 0; i < 100; ++i) (void)arena.allocate(128 * 1024);   // ~12.5 MiB
  CHECK(arena.bytes_reserved() > Arena::kRetainBytes);
  (void)arena.allocate(3 * Arena::kBlockBytes);   // larger than a block gets its own
  arena.reset();
  CHECK(arena.bytes_reserved() <= Arena::kRetainBytes);
  CHECK(arena.bytes_reserved() > 0);
  // Memory is reused after reset.
  const auto reserved = arena.bytes_reserved();
  (void)arena.allocate(1000);
  CHECK(arena.bytes_reserved() == reserved);
}
