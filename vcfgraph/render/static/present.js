/* vcfgraph teaching site: presenter mode on a case page (the button, or the fragment #present).
 *
 * The case told one screen at a time in large type, for a room: the vignette; then each question
 * with the facts it reads, and on the next screen the answer taken and why (so a teacher can stop
 * at a question and let the room answer); last the outcome. Right / Left / Space / Page keys /
 * Home / End move, Esc leaves; the step is in the URL (#present=N). A row of dots (a drawing, no
 * text) shows where the step is on the route. Runs on the helpers site.js exposes; text only.
 */
(function () {
  "use strict";
  var S = window.VcfgraphSite, T = window.VcfgraphTwin, G = window.VCFGRAPH;
  if (!S || !T || !G) { return; }
  var P = S.P, el = S.el, label = S.label, valueWords = S.valueWords, readBy = S.readBy;
  var SVGNS = "http://www.w3.org/2000/svg";

  function factLine(name, facts) {
    var f = P.fact.get(name);
    return (f.question || name) + " " + (facts.has(name) ? valueWords(f, facts.get(name)) : "not known");
  }

  /** The screens of a route: {kind, title, lines, dot} with dot the route position (-1: none). */
  function screens(route, facts, intro) {
    var out = [{ kind: "intro", title: intro.title, lines: intro.lines, dot: -1 }];
    route.steps.forEach(function (s, i) {
      var names = s.edge ? readBy(s.node).filter(function (n) { return facts.has(n) || P.fact.get(n).unknown !== null; }) : route.missing;
      var facts_ = names.map(function (n) { return factLine(n, facts); });
      out.push({ kind: "question", title: label(s.node), lead: facts_.length ? "The facts of the case:" : "", lines: facts_, dot: i });
      if (s.edge) {
        out.push({ kind: "answer", title: label(s.node), answer: "\u2192 " + s.answer,
          lines: [s.explanation.slice(label(s.node).length).trim()], dot: i });
      }
    });
    var end = { kind: "outcome", dot: route.steps.length, lines: [] };
    if (route.outcome === "need_info") {
      end.title = "More information is needed";
      end.lines = route.missing.map(function (n) { var f = P.fact.get(n); return "Ask: " + (f.question || n); });
    } else {
      end.title = label(route.terminal);
      P.categories.forEach(function (c) {
        var acts = T.listOf(route, c.slot);
        if (acts.length) { end.lines.push(c.name + (G.pathway.scale.acr ? " (" + c.id + ")" : "") + ": " + acts.map(label).join("; ")); }
      });
      route.cautions.forEach(function (c) { end.lines.push("\u26a0 Caution, " + label(c.action) + ": " + c.reason); });
      route.contraindicated.forEach(function (c) { end.lines.push("\u2298 Set apart, " + label(c.action) + ": " + c.reason); });
      var term = P.node.get(route.terminal);
      (term && term.downstream ? term.downstream : []).filter(function (d) { return route.downstream.indexOf(d.id) >= 0; })
        .forEach(function (d) { end.lines.push("Next: " + d.label + (d.text ? ": " + d.text : "")); });
    }
    out.push(end);
    return out;
  }

  /** After the outcome, a "how it is done" screen: the case page's notes on its recommended imaging
   *  (each line with its confidence and sources, the links left out) and the dose line; null without them. */
  function imagingScreen(main, dot) {
    var list = main.querySelector("#imaging-how ~ ul.imaging-briefs");
    if (!list) { return null; }
    var lines = Array.from(list.children).map(function (li) {
      var copy = li.cloneNode(true);
      copy.querySelectorAll("a.print-hide").forEach(function (a) { a.remove(); });
      return copy.textContent.replace(/\s+/g, " ").trim();
    });
    var dose = main.querySelector("#imaging-how ~ .dose-line");
    if (dose) { lines.push(dose.textContent.replace(/\s+/g, " ").trim()); }
    return lines.length ? { kind: "imaging", title: "How the recommended imaging is done", lines: lines, dot: dot } : null;
  }

  function dots(n, at) {
    var svg = document.createElementNS(SVGNS, "svg"), w = Math.max(1, n) * 28;
    svg.setAttribute("viewBox", "0 0 " + w + " 24");
    svg.setAttribute("class", "vg-present-map");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", at < 0 ? "Before the route" : "Step " + (at + 1) + " of " + n + " on the route");
    for (var i = 0; i < n; i++) {
      var c = document.createElementNS(SVGNS, "circle");
      c.setAttribute("cx", String(14 + 28 * i)); c.setAttribute("cy", "12"); c.setAttribute("r", i === at ? "10" : "6");
      c.setAttribute("class", i < at ? "vg-dot-done" : i === at ? "vg-dot-now" : "vg-dot-later");
      svg.appendChild(c);
    }
    return svg;
  }

  function Presenter(panel, main) {
    var facts = S.factsFrom(JSON.parse(panel.getAttribute("data-facts") || "{}"), []);
    this.route = T.trace(P, facts);
    var h1 = main.querySelector("h1"), vignette = main.querySelector(".vignette"), lede = main.querySelector(".lede");
    var intro = { title: h1 ? h1.textContent : "The case", lines: [] };
    if (lede) { intro.lines.push(lede.textContent); }
    if (vignette) { intro.lines.push(vignette.textContent); }
    this.screens = this.route.error !== undefined ? [] : screens(this.route, facts, intro);
    var how = this.screens.length ? imagingScreen(main, this.route.steps.length) : null;
    if (how) { this.screens.push(how); }
    this.main = main;
    this.root = null;
  }

  Presenter.prototype.open = function (at) {
    if (!this.screens.length) { return; }
    var self = this;
    this.back = document.activeElement;
    this.root = el("div", { id: "vg-present", role: "dialog", "aria-modal": "true", "aria-labelledby": "vg-present-h", tabindex: "-1" });
    this.body = el("div", { "class": "vg-present-body", tabindex: "0", role: "region", "aria-label": "The step" });  // scrolls by keyboard
    var bar = el("div", { "class": "vg-present-bar" });
    this.prev = el("button", { type: "button", "class": "vg-present-prev" }, "\u2190 Back");
    this.next = el("button", { type: "button", "class": "vg-present-next" }, "Next \u2192");
    var close = el("button", { type: "button", "class": "vg-present-close" }, "Leave (Esc)");
    this.count = el("span", { "class": "vg-present-count" });
    this.prev.addEventListener("click", function () { self.go(self.at - 1); });
    this.next.addEventListener("click", function () { self.go(self.at + 1); });
    close.addEventListener("click", function () { self.close(); });
    bar.appendChild(this.prev); bar.appendChild(this.count); bar.appendChild(this.next); bar.appendChild(close);
    this.root.appendChild(this.body); this.root.appendChild(bar);
    this.root.addEventListener("keydown", function (e) { self.key(e); });
    document.body.appendChild(this.root);
    this.main.setAttribute("inert", "");
    document.body.classList.add("vg-presenting");
    this.go(at || 0);
    this.body.focus();
  };

  Presenter.prototype.key = function (e) {
    var moves = { ArrowRight: 1, PageDown: 1, " ": 1, Enter: 0, ArrowLeft: -1, PageUp: -1 };  // up and down scroll a long step
    if (e.key === "Escape") { this.close(); e.preventDefault(); return; }
    if (e.key === "Home") { this.go(0); e.preventDefault(); return; }
    if (e.key === "End") { this.go(this.screens.length - 1); e.preventDefault(); return; }
    if (e.key === "Enter" || !(e.key in moves)) { return; }
    if (e.target.tagName === "BUTTON" && e.key === " ") { return; }
    this.go(this.at + moves[e.key]); e.preventDefault();
  };

  Presenter.prototype.go = function (at) {
    at = Math.max(0, Math.min(this.screens.length - 1, at));
    this.at = at;
    var s = this.screens[at], last = at === this.screens.length - 1, r = this.root;
    r.setAttribute("data-step", String(at + 1));
    r.setAttribute("data-kind", s.kind);
    if (last) { r.setAttribute("data-outcome", this.route.outcome); r.setAttribute("data-terminal", this.route.terminal || ""); }
    else { r.removeAttribute("data-outcome"); r.removeAttribute("data-terminal"); }
    this.body.textContent = "";
    this.body.appendChild(dots(this.route.steps.length + 1, s.dot));
    var kinds = { intro: "The case", question: "Question " + (s.dot + 1), answer: "Question " + (s.dot + 1) + ": the answer", outcome: "Outcome",
      imaging: "Outcome: how it is done" };
    this.body.appendChild(el("p", { "class": "vg-present-kind" }, kinds[s.kind]));
    this.body.appendChild(el("h2", { id: "vg-present-h" }, s.title));
    if (s.answer) { this.body.appendChild(el("p", { "class": "vg-present-answer" }, s.answer)); }
    if (s.lead) { this.body.appendChild(el("p", { "class": "vg-present-lead" }, s.lead)); }
    var list = el("ul", { "class": "vg-present-lines" });
    s.lines.forEach(function (line) { if (line) { list.appendChild(el("li", {}, line)); } });
    if (list.children.length) { this.body.appendChild(list); }
    if (s.kind === "question") { this.body.appendChild(el("p", { "class": "vg-present-hint" }, "What is the answer? Next shows it.")); }
    this.count.textContent = (at + 1) + " / " + this.screens.length;
    this.prev.disabled = at === 0; this.next.disabled = last;
    history.replaceState(null, "", "#present=" + (at + 1));
  };

  Presenter.prototype.close = function () {
    if (!this.root) { return; }
    this.root.remove(); this.root = null;
    this.main.removeAttribute("inert");
    document.body.classList.remove("vg-presenting");
    history.replaceState(null, "", location.pathname + location.search);
    if (this.back && this.back.focus) { this.back.focus(); }
  };

  function start() {
    var panel = document.getElementById("vg-explorer"), main = document.getElementById("main");
    if (!panel || !panel.getAttribute("data-case") || !main) { return; }
    var presenter = new Presenter(panel, main);
    if (!presenter.screens.length) { return; }
    var p = el("p", { "class": "vg-present-link print-hide" });
    var b = el("button", { type: "button", "data-vg-present": "" }, "Present this case to a room (one step a screen, large type; \u2192 and \u2190 move, Esc leaves)");
    b.addEventListener("click", function () { presenter.open(0); });
    p.appendChild(b);
    main.insertBefore(p, main.children[1] || null);
    var m = /^#present(?:=(\d+))?$/.exec(location.hash);
    if (m) { presenter.open(m[1] ? parseInt(m[1], 10) - 1 : 0); }
    window.vcfgraphPresenter = presenter;
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
