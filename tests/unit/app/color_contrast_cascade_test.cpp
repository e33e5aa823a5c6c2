// color-contrast over the CSS cascade: colours from <style> sheets and inheritance decide a violation only
// when every value is determined; what the engine cannot determine is "needs review", never a guess.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "audit/audit.hpp"
#include "audit/css.hpp"
#include "audit/rule.hpp"

using namespace a11y::audit;

namespace {

enum class Outcome { None, Violation, Review };

struct Answer {
  Outcome outcome = Outcome::None;
  std::string message;
};

// color-contrast's answer for the element(s) of body (the first finding).
Answer contrast(const std::string& head, const std::string& body) {
  Options o;
  o.rules = {"color-contrast"};
  o.cpu_budget = {};
  const auto r = Engine().run("<!doctype html><html lang=en><head><title>t</title>" + head + "</head><body>" + body + "</body></html>", o);
  if (r.findings.empty()) return {};
  return {r.findings[0].needs_review ? Outcome::Review : Outcome::Violation, r.findings[0].message};
}
Outcome outcome(const std::string& sheet, const std::string& body) {
  return contrast(sheet.empty() ? "" : "<style>" + sheet + "</style>", body).outcome;
}

}  // namespace

TEST_CASE("colours from style sheets: specificity, source order, !important and inline styles") {
  CHECK(outcome("p { color: #aaa }", "<p>grey</p>") == Outcome::Violation);
  CHECK(outcome("p { color: #aaa }", "<div>not a p</div>") == Outcome::None);
  CHECK(outcome("#a { color: #000 } p { color: #aaa }", "<p id=a>id wins</p>") == Outcome::None);
  CHECK(outcome("p.x { color: #aaa } .x { color: #000 }", "<p class=x>more specific wins</p>") == Outcome::Violation);
  CHECK(outcome("p { color: #aaa } p { color: #000 }", "<p>later wins</p>") == Outcome::None);
  CHECK(outcome("p { color: #000 } p { color: #aaa }", "<p>later wins</p>") == Outcome::Violation);
  CHECK(outcome("p { color: #aaa; color: #000 }", "<p>later in the block wins</p>") == Outcome::None);
  CHECK(outcome("p { color: #aaa }", "<p style='color:#000'>inline wins</p>") == Outcome::None);
  CHECK(outcome("p { color: #aaa !important }", "<p style='color:#000'>important wins</p>") == Outcome::Violation);
  CHECK(outcome("#a { color: #000 } p { color: #aaa !important }", "<p id=a>important beats specificity</p>") == Outcome::Violation);
  CHECK(outcome("p { color: #aaa !important }", "<p style='color:#000 !important'>inline important wins</p>") == Outcome::None);
  CHECK(outcome("a:hover { color: #eee }", "<a href=/x>not hovered</a>") == Outcome::None);
  CHECK(outcome("button:disabled { color: #ccc }", "<button>enabled</button>") == Outcome::None);
  CHECK(outcome("button:enabled { color: #ccc }", "<button>enabled</button>") == Outcome::Violation);
  CHECK(outcome("button { color: #ccc }", "<fieldset disabled><button>inactive: exempt</button></fieldset>") == Outcome::None);
  CHECK(outcome("@media print { p { color: #eee } }", "<p>printed only</p>") == Outcome::None);
  CHECK(outcome("@media screen { p { color: #eee } }", "<p>on screen</p>") == Outcome::Violation);
}

TEST_CASE("inheritance, inherit, initial, currentColor, backgrounds and opacity") {
  CHECK(outcome("div { color: #aaa }", "<div><p>inherited</p></div>") == Outcome::Violation);
  CHECK(outcome("div { color: #aaa } p { color: initial }", "<div><p>initial is black</p></div>") == Outcome::None);
  CHECK(outcome("div { color: #aaa } p { color: #000 } span { color: inherit }", "<div><p><span>inherits black</span></p></div>") == Outcome::None);
  CHECK(outcome(".dark { background: #111 }", "<div class=dark><p>black on near-black</p></div>") == Outcome::Violation);
  CHECK(outcome(".dark { background: #111; color: #fff }", "<div class=dark><p>white on near-black</p></div>") == Outcome::None);
  CHECK(outcome(".dark { background-color: #111 } .dark p { background: transparent }", "<div class=dark><p>see-through</p></div>") ==
        Outcome::Violation);
  CHECK(outcome("p { color: #777; background-color: currentColor }", "<p>same colour</p>") == Outcome::Violation);
  CHECK(outcome(".h { background: rgba(0, 0, 0, 0.5) } p { color: #444 }", "<div class=h><p>half black</p></div>") == Outcome::Violation);
  CHECK(outcome("p { color: #000; opacity: 0.3 }", "<p>faded</p>") == Outcome::Violation);
  CHECK(outcome("div { opacity: 0.3 }", "<div><p>faded by its parent</p></div>") == Outcome::Violation);
  CHECK(outcome("p { color: hsl(0, 0%, 67%) }", "<p>hsl grey</p>") == Outcome::Violation);
  CHECK(outcome("p { color: #0000ee88 }", "<p>translucent blue</p>") == Outcome::Violation);
}

TEST_CASE("hidden by a style sheet: display, visibility and opacity 0 are not checked") {
  CHECK(outcome(".h { display: none } p { color: #eee }", "<div class=h><p>not displayed</p></div>") == Outcome::None);
  CHECK(outcome(".h { visibility: hidden } p { color: #eee }", "<div class=h><p>invisible</p></div>") == Outcome::None);
  CHECK(outcome(".h { visibility: hidden } p { color: #eee; visibility: visible }", "<div class=h><p>visible again</p></div>") ==
        Outcome::Violation);
  CHECK(outcome(".h { opacity: 0 } p { color: #eee }", "<div class=h><p>transparent</p></div>") == Outcome::None);
}

TEST_CASE("large text from style sheets and the UA's heading sizes") {
  CHECK(outcome("h1 { color: #949494 }", "<h1>32px bold: 3:1 is enough</h1>") == Outcome::None);
  CHECK(outcome("h1 { color: #949494; font-weight: normal; font-size: 16px }", "<h1>now normal text</h1>") == Outcome::Violation);
  CHECK(outcome("p { font-size: 24px; color: #949494 }", "<p>large</p>") == Outcome::None);
  CHECK(outcome("p { font: bold 19px/1.2 sans-serif; color: #949494 }", "<p>bold large via font</p>") == Outcome::None);
  CHECK(outcome("p { font: 19px sans-serif; color: #949494 }", "<p>not bold</p>") == Outcome::Violation);
  CHECK(outcome("html { font-size: 20px } p { font-size: 1.2rem; color: #949494 }", "<p>24px by rem</p>") == Outcome::None);
  CHECK(outcome("div { font-size: 2em } p { color: #949494 }", "<div><p>32px inherited</p></div>") == Outcome::None);
  // 3.03:1 passes large text and fails normal text: an unknown size cannot decide.
  CHECK(outcome("p { font-size: calc(1rem + 8px); color: #949494 }", "<p>size unknown</p>") == Outcome::Review);
  // Below 3:1 fails whatever the size.
  CHECK(outcome("p { font-size: 5vw; color: #bbb }", "<p>fails at any size</p>") == Outcome::Violation);
}

TEST_CASE("the UA's own colours: links, buttons and mark") {
  CHECK(outcome("", "<div style='background:#000'><a href=/x>link blue on black</a></div>") == Outcome::Violation);
  CHECK(outcome("body { color: #fff; background: #000 }", "<button>black on buttonface</button>") == Outcome::None);
  CHECK(outcome("body { color: #fff; background: #000 }", "<p>white <mark>black on yellow</mark></p>") == Outcome::None);
  CHECK(outcome("body { color: #fff; background: #000 } a { color: inherit }", "<a href=/x>inherits white</a>") == Outcome::None);
}

TEST_CASE("what cannot be determined needs review, never a verdict") {
  CHECK(outcome("p { color: var(--muted) }", "<p>custom property</p>") == Outcome::Review);
  CHECK(outcome(".g { background: linear-gradient(#000, #333) }", "<div class=g><p>gradient</p></div>") == Outcome::Review);
  CHECK(outcome(".i { background: #fff url(hero.jpg) no-repeat }", "<div class=i><p>image</p></div>") == Outcome::Review);
  CHECK(outcome(".i { background-image: url(hero.jpg) } p { background: #fff; color: #000 }", "<div class=i><p>own opaque background</p></div>") ==
        Outcome::None);
  CHECK(outcome("p:has(b) { color: #aaa }", "<p>unknown selector <b>b</b></p>") == Outcome::Review);
  CHECK(outcome("p:has(b) { color: #000 } p { color: #aaa }", "<p>fails either way <b>b</b></p>") == Outcome::Review);
  CHECK(outcome("@media (min-width: 800px) { p { color: #aaa } }", "<p>on wide screens</p>") == Outcome::Review);
  CHECK(outcome("@media (prefers-color-scheme: dark) { body { background: #000 } }", "<p>dark scheme</p>") == Outcome::Review);
  CHECK(outcome("p::first-line { color: #ccc }", "<p>first line</p>") == Outcome::Review);
  CHECK(outcome("p::before { content: ''; background: #000 } p { color: #777 }", "<p>a box before it</p>") == Outcome::Review);
  CHECK(outcome("p::before { content: ''; background: #000 }", "<p>passes anyway</p>") == Outcome::None);
  // An external sheet may set any colour: a failing estimate needs review; the element's own inline colours
  // and opaque background are beyond a normal author rule's reach.
  const auto external = contrast("<link rel=stylesheet href=/site.css><style>p { color: #aaa }</style>", "<p>grey?</p>");
  CHECK(external.outcome == Outcome::Review);
  CHECK(external.message.find("external style sheet") != std::string::npos);
  CHECK(contrast("<link rel=stylesheet href=/site.css>", "<p style='color:#aaa;background:#fff'>own colours</p>").outcome == Outcome::Violation);
  CHECK(contrast("<link rel=stylesheet href=/print.css media=print>", "<p style='color:#aaa'>print sheet only</p>").outcome ==
        Outcome::Violation);
  CHECK(outcome("@import url(/a.css); p { color: #aaa }", "<p>imported</p>") == Outcome::Review);
  CHECK(contrast("<link rel=stylesheet href=/site.css>", "<p>black on white</p>").outcome == Outcome::None);
}

TEST_CASE("many rules over many elements stay within the selector budget") {
  // Every div is a candidate of every rule (indexed by its rightmost "div"), and each rule walks the
  // whole ancestor chain before failing: the budget stops the sheets, the rest of the page is open.
  std::string sheet;
  for (int i = 0; i < 4000; ++i) sheet += ".absent" + std::to_string(i) + " div{color:#aaa}";
  std::string body;
  for (int i = 0; i < 200; ++i) body += "<div>";
  body += "<p style='color:#aaa'>inline grey</p>";
  for (int i = 0; i < 200; ++i) body += "</div>";
  Options o;
  o.rules = {"color-contrast"};
  o.cpu_budget = {};
  const auto t0 = CpuBudget::thread_cpu_time();
  const auto r = Engine().run("<!doctype html><html><head><style>" + sheet + "</style></head><body>" + body + "</body></html>", o);
  const double seconds = std::chrono::duration<double>(CpuBudget::thread_cpu_time() - t0).count();
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].needs_review);
  CHECK(r.findings[0].message.find("budget") != std::string::npos);
  CHECK(seconds < 5.0);   // a loose ceiling; hack/bench/worst_case.sh measures it
}
