/* vcfgraph teaching site: quiz mode on a case page, and the scores on quiz.html.
 *
 * Everything on the page that tells the route is hidden (the hidden attribute) until the learner
 * has answered every question; after each pick the learner sees whether it was right and why
 * (the step's explanation). Scores stay in localStorage under "vcfgraph-quiz:<pathway id>".
 * Runs on the helpers site.js exposes; pathway text only reaches the page as textContent.
 */
(function () {
  "use strict";
  var S = window.VcfgraphSite, T = window.VcfgraphTwin, G = window.VCFGRAPH;
  if (!S || !T || !G) { return; }
  var P = S.P, el = S.el, label = S.label, own = S.own, readBy = S.readBy, valueWords = S.valueWords,
    factsFrom = S.factsFrom, showRoute = S.showRoute;

  var QUIZ_KEY = "vcfgraph-quiz:";

  function progress() {
    try { return JSON.parse(localStorage.getItem(QUIZ_KEY + G.pathway.id) || "{}") || {}; } catch (e) { return {}; }
  }

  function saveProgress(caseId, score, total) {
    var all = progress();
    all[caseId] = { score: score, total: total };
    try { localStorage.setItem(QUIZ_KEY + G.pathway.id, JSON.stringify(all)); } catch (e) { /* storage off: nothing kept */ }
  }

  /** Quiz on a case page: everything that tells the route is hidden until the learner earns it. */
  function Quiz(main, panel, explorer) {
    this.main = main; this.caseId = panel.getAttribute("data-case");
    this.facts = factsFrom(JSON.parse(panel.getAttribute("data-facts")), []);
    this.route = T.trace(P, this.facts);
    this.explorer = explorer; this.at = 0; this.score = 0; this.hiddenEls = [];
    var self = this;
    Array.from(main.children).forEach(function (c) {
      if (c.tagName === "H1" || c.classList.contains("lede") || c.classList.contains("vignette") || c.classList.contains("vg-keep")) { return; }
      if (!c.hidden) { c.hidden = true; self.hiddenEls.push(c); }
    });
    this.box = el("section", { "class": "vg-quiz", id: "vg-quiz", "aria-labelledby": "vg-quiz-h" });
    this.box.appendChild(el("h2", { id: "vg-quiz-h" }, "Quiz: walk this case through the pathway"));
    this.box.appendChild(el("p", {}, "Read the vignette, then pick the answer at each question. The route, the outcome and the recommendations stay hidden until the end."));
    this.running = el("p", { id: "vg-quiz-running", "class": "vg-quiz-running", role: "status" });
    this.box.appendChild(this.running);
    this.picks = [];
    this.body = el("div", { "aria-live": "polite" });
    this.box.appendChild(this.body);
    main.appendChild(this.box);
    this.ask();
  }

  Quiz.prototype.steps = function () { return this.route.steps; };

  Quiz.prototype.ask = function () {
    var self = this, step = this.steps()[this.at];
    this.body.textContent = "";
    this.running.textContent = "Score so far: " + this.score + " of " + this.at + " · question " + (this.at + 1) + " of " + this.steps().length;
    var h = el("h3", { tabindex: "-1" }, "Question " + (this.at + 1) + ": " + label(step.node));
    this.body.appendChild(h);
    var read = readBy(step.node);
    if (read.length) {  // the findings as a clinician reads them: the question asked of the patient, the finding in words
      var facts = this.facts, ul = el("ul", { "class": "vg-quiz-facts" });
      read.forEach(function (n) {
        var f = P.fact.get(n);
        ul.appendChild(el("li", {}, (f.question || n) + " — " + (facts.has(n) ? valueWords(f, facts.get(n)) : "not recorded")));
      });
      var hint = el("details", { "class": "vg-quiz-hint" });  // folded: the vignette is what the student reads first
      hint.appendChild(el("summary", {}, "A hint: the findings this question reads"));
      hint.appendChild(ul);
      this.body.appendChild(hint);
    }
    this.body.appendChild(el("p", { "class": "vg-quiz-lead" }, "Which way does the pathway go?"));
    var choices = P.outEdges(step.node).map(function (e) { return { id: e.id, text: e.label }; });
    choices.push({ id: null, text: "Cannot answer yet: a fact it reads is not known" });
    var group = el("div", { "class": "vg-choices", role: "group", "aria-label": "Answers" });
    choices.forEach(function (c) {
      var b = el("button", { type: "button", "class": "vg-choice" }, c.text);
      b.addEventListener("click", function () { self.pick(c, choices); });
      group.appendChild(b);
    });
    this.body.appendChild(group);
    if (this.at > 0) { h.focus({ preventScroll: true }); this.box.scrollIntoView({ block: "start" }); }
  };

  Quiz.prototype.pick = function (choice, choices) {
    var self = this, step = this.steps()[this.at];
    var right = choice.id === step.edge;
    if (right) { this.score += 1; }
    var correct = choices.filter(function (c) { return c.id === step.edge; })[0];
    this.body.querySelectorAll("button.vg-choice").forEach(function (b, i) {
      b.disabled = true;
      var c = choices[i], mark = [];
      if (c === choice) { b.classList.add("vg-picked"); mark.push("your pick"); }
      if (c === correct) { b.classList.add("vg-correct"); mark.push("the pathway's answer"); }
      if (mark.length) { b.appendChild(el("span", { "class": "vg-choice-mark" }, " (" + (c === correct ? "✓ " : "✗ ") + mark.join(", ") + ")")); }
    });
    this.picks.push({ question: label(step.node), pick: choice.text, answer: correct.text, right: right });
    this.running.textContent = "Score so far: " + this.score + " of " + (this.at + 1) + " · question " + (this.at + 1) + " of " + this.steps().length;
    this.body.appendChild(el("p", { "class": right ? "vg-right" : "vg-wrong" },
      (right ? "Right. " : "Not this one: the answer is \u201c" + correct.text + "\u201d. ") + "Why: " +
      step.explanation.slice(label(step.node).length).trim()));
    var last = this.at === this.steps().length - 1;
    var next = el("button", { type: "button", id: "vg-quiz-next" }, last ? "Show the route and my score" : "Next question");
    next.addEventListener("click", function () { if (last) { self.finish(); } else { self.at += 1; self.ask(); } });
    this.body.appendChild(next);
    next.focus();
  };

  Quiz.prototype.finish = function () {
    var total = this.steps().length;
    saveProgress(this.caseId, this.score, total);
    this.hiddenEls.forEach(function (c) { c.hidden = false; });
    this.body.textContent = "";
    this.running.hidden = true;
    this.body.appendChild(el("p", { id: "vg-quiz-score", tabindex: "-1" }, "Score: " + this.score + " of " + total + ". " +
      (this.route.outcome === "need_info" ? "The walk stops: more information is needed." : "The route ends at " + label(this.route.terminal) + ".")));
    var review = el("ol", { "class": "vg-quiz-review" });
    this.picks.forEach(function (p) {
      review.appendChild(el("li", { "class": p.right ? "vg-right" : "vg-wrong" }, p.question + " You picked “" + p.pick + "”" +
        (p.right ? ": right." : "; the pathway's answer is “" + p.answer + "”.")));
    });
    this.body.appendChild(el("h3", {}, "Your answers"));
    this.body.appendChild(review);
    if (this.explorer && this.explorer.svg) { showRoute(this.explorer.svg, this.explorer.route); }
    var again = el("a", { href: "#quiz" }, "Take it again");
    again.addEventListener("click", function (e) { e.preventDefault(); location.reload(); });
    this.body.appendChild(again);
    this.box.scrollIntoView({ block: "start" });
    document.getElementById("vg-quiz-score").focus({ preventScroll: true });
  };

  function quizIndex() {
    var all = progress();
    document.querySelectorAll(".vg-progress[data-case]").forEach(function (s) {
      var p = own(all, s.getAttribute("data-case"));
      s.textContent = p ? "score " + p.score + " of " + p.total : "not taken yet";
    });
  }

  window.VcfgraphQuiz = { Quiz: Quiz, index: quizIndex };
})();
