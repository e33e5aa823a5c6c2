// Table rules, as axe-core means them: td-headers-attr, th-has-data-cells, scope-attr-valid,
// empty-table-header. Cells are placed on a grid per table in one pass (colspan counted, capped at
// HTML's 1000; rowspan is not followed, which only makes th-has-data-cells more lenient).
#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "audit/rule_function.hpp"

namespace a11y::audit {
namespace {

bool is_cell(GumboTag t) { return t == GUMBO_TAG_TD || t == GUMBO_TAG_TH; }

void check_td_headers(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::unordered_map<const GumboNode*, std::int32_t> cell_table;   // cells with an id -> their table
  for (std::size_t i = 0; i < elements.size(); ++i)
    if (is_cell(elements[i].tag) && attr(elements[i].node, "id").present) cell_table.emplace(elements[i].node, sem[i].table);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const Element& e = elements[i];
    if (!is_cell(e.tag) || e.hidden || sem[i].table < 0) continue;
    const std::string_view headers = trim(attr(e.node, "headers").value);
    if (headers.empty()) continue;
    std::string problem;
    for_each_token(headers, [&](std::string_view id) {
      if (!problem.empty()) return;
      const GumboNode* ref = doc.by_id(id);
      if (ref == e.node) problem = "refers to the cell itself";
      else if (ref == nullptr) problem = "names " + quoted(id) + ", which is not on the page";
      else if (const auto it = cell_table.find(ref); it == cell_table.end() || it->second != sem[i].table)
        problem = "names " + quoted(id) + ", which is not a cell of the same table";
    });
    if (!problem.empty()) out.report(e.node, "The cell's headers attribute " + problem);
  }
}

struct Cell {
  std::size_t index;
  std::uint32_t row, col, span;
  bool header, data;
};

bool has_content(const GumboNode* n) {
  const GumboVector& kids = n->v.element.children;
  for (unsigned k = 0; k < kids.length; ++k) {
    const auto* c = static_cast<const GumboNode*>(kids.data[k]);
    if (is_element(c) || c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_CDATA) return true;
  }
  return false;
}

// axe leaves out headers whose text is empty (textContent, a no-break space counting as space): an empty
// header is empty-table-header's finding, not this rule's.
bool header_has_text(const GumboNode* th) {
  std::string text;
  if (!visible_text(th, text, 64, 4096)) return true;
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] == ' ') continue;
    if (text.compare(k, 2, "\xc2\xa0") == 0) {
      ++k;
      continue;
    }
    return true;
  }
  return false;
}

// th-has-data-cells: as in axe, the finding is on the table (its rule selects tables), once per table whose
// headers (one or more) have no data cell in their row or column, and it needs review: axe's check never
// fails a table, it answers "incomplete".
void check_th_data_cells(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::unordered_map<std::int32_t, std::vector<Cell>> tables;
  std::unordered_map<std::int32_t, std::uint32_t> rows_seen;   // table -> rows so far
  std::vector<std::uint32_t> row_of(elements.size(), 0), next_col(elements.size(), 0);
  std::unordered_set<std::string_view> referenced;   // ids named by some cell's headers
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const Element& e = elements[i];
    const std::int32_t t = sem[i].table;
    if (t < 0) continue;
    if (e.tag == GUMBO_TAG_TR) row_of[i] = rows_seen[t]++;
    if (!is_cell(e.tag)) continue;
    for_each_token(attr(e.node, "headers").value, [&](std::string_view id) { referenced.insert(id); });
    for_each_token(attr(e.node, "aria-labelledby").value, [&](std::string_view id) { referenced.insert(id); });
    const std::int32_t p = sem[i].parent;
    if (p < 0 || elements[static_cast<std::size_t>(p)].tag != GUMBO_TAG_TR || sem[static_cast<std::size_t>(p)].table != t) continue;
    long span = std::strtol(std::string(trim(attr(e.node, "colspan").value)).c_str(), nullptr, 10);
    span = std::clamp(span, 1L, 1000L);
    std::uint32_t& col = next_col[static_cast<std::size_t>(p)];
    const bool header = e.tag == GUMBO_TAG_TH;
    tables[t].push_back(Cell{i, row_of[static_cast<std::size_t>(p)], col, static_cast<std::uint32_t>(span), header,
                             !header && !e.hidden && has_content(e.node)});
    col += static_cast<std::uint32_t>(span);
  }
  std::vector<std::size_t> failing, review;
  for (auto& [t, cells] : tables) {
    if (out.out_of_time()) return;
    const Element& table = elements[static_cast<std::size_t>(t)];
    if (table.hidden || table.has_role("none") || table.has_role("presentation")) continue;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> columns;   // data cells' [start, end) columns, merged
    std::unordered_set<std::uint32_t> data_rows;
    for (const Cell& c : cells)
      if (c.data) columns.emplace_back(c.col, c.col + c.span), data_rows.insert(c.row);
    // A row header with content in a row of data is what its column's header refers to (a "Name"
    // column of row headers): axe passes that column header, and so does this rule.
    for (const Cell& c : cells)
      if (c.header && data_rows.count(c.row) && !elements[c.index].hidden && has_content(elements[c.index].node))
        columns.emplace_back(c.col, c.col + c.span);
    std::sort(columns.begin(), columns.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;
    for (const auto& r : columns) {
      if (!merged.empty() && r.first <= merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
      else merged.push_back(r);
    }
    const auto column_has_data = [&](std::uint32_t start, std::uint32_t end) {
      auto it = std::upper_bound(merged.begin(), merged.end(), std::make_pair(start, UINT32_MAX));
      if (it != merged.begin() && std::prev(it)->second > start) return true;
      return it != merged.end() && it->first < end;
    };
    std::size_t without_data = 0, headers = 0;
    for (const Cell& c : cells) {
      if (!c.header || elements[c.index].hidden || !header_has_text(elements[c.index].node)) continue;
      if (const auto id = attr(elements[c.index].node, "id"); id.present && referenced.count(id.value)) continue;
      ++headers;
      if (!merged.empty() && !data_rows.count(c.row) && !column_has_data(c.col, c.col + c.span)) ++without_data;
    }
    if (headers == 0) continue;
    if (merged.empty()) review.push_back(static_cast<std::size_t>(t));
    else if (without_data > 0) failing.push_back(static_cast<std::size_t>(t));
  }
  std::sort(failing.begin(), failing.end());
  std::sort(review.begin(), review.end());
  for (std::size_t i : failing) out.review(elements[i].node, "A table header has no data cells in its row or column: check the table");
  for (std::size_t i : review) out.review(elements[i].node, "Table has headers but no data cells: check it is a data table");
}

void check_scope(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    const AttrValue scope = attr(e.node, "scope");
    if (!scope.present || e.hidden || !is_cell(e.tag)) continue;
    if (e.tag == GUMBO_TAG_TD)
      out.report(e.node, "scope belongs on <th>, not <td> (obsolete in HTML5)");
    else if (!list_has("row col rowgroup colgroup", trim(scope.value)))
      out.report(e.node, "scope=" + quoted(trim(scope.value)) + " is not row, col, rowgroup or colgroup");
  }
}

void check_empty_table_header(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.tag != GUMBO_TAG_TH || e.hidden || (!e.role.empty() && !e.has_role("columnheader") && !e.has_role("rowheader"))) continue;
    if (!accessible_name(doc, e.node, /*from_content=*/true).empty()) continue;
    out.report(e.node, "Table header has no text: say what the column or row holds (or use <td>)");
  }
}

}  // namespace

const std::vector<const Rule*>& table_rules() {
  static const FunctionRule rules[] = {
      {{"td-headers-attr", "1.3.1", "A", "Table cells that use the headers attribute must only refer to cells in the same table",
        Impact::Serious, "cat.tables,wcag2a,wcag131,section508,section508.22.g"}, &check_td_headers},
      {{"th-has-data-cells", "1.3.1", "A", "Table headers in a data table must refer to data cells", Impact::Serious,
        "cat.tables,wcag2a,wcag131,section508,section508.22.g", RuleSource::Axe, /*review_on_fail=*/true}, &check_th_data_cells},
      {{"scope-attr-valid", "", "", "scope attribute should be used correctly", Impact::Moderate, "cat.tables,best-practice"}, &check_scope},
      {{"empty-table-header", "", "", "Table header text should not be empty", Impact::Minor, "cat.name-role-value,best-practice"}, &check_empty_table_header},
  };
  static const std::vector<const Rule*> list = rule_pointers(rules);
  return list;
}

}  // namespace a11y::audit
