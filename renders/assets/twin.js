/* vcfgraph twin: the engine's walk, run in the browser on the exported pathway data.
 *
 * A hand-written port of vcfgraph/conditions.py and vcfgraph/engine.py (three-valued logic,
 * counting, points, named conditions, "not recorded" policies, the walk, need_info with the facts to ask and the outcomes still possible, ratings, the
 * patient-level checks, a variant's rules that fire together) plus vcfgraph/whatif.py (single-fact changes, best next question).
 * tests/test_twin.py runs it in Chromium over the whole case space and compares every field
 * with Python's trace: a single disagreement fails the suite. No framework, no DOM here.
 */
(function (root) {
  "use strict";

  var FORMAT = 3;
  var NUMERIC = { lt: 1, le: 1, gt: 1, ge: 1, between: 1 };
  var WORDS = { eq: "is ", ne: "is not ", lt: "is below ", le: "is at most ", gt: "is above ", ge: "is at least " };

  function RouteError(message) { this.message = message; }

  /* ------------------------------------------------------------------ facts */

  /** Fact values as a Map (never a plain object: a fact may be called "constructor"). */
  function factMap(facts) {
    if (facts instanceof Map) { return facts; }
    var out = new Map();
    Object.keys(facts || {}).forEach(function (k) { out.set(k, facts[k]); });
    return out;
  }

  function get(facts, name) {
    var v = facts.get(name);
    return v === undefined ? null : v;
  }

  function withFact(facts, name, value) {
    var out = new Map(facts);
    out.set(name, value);
    return out;
  }

  /* ------------------------------------------------------------------ conditions */

  function isNumber(v) { return typeof v === "number"; }

  function same(a, b) { return typeof a === typeof b && a === b; }

  function testOne(t, facts) {
    var actual = get(facts, t.fact), op = t.op, value = t.value, i;
    if (op === "is_known") { return (actual !== null) === value; }
    if (actual === null && assumes(t, facts)) { actual = t.assume; }
    if (op === "eq" || op === "ne") {
      if (value === null || actual === null) {
        if (value !== null) { return null; }
        return op === "eq" ? actual === null : actual !== null;
      }
      return op === "eq" ? same(actual, value) : !same(actual, value);
    }
    if (op === "in") {
      if (actual === null) { return value.indexOf(null) >= 0 ? true : null; }
      for (i = 0; i < value.length; i++) { if (same(actual, value[i])) { return true; } }
      return false;
    }
    if (actual === null) { return null; }
    if (!isNumber(actual)) { return false; }
    if (op === "lt") { return actual < value; }
    if (op === "le") { return actual <= value; }
    if (op === "gt") { return actual > value; }
    if (op === "ge") { return actual >= value; }
    return value[0] <= actual && actual <= value[1];
  }

  /** Whether a test reads its fact's "not recorded" value (Test.assumes): a policy exists, the
   * fact is not recorded, and the policy's condition (if any) holds. */
  function assumes(t, facts) {
    if (t.assume === undefined || t.op === "is_known" || get(facts, t.fact) !== null) { return false; }
    return t.assume_when === undefined || evaluate(t.assume_when, facts) === true;
  }

  function itemsOf(c) { return c.and || c.or || c.of || c.points; }

  function isTest(c) { return c.op !== undefined; }

  /** At least n true: decided once n are true, or once fewer than n can still be. */
  function count(n, results) {
    var yes = results.filter(function (r) { return r === true; }).length;
    if (yes >= n) { return true; }
    return yes + results.filter(function (r) { return r === null; }).length < n ? false : null;
  }

  /** Points at least the threshold: the lowest and highest totals the undecided items allow. */
  function score(c, results) {
    var sure = 0, low = 0, high = 0;
    results.forEach(function (r, i) {
      var add = c.adds[i];
      if (r === true) { sure += add; } else if (r === null) { if (add < 0) { low += add; } else { high += add; } }
    });
    if (sure + low >= c.threshold) { return true; }
    return sure + high < c.threshold ? false : null;
  }

  function evaluate(c, facts) {
    if (isTest(c)) { return testOne(c, facts); }
    if (c.not !== undefined) {
      var inner = evaluate(c.not, facts);
      return inner === null ? null : !inner;
    }
    if (c.use !== undefined) { return evaluate(c.item, facts); }
    var results = itemsOf(c).map(function (item) { return evaluate(item, facts); });
    if (c.at_least !== undefined) { return count(c.at_least, results); }
    if (c.threshold !== undefined) { return score(c, results); }
    if (c.and !== undefined) {
      if (results.indexOf(false) >= 0) { return false; }
      return results.every(function (r) { return r === true; }) ? true : null;
    }
    if (results.indexOf(true) >= 0) { return true; }
    return results.every(function (r) { return r === false; }) ? false : null;
  }

  /**
   * The tests that settle c at result: the smallest honest reason. With keep, a named
   * condition stays whole instead of giving its own tests.
   */
  function deciding(c, facts, result, keep) {
    if (isTest(c)) { return [c]; }
    if (c.not !== undefined) { return deciding(c.not, facts, result === null ? null : !result, keep); }
    if (c.use !== undefined) { return keep ? [c] : deciding(c.item, facts, result, false); }
    if (keep && c.threshold !== undefined) { return [c]; }
    var items = itemsOf(c);
    var results = items.map(function (item) { return evaluate(item, facts); });
    var chosen = [];
    if (c.at_least !== undefined || c.threshold !== undefined) {
      items.forEach(function (item, i) {
        var r = results[i];
        var pushes = r !== null && c.adds !== undefined && c.adds[i] !== 0 && (r === (c.adds[i] > 0)) === result;
        if (c.at_least !== undefined ? r === result : (result === null ? r === null : pushes)) {
          chosen.push([item, r]);
        }
      });
      if (c.at_least !== undefined && result === true) { chosen = chosen.slice(0, c.at_least); }
    } else {
      var decisive = c.and !== undefined ? false : true;
      if (result === decisive) {
        return deciding(items[results.indexOf(decisive)], facts, decisive, keep);
      }
      items.forEach(function (item, i) { if (results[i] === result) { chosen.push([item, result]); } });
    }
    var out = [];
    chosen.forEach(function (pair) { out = out.concat(deciding(pair[0], facts, pair[1], keep)); });
    return out;
  }

  function unique(list) {
    var seen = new Set(), out = [];
    list.forEach(function (x) { if (!seen.has(x)) { seen.add(x); out.push(x); } });
    return out;
  }

  /** Every test inside a condition, in reading order (named conditions included). */
  function testsOf(c) {
    if (isTest(c)) { return [c]; }
    if (c.not !== undefined) { return testsOf(c.not); }
    if (c.use !== undefined) { return testsOf(c.item); }
    var out = [];
    itemsOf(c).forEach(function (item) { out = out.concat(testsOf(item)); });
    return out;
  }

  /** Names of the facts a condition reads, in reading order, without repeats (conditions.facts_read). */
  function factsRead(c) { return c === null || c === undefined ? [] : factsReadOf(testsOf(c)); }

  function factsOf(testsList) { return unique(testsList.map(function (t) { return t.fact; })); }

  /** factsOf, plus the facts a conditional policy's condition reads (conditions.facts_read). */
  function factsReadOf(testsList) {
    var out = [];
    testsList.forEach(function (t) {
      out.push(t.fact);
      if (t.assume_when !== undefined) { out = out.concat(factsRead(t.assume_when)); }
    });
    return unique(out);
  }

  function missingFacts(c, facts) {
    if (evaluate(c, facts) !== null) { return []; }
    return factsOf(deciding(c, facts, null, false));
  }

  function decidingFacts(c, facts) {
    var result = evaluate(c, facts);
    return result === null ? [] : factsOf(deciding(c, facts, result, false));
  }

  function formatValue(v) {
    if (v === null || v === undefined) { return "null"; }
    if (v === true) { return "true"; }
    if (v === false) { return "false"; }
    if (Array.isArray(v)) { return "[" + v.map(formatValue).join(", ") + "]"; }
    return String(v);
  }

  function word(v) { return v === null ? "not known" : formatValue(v); }

  function join(parts, last) {
    parts = unique(parts);
    if (parts.length <= 1) { return parts.join(""); }
    return parts.slice(0, -1).join(", ") + " " + last + " " + parts[parts.length - 1];
  }

  function testWords(t) {
    var op = t.op, v = t.value;
    if (op === "is_known") { return v ? "is known" : "is not known"; }
    if ((op === "eq" || op === "ne") && v === null) { return op === "eq" ? "is not known" : "is known"; }
    if (op === "in") { return "is " + join(v.map(word), "or"); }
    if (op === "between") { return "is from " + v[0] + " to " + v[1]; }
    return WORDS[op] + word(v);
  }

  function signed(n) { return (n < 0 ? "" : "+") + n; }

  function describe(c) {
    if (isTest(c)) { return c.fact + " " + testWords(c); }
    if (c.not !== undefined) { return "not (" + describe(c.not) + ")"; }
    if (c.use !== undefined) { return c.use + " holds"; }
    var parts = itemsOf(c).map(describeItem);
    if (c.at_least !== undefined) { return "at least " + c.at_least + " of: " + parts.join("; "); }
    if (c.threshold !== undefined) {
      return "points (" + parts.map(function (part, i) { return signed(c.adds[i]) + " if " + part; }).join("; ") +
        ") total at least " + c.threshold;
    }
    return parts.join(c.and !== undefined ? " and " : " or ");
  }

  /** An item's words, in brackets unless it is a test, a not or a named condition. */
  function describeItem(i) {
    return (isTest(i) || i.not !== undefined || i.use !== undefined) ? describe(i) : "(" + describe(i) + ")";
  }

  var VERBS = { "true": "holds", "false": "does not hold", "null": "is undecided" };

  /** Why c came out as it did (conditions.reason); a points rule gives its total (scoreWords). */
  function reason(c, facts) {
    var result = evaluate(c, facts), parts = [], tests = [];
    deciding(c, facts, result, true).forEach(function (t) {
      if (t.use !== undefined) {
        var inner = t.item.threshold !== undefined ? scoreWords(t.item, facts) : reason(t.item, facts);
        parts.push(t.use + " " + VERBS[String(evaluate(t.item, facts))] + " (" + inner + ")");
        return;
      }
      if (t.threshold !== undefined) {
        parts.push("the points rule " + VERBS[String(evaluate(t, facts))] + " (" + scoreWords(t, facts) + ")");
        return;
      }
      tests.push(t);
      if (assumes(t, facts)) { return; }
      var actual = get(facts, t.fact);
      var text = t.fact + " is " + word(actual);
      if (NUMERIC[t.op] && actual !== null) {
        text += " (" + testWords(t) + ": " + (testOne(t, facts) ? "yes" : "no") + ")";
      }
      parts.push(text);
    });
    return join(parts.concat(assumedWords(tests, facts)), "and");
  }

  /** The "not recorded" policies these tests read, one sentence per word of the author. */
  function assumedWords(tests, facts) {
    var assumed = new Map(), out = [];
    tests.forEach(function (t) {
      if (!assumes(t, facts)) { return; }
      var key = (t.assume_word || formatValue(t.assume)) +
        (t.assume_when !== undefined ? " (" + describe(t.assume_when) + ")" : "");
      if (!assumed.has(key)) { assumed.set(key, []); }
      if (assumed.get(key).indexOf(t.fact) < 0) { assumed.get(key).push(t.fact); }
    });
    assumed.forEach(function (names, key) {
      out.push(join(names, "and") + " " + (names.length === 1 ? "is" : "are") + " not recorded; read as " + key +
        ", a pathway assumption");
    });
    return out;
  }

  /** A points rule's total, the items that earned it, what is still possible, the threshold (conditions._score_words). */
  function scoreWords(c, facts) {
    var total = 0, low = 0, high = 0, counted = [], unknown = [], open = false;
    var marked = c.adds.some(function (a) { return a !== 1; });
    c.points.forEach(function (item, i) {
      var r = evaluate(item, facts), add = c.adds[i];
      if (r === true) {
        total += add;
        counted.push((item.use !== undefined ? item.use : describeItem(item)) + (marked ? " (" + signed(add) + ")" : ""));
      } else if (r === null) {
        open = true;
        if (add < 0) { low += add; } else { high += add; }
        unknown = unknown.concat(missingFacts(item, facts));
      }
    });
    var text = total + (Math.abs(total) === 1 ? " point" : " points") + (open ? " so far" : "");
    if (counted.length) { text += ": " + counted.join(", "); }
    if (open) {
      text += low !== high ? "; " + (total + low) + " to " + (total + high) + " possible" : "; " + (total + low) + " possible";
      if (unknown.length) { text += ", " + join(unknown, "and") + " not known"; }
    }
    return [text, "at least " + c.threshold + " needed"]
      .concat(assumedWords(deciding(c, facts, evaluate(c, facts), false), facts)).join("; ");
  }

  /** Facts with a "not recorded" policy that this case relies on (see conditions.assumptions). */
  function assumptions(c, facts) {
    var result = evaluate(c, facts);
    return factsOf(deciding(c, facts, result, false).filter(function (t) { return assumes(t, facts); }));
  }

  /* ------------------------------------------------------------------ the pathway */

  /** Index the exported data once: nodes, facts and answers by id, in file order. */
  function Pathway(data) {
    if (!data || data.format !== FORMAT) { throw new Error("vcfgraph twin: unsupported pathway data"); }
    var self = this;
    this.data = data;
    this.entry = data.entry;
    this.facts = data.facts;
    this.nodes = data.nodes;
    this.checks = data.checks;
    this.fact = new Map();
    this.node = new Map();
    this.out = new Map();
    this.order = new Map();
    /* The rating vocabulary (vcfgraph/scale.py) comes with the data: the categories in role order
       (the order a route lists ratings in), each with its role and slot (UA, MBA, UNA: the list
       it fills, see listOf). Favoured and neutral categories are offered. */
    this.categories = data.scale.categories;
    this.rank = new Map();
    this.offered = new Set();
    data.scale.categories.forEach(function (c, i) {
      self.rank.set(c.slot, i);
      if (c.role !== "disfavoured") { self.offered.add(c.slot); }
    });
    data.facts.forEach(function (f, i) { self.fact.set(f.name, f); f.index = i; });
    data.nodes.forEach(function (n, i) { self.node.set(n.id, n); self.order.set(n.id, i); });
    data.edges.forEach(function (e) {
      if (!self.out.has(e.source)) { self.out.set(e.source, []); }
      self.out.get(e.source).push(e);
    });
  }

  /** A route's list of the actions rated in a slot: UA -> route.ua (as route_data writes it). */
  function listOf(route, slot) { return route[slot.toLowerCase()]; }

  Pathway.prototype.outEdges = function (id) { return this.out.get(id) || []; };

  Pathway.prototype.nodeOf = function (id) {
    var n = this.node.get(id);
    if (n === undefined) { throw new RouteError("unknown node '" + id + "'"); }
    return n;
  };

  Pathway.prototype.inFileOrder = function (ids) {
    return this.nodes.filter(function (n) { return ids.has(n.id); }).map(function (n) { return n.id; });
  };

  /* ------------------------------------------------------------------ the walk */

  function decide(p, node, facts) {
    var edges = p.outEdges(node.id), results = new Map();
    edges.forEach(function (e) { if (e.condition !== null) { results.set(e.id, evaluate(e.condition, facts)); } });
    var holding = edges.filter(function (e) { return e.condition !== null && results.get(e.id) === true; });
    if (holding.length > 1) {
      var a = holding[0], b = holding[1];
      throw new RouteError("two answers of '" + node.id + "' both hold for this case: '" + a.id + "' (" +
        describe(a.condition) + ") and '" + b.id + "' (" + describe(b.condition) +
        "); the pathway must make them exclusive");
    }
    var undecided = edges.filter(function (e) { return e.condition !== null && results.get(e.id) === null; });
    var otherwise = null, i;
    for (i = 0; i < edges.length; i++) { if (edges[i].condition === null) { otherwise = edges[i]; break; } }
    var taken = holding.length ? holding[0] : null;
    if (taken === null && undecided.length === 0) {
      if (otherwise === null) {
        var why = edges.filter(function (e) { return e.condition !== null; })
          .map(function (e) { return reason(e.condition, facts); }).join("; ");
        throw new RouteError("no answer of '" + node.id + "' holds for this case (" + why +
          ") and it has no 'otherwise' answer");
      }
      taken = otherwise;
    }
    if (taken === null && otherwise !== null) { undecided = undecided.concat([otherwise]); }
    var checks = edges.map(function (e) {
      var result, whyText;
      if (e.condition === null) {
        result = taken !== null ? e === taken : null;
        whyText = result ? "no other answer holds" : (taken ? "another answer holds" : "other answers are undecided");
      } else {
        result = results.get(e.id);
        whyText = reason(e.condition, facts);
      }
      return { edge: e.id, label: e.label, target: e.target, result: result, reason: whyText };
    });
    return { checks: checks, taken: taken, undecided: undecided };
  }

  function takenText(node, taken, checks, facts) {
    var because;
    if (taken.condition === null) {
      var others = checks.filter(function (c) { return c.edge !== taken.id; }).map(function (c) { return c.reason; });
      because = others.length ? "no other answer holds (" + others.join("; ") + ")" : "it is the only answer";
    } else {
      because = reason(taken.condition, facts);
    }
    return node.label + " Answered '" + taken.label + "' because " + because + ".";
  }

  function settled(edges, facts) {
    var results = edges.filter(function (e) { return e.condition !== null; })
      .map(function (e) { return evaluate(e.condition, facts); });
    return results.indexOf(true) >= 0 ||
      (results.indexOf(null) < 0 && edges.some(function (e) { return e.condition === null; }));
  }

  function combinations(list, size) {
    var out = [];
    (function rec(start, chosen) {
      if (chosen.length === size) { out.push(chosen.slice()); return; }
      for (var i = start; i < list.length; i++) { chosen.push(list[i]); rec(i + 1, chosen); chosen.pop(); }
    })(0, []);
    return out;
  }

  function product(lists) {
    var out = [[]];
    lists.forEach(function (values) {
      var next = [];
      out.forEach(function (prefix) { values.forEach(function (v) { next.push(prefix.concat([v])); }); });
      out = next;
    });
    return out;
  }

  /** Fact.asked_first: a red flag not known that no "not recorded" policy reads. */
  function askedFirst(fact, facts) {
    if (!fact.red_flag || get(facts, fact.name) !== null) { return false; }
    var holds = fact.unknown !== null && fact.unknown !== undefined &&
      (fact.unknown_when === null || fact.unknown_when === undefined || evaluate(fact.unknown_when, facts) === true);
    return !holds;
  }

  function needed(p, node, facts, undecided) {
    var edges = p.outEdges(node.id);
    return smallest(p, facts, undecided.filter(function (e) { return e.condition !== null; })
      .map(function (e) { return e.condition; }), function (known) { return settled(edges, known); });
  }

  /** The smallest set of the unknown facts the open conditions read whose values, whatever they
   * are, make settledBy true; in the order need_info asks (engine._smallest). */
  function smallest(p, facts, open, settledBy) {
    var unknown = [];
    open.forEach(function (c) { unknown = unknown.concat(missingFacts(c, facts)); });
    var names = unique(unknown).map(function (n, i) { return [askedFirst(p.fact.get(n), facts) ? 0 : 1, p.fact.get(n).source_rank, i, n]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; }).map(function (x) { return x[3]; });
    for (var size = 1; size <= Math.min(names.length, 3); size++) {
      var subsets = combinations(names, size);
      for (var s = 0; s < subsets.length; s++) {
        var subset = subsets[s];
        var all = product(subset.map(function (n) { return p.fact.get(n).domain; })).every(function (values) {
          var f = new Map(facts);
          subset.forEach(function (n, i) { f.set(n, values[i]); });
          return settledBy(f);
        });
        if (all) { return subset; }
      }
    }
    return names;
  }

  function possibleOutcomes(p, id, facts, memo) {
    if (memo.has(id)) { return memo.get(id); }
    memo.set(id, new Set());
    var node = p.nodeOf(id), result;
    if (node.kind !== "question") {
      result = new Set([id]);
    } else {
      var edges = p.outEdges(id), results = new Map();
      edges.forEach(function (e) { results.set(e.id, e.condition !== null ? evaluate(e.condition, facts) : null); });
      var follow = edges.filter(function (e) { return e.condition !== null && results.get(e.id) === true; });
      if (!follow.length) {
        follow = edges.filter(function (e) { return e.condition !== null && results.get(e.id) === null; })
          .concat(edges.filter(function (e) { return e.condition === null; }));
      }
      result = new Set();
      follow.forEach(function (e) { possibleOutcomes(p, e.target, facts, memo).forEach(function (x) { result.add(x); }); });
    }
    memo.set(id, result);
    return result;
  }

  function shown(step, apart) {
    if (step.if_offered && apart.has(step.if_offered)) { return false; }
    return !step.if_set_apart || apart.has(step.if_set_apart);
  }

  function checkStates(p, variant, action, facts) {
    return p.checks.filter(function (c) {
      return c.actions.indexOf(action) >= 0 && (!c.variants.length || c.variants.indexOf(variant) >= 0);
    }).map(function (c) {
      var r = evaluate(c.requires, facts);
      if (r === true) { return [c, "satisfied", []]; }
      if (r === null) { return [c, "not_established", missingFacts(c.requires, facts)]; }
      return [c, "failed", decidingFacts(c.requires, facts)];
    });
  }

  function failedText(check, facts) { return check.reason + " (" + reason(check.requires, facts) + ")"; }

  function notKnown(names) { return names.join(", ") + (names.length === 1 ? " is" : " are") + " not known"; }

  function emptyRoute(outcome, terminal, steps) {
    return { outcome: outcome, terminal: terminal, steps: steps, ua: [], mba: [], una: [], missing: [], possible: [],
      contraindicated: [], cautions: [], downstream: [], assumed: [], modifiers: [], rules: [], rating_edges: [] };
  }

  /** Every rule of a variant on these facts, in file order (engine.rule_results): holds, does
   * not hold, or undecided with the unknown facts named. */
  function ruleResults(node, facts) {
    return (node.rules || []).map(function (rule) {
      var r = evaluate(rule.when, facts), names;
      if (r === null) {
        names = missingFacts(rule.when, facts);
        return { rule: rule.id, label: rule.label, state: "undecided",
          explanation: rule.label + ": undecided (" + notKnown(names) + ").", facts: names };
      }
      return { rule: rule.id, label: rule.label, state: r ? "holds" : "does_not_hold",
        explanation: rule.label + ": " + (r ? "holds" : "does not hold") + " (" + reason(rule.when, facts) + ").",
        facts: decidingFacts(rule.when, facts) };
    });
  }

  /** need_info at a variant whose rules are not all decided (engine._rules_wait): it asks for the
   * facts that settle every undecided rule; the variant is the one outcome still possible. */
  function rulesWait(p, node, steps, facts, results) {
    var open = (node.rules || []).filter(function (rule, i) { return results[i].state === "undecided"; });
    var names = smallest(p, facts, open.map(function (r) { return r.when; }), function (known) {
      return open.every(function (r) { return evaluate(r.when, known) !== null; });
    });
    steps.push({ node: node.id, edge: null, answer: null, target: null,
      explanation: node.label + " Cannot settle its rules yet: " + (names.join(", ") || "a fact") + " " +
        (names.length === 1 ? "is" : "are") + " not known." });
    var route = emptyRoute("need_info", null, steps);
    route.missing = names;
    route.possible = [node.id];
    route.rules = results;
    return route;
  }

  /** The variant's own ratings and those of every rule that holds, as [rule id or "", rating];
   * two that rate the same action are a route error (engine._one_rating_each). */
  function givenRatings(node, fired) {
    var given = node.ratings.map(function (r) { return ["", r]; }), seen = new Map();
    (node.rules || []).forEach(function (rule) {
      if (fired.has(rule.id)) { rule.ratings.forEach(function (r) { given.push([rule.id, r]); }); }
    });
    given.forEach(function (g) {
      var action = g[1].action;
      if (seen.has(action)) {
        var first = seen.get(action);
        throw new RouteError((first ? "rule '" + first + "'" : "the variant's own rating") + " and rule '" + g[0] +
          "' of '" + node.id + "' both rate '" + action + "' for this case; " +
          "the pathway must keep rules that rate the same action exclusive");
      }
      seen.set(action, g[0]);
    });
    return given;
  }

  /** A rating edge's id: V->a, or V/rule->a for a rating a rule adds (model.rating_edge_id). */
  function ratingEdge(variant, action, rule) { return rule ? variant + "/" + rule + "->" + action : variant + "->" + action; }

  /** A rating's modifier for these facts (engine.modifier_results): holds, does not hold, or
   * undecided with the unknown facts named; an unknown never makes it hold. */
  function modifierResult(action, m, facts) {
    var head = m.direction.charAt(0).toUpperCase() + m.direction.slice(1) + " when " + describe(m.when);
    var r = evaluate(m.when, facts), names;
    if (r === null) {
      names = missingFacts(m.when, facts);
      return { action: action, direction: m.direction, state: "undecided", reason: m.reason,
        explanation: head + ": undecided (" + notKnown(names) + ").", facts: names };
    }
    return { action: action, direction: m.direction, state: r ? "holds" : "does_not_hold", reason: m.reason,
      explanation: head + ": " + (r ? "holds" : "does not hold") + " (" + reason(m.when, facts) + ").",
      facts: decidingFacts(m.when, facts) };
  }

  function finish(p, node, steps, facts) {
    var route;
    if (node.kind === "handoff") {
      route = emptyRoute("handoff", node.id, steps);
      route.downstream = node.downstream.filter(function (d) { return shown(d, new Set()); }).map(function (d) { return d.id; });
      return route;
    }
    if (node.kind !== "variant") {
      throw new RouteError("the walk reached '" + node.id + "', a " + node.kind + ", which cannot end a route");
    }
    var rules = ruleResults(node, facts);
    if (rules.some(function (r) { return r.state === "undecided"; })) { return rulesWait(p, node, steps, facts, rules); }
    route = emptyRoute("variant", node.id, steps);
    route.rules = rules;
    var fired = new Set(rules.filter(function (r) { return r.state === "holds"; }).map(function (r) { return r.rule; }));
    var ratings = givenRatings(node, fired).map(function (g, i) { return [p.rank.get(g[1].slot), i, g]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; }).map(function (x) { return x[2]; });
    var checked = new Set(), apartEdges = [];
    ratings.forEach(function (given) {
      var rating = given[1], edge = ratingEdge(node.id, rating.action, given[0]);
      var states = checkStates(p, node.id, rating.action, facts);
      states.forEach(function (st) { checked.add(st[0].id); });
      var blocked = null, i;
      for (i = 0; i < states.length; i++) {
        if (states[i][1] === "failed" && states[i][0].on_fail === "set_apart") { blocked = states[i]; break; }
      }
      if (blocked !== null && p.offered.has(rating.slot)) {
        route.contraindicated.push({ action: rating.action, category: rating.category, check: blocked[0].id,
          reason: failedText(blocked[0], facts), facts: blocked[2] });
        apartEdges.push(edge);
        return;
      }
      listOf(route, rating.slot).push(rating.action);
      route.rating_edges.push(edge);
      (rating.modifiers || []).forEach(function (m) { route.modifiers.push(modifierResult(rating.action, m, facts)); });
      if (p.offered.has(rating.slot)) {
        states.forEach(function (st) {
          var check = st[0], state = st[1], names = st[2], text;
          if (state === "not_established" && check.caution) {
            text = check.caution + " (" + notKnown(names) + ")";
          } else if (state === "failed" && check.on_fail === "caution") {
            text = failedText(check, facts);
          } else { return; }
          route.cautions.push({ action: rating.action, check: check.id, state: state, reason: text, facts: names });
        });
      } else if (blocked !== null) {
        route.cautions.push({ action: rating.action, check: blocked[0].id, state: "failed",
          reason: "Not an option for this patient either: " + failedText(blocked[0], facts), facts: blocked[2] });
      }
    });
    var apart = new Set(route.contraindicated.map(function (c) { return c.action; }));
    route.downstream = node.downstream.filter(function (d) { return shown(d, apart); }).map(function (d) { return d.id; });
    route.rating_edges = route.rating_edges.concat(apartEdges);
    route.checked = checked;
    return route;
  }

  /**
   * Walk facts through the pathway. Returns the route (outcome, terminal, steps with their
   * explanations, ua/mba/una, missing, possible, contraindicated, cautions, downstream, modifiers), or
   * {error: message} when the pathway cannot decide the case, exactly as vcfgraph trace.
   */
  function trace(p, factsIn) {
    var facts = factMap(factsIn);
    try {
      var route = walk(p, facts);
      route.assumed = assumedFacts(p, route, facts);
      delete route.checked;
      return route;
    } catch (e) {
      if (e instanceof RouteError) { return { error: e.message }; }
      throw e;
    }
  }

  /**
   * Facts with an "unknown:" policy that are not recorded and that an answer the route took, or
   * a check at the variant it reached, relied on; in reading order (engine._assumed).
   */
  function assumedFacts(p, route, facts) {
    if (!p.facts.some(function (f) { return f.unknown !== null && f.unknown !== undefined; })) { return []; }
    var conds = [], names = [];
    route.steps.forEach(function (s) {
      if (s.edge === null) { return; }
      p.outEdges(s.node).forEach(function (e) { if (e.id === s.edge && e.condition !== null) { conds.push(e.condition); } });
    });
    var checked = route.checked || new Set();
    p.checks.forEach(function (c) { if (checked.has(c.id)) { conds.push(c.requires); } });
    if (route.rules.length) {  /* every rule of the variant reached (or waited at) was read */
      p.nodeOf(route.terminal || route.steps[route.steps.length - 1].node).rules
        .forEach(function (rule) { conds.push(rule.when); });
    }
    conds.forEach(function (c) { names = names.concat(assumptions(c, facts)); });
    return unique(names);
  }

  function walk(p, facts) {
    var steps = [], id = p.entry, seen = new Set();
    for (;;) {
      if (seen.has(id)) { throw new RouteError("the walk came back to '" + id + "': the pathway has a cycle"); }
      seen.add(id);
      var node = p.nodeOf(id);
      if (node.kind !== "question") { return finish(p, node, steps, facts); }
      var d = decide(p, node, facts);
      if (d.taken === null) {
        var need = needed(p, node, facts, d.undecided);
        steps.push({ node: node.id, edge: null, answer: null, target: null,
          explanation: node.label + " Cannot answer yet: " + (need.join(", ") || "a fact") + " " +
            (need.length === 1 ? "is" : "are") + " not known." });
        var route = emptyRoute("need_info", null, steps), possible = new Set(), memo = new Map();
        d.undecided.forEach(function (e) { possibleOutcomes(p, e.target, facts, memo).forEach(function (x) { possible.add(x); }); });
        route.missing = need;
        route.possible = p.inFileOrder(possible);
        return route;
      }
      steps.push({ node: node.id, edge: d.taken.id, answer: d.taken.label, target: d.taken.target,
        explanation: takenText(node, d.taken, d.checks, facts) });
      id = d.taken.target;
    }
  }

  /* ------------------------------------------------------------------ what-if and the best question */

  function sameList(a, b) { return a.length === b.length && a.every(function (x, i) { return x === b[i]; }); }

  /** Every value a fact could be changed to: its domain's representatives ("not known" is never proposed). */
  function choices(fact) { return fact.domain; }

  /** The value class of v for fact (an int stands for its interval). */
  function classOf(fact, v) {
    if (v === null || fact.type !== "int") { return v; }
    for (var i = 0; i < fact.intervals.length; i++) {
      if (fact.intervals[i][0] <= v && v <= fact.intervals[i][1]) { return fact.intervals[i][0]; }
    }
    return v;
  }

  /**
   * Every single-fact change that changes the outcome, the terminal or the usually-appropriate
   * list: [{fact, value, outcome, terminal, ua, hypothetical}] in fact order, then domain order.
   * Changes the pathway cannot decide are left out.
   */
  function whatIf(p, factsIn) {
    var facts = factMap(factsIn), base = trace(p, facts), out = [];
    if (base.error !== undefined) { return out; }
    p.facts.forEach(function (fact) {
      var current = classOf(fact, get(facts, fact.name));
      choices(fact).forEach(function (value) {
        if (same(value, current) || (value === null && current === null)) { return; }
        var r = trace(p, withFact(facts, fact.name, value));
        if (r.error !== undefined) { return; }
        if (r.outcome !== base.outcome || r.terminal !== base.terminal || !sameList(r.ua, base.ua)) {
          out.push({ fact: fact.name, value: value, outcome: r.outcome, terminal: r.terminal, ua: r.ua,
            hypothetical: fact.fixed === true && current !== null });
        }
      });
    });
    return out;
  }

  function stillPossible(r) {
    if (r.error !== undefined) { return null; }
    return r.outcome === "need_info" ? r.possible : [r.terminal];
  }

  /** The variant whose rules a need_info route waits on, or null (whatif._rules_at). */
  function rulesAt(route) {
    if (route.error !== undefined || route.outcome !== "need_info" || !route.rules.length) { return null; }
    return route.steps[route.steps.length - 1].node;
  }

  /**
   * In need_info, the unknown facts ranked by the expected number of still-possible outcomes
   * an answer rules out (mean over the fact's domain; where the route waits on a variant's rules,
   * each of them an answer settles counts as one more): [{fact, expected}], best first (a red flag
   * that no "not recorded" policy reads before all), ties by the fact's source order then file
   * order; facts that rule nothing out are left out.
   */
  function questionsRanked(p, factsIn) {
    var facts = factMap(factsIn), base = trace(p, facts), ranked = [];
    if (base.error !== undefined || base.outcome !== "need_info") { return ranked; }
    var at = rulesAt(base), open = at === null ? [] : base.rules.filter(function (r) { return r.state === "undecided"; })
      .map(function (r) { return r.rule; });
    p.facts.forEach(function (fact) {
      if (get(facts, fact.name) !== null) { return; }
      var total = 0, ok = true;
      fact.domain.forEach(function (value) {
        var after = trace(p, withFact(facts, fact.name, value)), left = stillPossible(after);
        if (left === null) { ok = false; return; }
        total += base.possible.filter(function (x) { return left.indexOf(x) < 0; }).length;
        if (open.length && (rulesAt(after) === at || (after.outcome === "variant" && after.terminal === at))) {
          total += after.rules.filter(function (r) { return open.indexOf(r.rule) >= 0 && r.state !== "undecided"; }).length;
        }
      });
      if (ok && total > 0) {
        ranked.push({ fact: fact.name, first: askedFirst(fact, facts) ? 0 : 1, expected: total / fact.domain.length,
          rank: fact.source_rank, index: fact.index });
      }
    });
    ranked.sort(function (a, b) { return a.first - b.first || b.expected - a.expected || a.rank - b.rank || a.index - b.index; });
    return ranked.map(function (r) { return { fact: r.fact, expected: r.expected }; });
  }

  root.VcfgraphTwin = {
    Pathway: Pathway, trace: trace, evaluate: function (c, f) { return evaluate(c, factMap(f)); },
    describe: describe, reason: function (c, f) { return reason(c, factMap(f)); }, formatValue: formatValue,
    whatIf: whatIf, questionsRanked: questionsRanked, classOf: classOf, factsRead: factsRead, listOf: listOf
  };
})(typeof window !== "undefined" ? window : this);
