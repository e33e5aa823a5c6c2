// The rules added from axe-core's rule set with the WAI-ARIA 1.2 tables (issue 14 §3): each against a
// passing and a failing page, run alone, like audit_rules_test.cpp does for the fixture files. The pages
// are inline: most are a few elements, and the page-level rules need whole documents anyway.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "audit/aria_data.hpp"
#include "audit/audit.hpp"
#include "audit/document.hpp"
#include "audit/semantics.hpp"

using a11y::audit::Engine;
using a11y::audit::Options;

namespace {

struct Case {
  const char* rule;
  const char* pass_body;   // inside <body>
  const char* fail_body;
  std::size_t fail_findings;
  const char* first_selector;
  bool review;   // the failing page's findings need review (axe: incomplete)
};

const Case kCases[] = {
    // Landmarks and page structure.
    {"region", "<header>Site</header><nav><a href=/>Home</a></nav><main><p>Text</p></main><footer>(c)</footer>",
     "<main><p>In</p></main><div><p>Out</p><p>Also out</p></div><p>Loose</p>", 2, "html > body > div", false},
    {"landmark-unique", "<nav aria-label=Primary></nav><nav aria-label=Footer></nav><main></main>",
     "<nav aria-label=Menu></nav><main><nav aria-label=menu></nav></main><aside></aside><aside></aside>", 2,
     "html > body > nav", false},
    {"landmark-one-main", "<div role=main>x</div>", "<div>x</div>", 1, "html", false},
    {"landmark-no-duplicate-banner", "<header>a</header><main><header>article header</header></main>",
     "<header>a</header><div role=banner>b</div>", 1, "html > body > header", false},
    {"landmark-no-duplicate-contentinfo", "<footer>a</footer><article><footer>b</footer></article>",
     "<footer>a</footer><footer>b</footer>", 1, "html > body > footer:nth-of-type(1)", false},
    {"landmark-no-duplicate-main", "<main>a</main><main hidden>b</main>", "<main>a</main><div role=main>b</div>", 1,
     "html > body > main", false},
    {"landmark-banner-is-top-level", "<header>a</header><main><header>in main: not a banner</header></main>",
     "<nav><div role=banner>b</div></nav>", 1, "html > body > nav > div", false},
    {"landmark-contentinfo-is-top-level", "<footer>a</footer>", "<main><div role=contentinfo>c</div></main>", 1,
     "html > body > main > div", false},
    {"landmark-main-is-top-level", "<main>a</main>", "<nav><main>m</main></nav>", 1, "html > body > nav > main", false},
    {"landmark-complementary-is-top-level", "<aside>a</aside><main><aside>tip</aside></main>",
     "<main><div role=complementary>c</div><section><aside>in a section in main</aside></section></main>", 1,
     "html > body > main > section > aside", false},   // as axe: complementary may sit in main, an aside in a section is none
    {"page-has-heading-one", "<div role=heading aria-level=1>Title</div>", "<h2>Sub</h2><h1 hidden>gone</h1>", 1, "html", false},
    {"empty-heading", "<h1>Title</h1><h2><img src=a.png alt=Logo></h2><h3 hidden></h3>",
     "<h1></h1><h2><span aria-hidden=true>x</span></h2><div role=heading> </div>", 3, "html > body > h1", false},
    {"bypass", "<main><a href=/a>a</a></main>", "<div><a href=/a>a</a><a href=/b>b</a></div>", 1, "html", true},

    // ARIA validity.
    {"aria-roles", "<div role=button>b</div><div role=\"foo link\">l</div>",
     "<div role=btn>b</div><div role=widget>w</div>", 2, "html > body > div:nth-of-type(1)", false},
    {"aria-valid-attr", "<div aria-label=x aria-describedby=d id=d>x</div>", "<div aria-lable=x>x</div>", 1, "html > body > div", false},
    {"aria-valid-attr-value",
     "<button aria-expanded=true aria-controls=m>m</button><ul id=m aria-level=2></ul><div role=slider aria-valuenow=3.5>s</div>",
     "<button aria-expanded=yes>m</button><div role=heading aria-level=0>h</div><span aria-describedby=nowhere>s</span>", 3,
     "html > body > button", false},
    {"aria-allowed-attr", "<button aria-pressed=true>b</button><div role=checkbox aria-checked=true tabindex=0>c</div>",
     "<a href=/ aria-checked=true>l</a><div role=button aria-sort=ascending>b</div>", 2, "html > body > a", false},
    {"aria-required-attr", "<div role=checkbox aria-checked=false>c</div><input type=checkbox role=checkbox>",
     "<div role=checkbox>c</div><div role=slider>s</div><div role=combobox aria-expanded=true>c</div>", 3,
     "html > body > div:nth-of-type(1)", false},
    {"aria-prohibited-attr", "<div role=region aria-label=Box>x</div><span aria-hidden=true aria-label=x></span>",
     "<div aria-label=Empty></div><span aria-label=Label>text</span>", 2, "html > body > div", false},
    {"aria-deprecated-role", "<ul role=list><li>x</li></ul>", "<div role=directory>x</div>", 1, "html > body > div", false},
    {"aria-conditional-attr",
     "<input type=checkbox checked aria-checked=true><table role=treegrid><tr role=row aria-level=1><td role=gridcell>x</td></tr></table>",
     "<input type=checkbox aria-checked=true><table role=grid><tr role=row aria-expanded=true><td role=gridcell>x</td></tr></table>", 2,
     "html > body > input", false},
    {"aria-hidden-body", "<main>x</main>", "", 1, "html > body", false},
    {"aria-hidden-focus",
     "<div aria-hidden=true><a href=/ tabindex=-1>x</a><button disabled>b</button><input type=hidden>"
     "<a href=/v style=\"visibility:hidden\">v</a><span style=display:none><a href=/n>n</a></span></div>",
     "<div aria-hidden=true><a href=/>x</a></div><p aria-hidden=true tabindex=0>p</p>", 2, "html > body > div", false},
    {"aria-allowed-role", "<ul role=menu><li role=menuitem>x</li></ul><nav role=navigation></nav><img src=a alt=\"\" role=presentation>",
     "<button role=heading>b</button><input type=text role=button><li role=listbox>x</li>", 3, "html > body > button", false},
    {"presentation-role-conflict", "<img src=a alt=\"\" role=presentation><table role=none><tr><td>x</td></tr></table>",
     "<button role=none>b</button><div role=presentation aria-label=x>d</div>", 2, "html > body > button", false},

    // ARIA structure.
    {"aria-required-children", "<div role=list><span role=listitem>a</span><div><div role=listitem>b</div></div></div><div role=tablist aria-busy=true></div>",
     "<div role=list><a href=/>x</a></div><div role=row></div><div role=tablist></div>", 3, "html > body > div:nth-of-type(1)", false},
    {"aria-required-parent", "<div role=list><div><div role=listitem>a</div></div></div><ul role=menu><li role=none><a role=menuitem>x</a></li></ul>",
     "<div role=listitem>a</div><div role=tablist><div role=group><div role=tab>t</div></div></div>", 2, "html > body > div:nth-of-type(1)", false},
    {"nested-interactive", "<button><span>Save</span></button><div role=tab>t</div>",
     "<button><a href=/>x</a></button><div role=checkbox><input type=text></div>", 2, "html > body > button", false},
    {"tabindex", "<div tabindex=0>a</div><div tabindex=-1>b</div>", "<div tabindex=1>a</div><a href=/ tabindex=\"5\">b</a>", 2,
     "html > body > div", false},
    {"aria-text", "<span role=text>Hello <b>world</b></span>", "<span role=text><a href=/>x</a></span>", 1, "html > body > span", false},

    // Names.
    {"aria-command-name", "<div role=button>Save</div><span role=link aria-label=Home></span><a href=/ role=button></a>",
     "<div role=button></div><span role=menuitem><i></i></span>", 2, "html > body > div", false},
    {"aria-input-field-name", "<div role=textbox aria-label=Name></div><div role=combobox aria-labelledby=l aria-expanded=false></div><p id=l>City</p>",
     "<div role=textbox>typed text does not name it</div><div role=spinbutton title=\"\"></div>", 2, "html > body > div:nth-of-type(1)", false},
    {"aria-toggle-field-name", "<div role=checkbox aria-checked=false>Subscribe</div><div role=switch aria-checked=true aria-label=Wifi></div>",
     "<div role=checkbox aria-checked=false></div><div role=radio aria-checked=false><span aria-hidden=true>o</span></div>", 2,
     "html > body > div:nth-of-type(1)", false},
    {"aria-tooltip-name", "<div role=tooltip>Copied</div>", "<div role=tooltip></div>", 1, "html > body > div", false},
    {"aria-treeitem-name", "<ul role=tree><li role=treeitem>Docs</li></ul>", "<ul role=tree><li role=treeitem></li></ul>", 1,
     "html > body > ul > li", false},
    {"aria-progressbar-name", "<div role=progressbar aria-label=Upload aria-valuenow=3></div>", "<div role=progressbar aria-valuenow=3>30%</div>", 1,
     "html > body > div", false},
    {"aria-meter-name", "<div role=meter aria-valuenow=3 title=Battery></div>", "<div role=meter aria-valuenow=3></div>", 1, "html > body > div", false},
    {"aria-dialog-name", "<div role=dialog aria-labelledby=t><h2 id=t>Settings</h2></div>", "<div role=alertdialog><p>Sure?</p></div>", 1,
     "html > body > div", false},
    {"role-img-alt", "<div role=img aria-label=Chart></div><svg role=img></svg>", "<div role=img></div><span role=img>text is not a name</span>", 2,
     "html > body > div", false},
    {"svg-img-alt", "<svg role=img><title>Logo</title></svg><svg role=img aria-label=Map></svg><svg></svg>", "<svg role=img></svg>", 1,
     "html > body > svg", false},
    {"input-image-alt", "<input type=image src=go.png alt=Search>", "<input type=image src=go.png><input type=image src=x.png alt=\" \">", 2,
     "html > body > input:nth-of-type(1)", false},
    {"object-alt", "<object data=a.pdf>Annual report</object><object data=b.swf aria-label=Game></object>", "<object data=a.pdf></object>", 1,
     "html > body > object", false},
    {"area-alt", "<map name=m><area href=/a alt=North><area alt=\"\"></map>", "<map name=m><area href=/a></map>", 1, "html > body > map > area", false},
    {"summary-name", "<details><summary>More</summary>x</details>", "<details><summary></summary>x</details>", 1,
     "html > body > details > summary", false},
    {"image-redundant-alt", "<a href=/><img src=a alt=Logo> Home</a><p><img src=b alt=\"\">Caption</p>",
     "<a href=/><img src=a alt=Home>Home</a><button><img src=b alt=\"Save\"> save</button>", 2, "html > body > a > img", false},

    // Forms.
    {"label-title-only", "<label>Name <input title=\"Your name\"></label><input aria-label=Email title=e>",
     "<input title=Name><select aria-describedby=h></select><p id=h>Pick one</p>", 2, "html > body > input", false},
    {"form-field-multiple-labels", "<label for=a>A</label><input id=a><label>B <input></label>",
     "<label for=a>A</label><label for=a>Again</label><input id=a><label for=b>B</label><label>C <input id=b></label>", 2,
     "html > body > input", true},
    {"autocomplete-valid", "<input autocomplete=email><input autocomplete=\"section-a shipping postal-code\"><input autocomplete=\"work tel\"><input autocomplete=off>",
     "<input autocomplete=mail><input autocomplete=\"work name\"><input autocomplete=\"email billing\">", 3, "html > body > input:nth-of-type(1)", false},

    // Page and element rules.
    {"valid-lang", "<p lang=fr>Bonjour</p><p lang=pt-BR>Oi</p><p lang=\"\">x</p>", "<p lang=english>Hi</p><span lang=zz>?</span>", 2,
     "html > body > p", false},
    {"accesskeys", "<a href=/ accesskey=h>Home</a><a href=/s accesskey=s>Search</a>",
     "<a href=/ accesskey=h>Home</a><a href=/h accesskey=H>Help</a>", 1, "html > body > a:nth-of-type(1)", false},
    {"frame-title-unique", "<iframe title=Map></iframe><iframe title=Video></iframe>", "<iframe title=Ad></iframe><iframe title=ad></iframe>", 2,
     "html > body > iframe:nth-of-type(1)", true},
    {"definition-list", "<dl><dt>A</dt><dd>a</dd><div><dt>B</dt><dd>b</dd></div><script></script></dl>",
     "<dl><p>stray</p><dt>A</dt><dd>a</dd></dl><dl>text<dt>B</dt></dl>", 2, "html > body > dl:nth-of-type(1)", false},
    {"dlitem", "<dl><dt>A</dt><div><dd>a</dd></div></dl><dl role=list><dt>B</dt></dl>", "<div><dt>A</dt></div><dd>a</dd>", 2,
     "html > body > div > dt", false},
    {"server-side-image-map", "<a href=/map><img src=m.png alt=Map></a>", "<a href=/map><img src=m.png alt=Map ismap></a>", 1,
     "html > body > a > img", false},
    {"marquee", "<p>News</p>", "<marquee>News</marquee>", 1, "html > body > marquee", false},
    {"blink", "<p>Sale</p>", "<blink>Sale</blink>", 1, "html > body > blink", false},

    // Tables.
    {"td-headers-attr", "<table><tr><th id=h>H</th></tr><tr><td headers=h>1</td></tr></table>",
     "<table><tr><th id=h>H</th></tr><tr><td id=c headers=c>1</td><td headers=x>2</td></tr></table><table><tr><td headers=h>3</td></tr></table>", 3,
     "html > body > table:nth-of-type(1) > tbody > tr:nth-of-type(2) > td:nth-of-type(1)", false},
    {"th-has-data-cells", "<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>30</td></tr></table>"
                          "<table><tr><th scope=col>Check</th><th scope=col>Status</th></tr><tr><th scope=row>db</th><td>up</td></tr></table>",
     "<table><tr><th>Name</th><th>Age</th><th>Notes</th></tr><tr><td>Ann</td><td>30</td></tr></table>", 1,
     "html > body > table", true},   // on the table and needs review, as axe
    {"scope-attr-valid", "<table><tr><th scope=col>A</th><th scope=row>B</th></tr></table>",
     "<table><tr><th scope=column>A</th><td scope=row>B</td></tr></table>", 2, "html > body > table > tbody > tr > th", false},
    {"empty-table-header", "<table><tr><th>A</th><th aria-label=Actions></th></tr></table>", "<table><tr><th></th><th> </th></tr></table>", 2,
     "html > body > table > tbody > tr > th:nth-of-type(1)", false},
};

std::string page(const char* body, const char* body_attributes = "") {
  return std::string("<!doctype html><html lang=en><head><title>t</title></head><body") + body_attributes + ">" + body + "</body></html>";
}

a11y::audit::Result run_only(const Engine& engine, const std::string& html, const char* rule) {
  Options options;
  options.rules = {rule};
  return engine.run(html, options);
}

}  // namespace

TEST_CASE("each ARIA-table rule passes its passing page and flags its failing page") {
  const Engine engine;
  for (const Case& c : kCases) {
    const std::string rule = c.rule;
    CAPTURE(rule);
    const auto pass = run_only(engine, page(c.pass_body), c.rule);
    for (const auto& f : pass.findings) MESSAGE("pass page: " << f.selector << ": " << f.message);
    CHECK(pass.findings.empty());
    REQUIRE(pass.rules_run == std::vector<std::string>{c.rule});

    const std::string fail_html = rule == "aria-hidden-body" ? page("<main>x</main>", " aria-hidden=true") : page(c.fail_body);
    const auto fail = run_only(engine, fail_html, c.rule);
    for (const auto& f : fail.findings) MESSAGE("fail page: " << f.selector << ": " << f.message);
    REQUIRE(fail.findings.size() == c.fail_findings);
    const auto& f = fail.findings.front();
    CHECK(f.rule_id == c.rule);
    CHECK(f.selector == c.first_selector);
    CHECK(f.needs_review == c.review);
    CHECK((fail.score < 100.0) == !c.review);
    CHECK(!f.message.empty());
    CHECK(f.snippet.front() == '<');
  }
}

TEST_CASE("the engine has at least 60 rules, each with axe's metadata, and lists the layout rules it leaves out") {
  const auto& rules = Engine::rules();
  CHECK(rules.size() >= 60);
  std::set<std::string> ids;
  for (const auto& r : rules) ids.insert(r.id);
  for (const Case& c : kCases) CHECK(ids.count(c.rule) == 1);
  const auto& out_of_scope = Engine::out_of_scope_rules();
  CHECK(out_of_scope.size() >= 5);
  for (const auto& o : out_of_scope) {
    CAPTURE(o.id);
    CHECK(ids.count(o.id) == 0);
    CHECK(!o.reason.empty());
  }
}

TEST_CASE("landmark roles follow the HTML mapping: header and footer inside sectioning content are not landmarks") {
  const Engine engine;
  Options options;
  options.rules = {"landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo", "landmark-banner-is-top-level",
                   "landmark-unique", "region"};
  const auto r = engine.run(page("<header>Site</header><main><article><header>A</header><footer>a</footer></article>"
                                 "<section><header>B</header></section><aside><footer>c</footer></aside></main><footer>(c)</footer>"),
                            options);
  for (const auto& f : r.findings) MESSAGE(f.rule_id << " " << f.selector << ": " << f.message);
  CHECK(r.findings.empty());
}

TEST_CASE("region reports the outermost block without landmarks once, and skips hidden content and skip links") {
  const Engine engine;
  Options options;
  options.rules = {"region"};
  const auto r = engine.run(page("<a href=#main>Skip</a><div><div><p>a</p><p>b</p></div></div>"
                                 "<div><span>x</span><nav>n</nav></div><div hidden><p>h</p></div><main id=main>m</main>"),
                            options);
  std::vector<std::string> selectors;
  for (const auto& f : r.findings) selectors.push_back(f.selector);
  CHECK(selectors == std::vector<std::string>{"html > body > div:nth-of-type(1)", "html > body > div:nth-of-type(2) > span"});
}

TEST_CASE("region: as axe, never-rendered elements, svg and dialogs end the search like landmarks; skip links only before the first page link") {
  const Engine engine;
  Options options;
  options.rules = {"region"};
  const auto selectors_of = [&](const std::string& body) {
    std::vector<std::string> out;
    const std::string html = body + "<main id=main><h1>m</h1></main>";
    for (const auto& f : engine.run(page(html.c_str()), options).findings) out.push_back(f.selector);
    return out;
  };
  // A script (or style, template, noscript, input type=hidden) inside a wrapper splits it into its blocks.
  CHECK(selectors_of("<div><table><tr><td>Title</td></tr></table><script>x()</script><div id=p>path</div></div>") ==
        std::vector<std::string>{"html > body > div > table", "html > body > div > div"});
  CHECK(selectors_of("<div><p>a</p><template><p>t</p></template></div><div><p>b</p><noscript>n</noscript></div>") ==
        std::vector<std::string>{"html > body > div:nth-of-type(1) > p", "html > body > div:nth-of-type(2) > p"});
  CHECK(selectors_of("<div><form><input type=HIDDEN name=t><p>f</p></form></div>") ==
        std::vector<std::string>{"html > body > div > form > p"});
  // An svg is a region for its ancestors and never reported; so is a role=dialog.
  CHECK(selectors_of("<div><div class=t>Title</div><svg><path d=M0></path></svg></div><svg></svg>") ==
        std::vector<std::string>{"html > body > div > div"});
  CHECK(selectors_of("<div role=dialog aria-label=c><p>Cookies</p></div>").empty());
  // In-page links after the first link that leaves the page are not skip links; before it they are, also
  // when they name an anchor by name, but not when they name nothing.
  CHECK(selectors_of("<div><p>Next: <a href=b.html>B</a></p><ul><li><a href=#main>Top</a></li></ul></div>") ==
        std::vector<std::string>{"html > body > div"});
  CHECK(selectors_of("<div><a href=#toc>Skip</a><p>Links</p></div><a name=toc></a><p><a href=a.html>A</a></p>") ==
        std::vector<std::string>{"html > body > div > p", "html > body > p"});
  CHECK(selectors_of("<div><a href=#nowhere>Skip</a><p>x</p></div>") == std::vector<std::string>{"html > body > div"});
}

TEST_CASE("landmark-unique: a form or section without a name is no landmark, whatever its role") {
  const Engine engine;
  Options options;
  options.rules = {"landmark-unique"};
  const auto r = engine.run(page("<nav aria-label=Top><form role=search><input aria-label=q></form></nav>"
                                 "<main><div role=search>a</div><div role=search>b</div><section>s</section><section>t</section></main>"),
                            options);
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].selector == "html > body > main > div:nth-of-type(1)");
}

TEST_CASE("label: a <label for> is named by its own aria-label or title too, as axe's accessible text of the label") {
  const Engine engine;
  Options options;
  options.rules = {"label"};
  const auto r = engine.run(page("<input type=checkbox id=a><label for=a aria-label=\"Toggle the menu\"><svg></svg></label>"
                                 "<input type=checkbox id=b><label for=b title=Theme><svg></svg></label>"
                                 "<input type=checkbox id=c><label for=c><svg></svg></label>"),
                            options);
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].selector == "html > body > input:nth-of-type(3)");
}

TEST_CASE("th-has-data-cells: headers without text are not this rule's; findings are on the table") {
  const Engine engine;
  Options options;
  options.rules = {"th-has-data-cells"};
  const auto r = engine.run(page("<table><tr><th>name</th><th> </th><th>&nbsp;</th></tr><tr><td>a</td><td> </td><td></td></tr></table>"
                                 "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td></tr></table>"),
                            options);
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].selector == "html > body > table:nth-of-type(2)");
}

TEST_CASE("the ARIA tables are consistent: every role and attribute they name exists") {
  using namespace a11y::audit;
  std::set<std::string> seen;
  for (const AriaRole& r : all_roles()) {
    CAPTURE(std::string(r.name));
    CHECK(seen.insert(std::string(r.name)).second);
    CHECK(find_role(r.name) == &r);
    for_each_token(r.required_attrs, [&](std::string_view a) { CHECK(find_aria_attr(a) != nullptr); });
    for_each_token(r.supported_attrs, [&](std::string_view a) {
      CAPTURE(std::string(a));
      const AriaAttr* attr = find_aria_attr(a);
      REQUIRE(attr != nullptr);
      CHECK(!attr->global);   // a global attribute needs no listing
    });
    for (std::string_view list : {r.required_context, r.required_owned})
      for_each_token(list, [&](std::string_view name) {
        CAPTURE(std::string(name));
        CHECK(find_role(name) != nullptr);
      });
  }
  for (const AriaAttr& a : all_aria_attrs()) CHECK(find_aria_attr(a.name) == &a);
  CHECK(find_role("BUTTON") == find_role("button"));
  CHECK(find_role("widget")->has(kAbstract));
  CHECK(find_aria_attr("aria-lable") == nullptr);
  CHECK(allowed_roles("div", "") == kAnyRole);
  CHECK(allowed_roles("input", "checkbox") == "button menuitemcheckbox option switch");
}

TEST_CASE("the semantics pass computes roles and ancestors once, in document order") {
  using namespace a11y::audit;
  const Document doc(page("<header>h</header><main><section aria-label=S><header id=inner>i</header><ul><li id=li>x</li></ul></section>"
                          "<div role=list><div><span role=listitem id=item>y</span></div></div><button id=b><a href=/ id=a>z</a></button></main>"),
                     512);
  const Semantics& sem = doc.semantics();
  const auto index_of = [&](const char* id) {
    const GumboNode* n = doc.by_id(id);
    for (std::size_t i = 0; i < doc.elements().size(); ++i)
      if (doc.elements()[i].node == n) return i;
    return std::size_t(-1);
  };
  const auto role = [&](std::int32_t i) { return i < 0 ? std::string() : std::string(Semantics::role_name(sem[static_cast<std::size_t>(i)])); };
  CHECK(sem[index_of("inner")].role == nullptr);   // a header in sectioning content is no banner
  CHECK(role(sem[index_of("inner")].landmark) == "region");   // a named section is one
  CHECK(role(sem[index_of("li")].owner) == "list");
  CHECK(role(sem[index_of("item")].owner) == "list");   // the plain div in between is transparent
  CHECK(role(sem[index_of("a")].parent) == "button");
  CHECK(sem[index_of("a")].tabbable);
  CHECK(role(static_cast<std::int32_t>(index_of("a"))) == "link");
}
