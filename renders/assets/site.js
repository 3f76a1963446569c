/* vcfgraph teaching site: the compact route-only drawing "zoom to the route" shows when the route,
 * framed whole on the full diagram, would leave its labels under 12 px. The route's own nodes are
 * copied from the full diagram (same looks, same route classes, ids dropped so none repeats) and laid
 * out row after row, each arrow carrying the answer taken. No markup is parsed: clones and text only.
 */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  /** diagram units between nodes, between rows, around the drawing; the width of a character of an answer */
  var GAP = 60, ROW_GAP = 38, PAD = 12, ANSWER_EM = 7.5;

  function make(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function strip(g) {
    g.removeAttribute("id");
    g.querySelectorAll("[id]").forEach(function (x) { x.removeAttribute("id"); });
    g.querySelectorAll("a").forEach(function (a) {  // a copy is a picture, not a second set of links
      var keep = make("g", {});
      while (a.firstChild) { keep.appendChild(a.firstChild); }
      a.parentNode.replaceChild(keep, a);
    });
    g.querySelectorAll("title").forEach(function (t) { t.remove(); });
    return g;
  }

  /** Rows of boxes no wider than width (diagram units); each box {w, h}. */
  function rows(boxes, width) {
    var out = [[]], x = 0;
    boxes.forEach(function (b) {
      var row = out[out.length - 1];
      var gap = row.length ? row[row.length - 1].gap : 0;
      if (row.length && x + gap + b.w > width) { out.push([b]); x = b.w; }
      else { x += gap + b.w; row.push(b); }
    });
    return out;
  }

  /**
   * Draw the route alone.
   * @param {SVGSVGElement} full the full diagram, with the route's classes on it
   * @param {Array} stops the route's nodes in order: {g: the node group, answer: words on the arrow out or ""}
   * @param {number} width, height the frame (CSS px)
   * @returns {{svg: SVGSVGElement, scale: number}} the drawing and its screen px per diagram unit
   */
  function draw(full, stops, width, height) {
    var boxes = stops.map(function (s) { var b = s.g.getBBox(); return { g: s.g, answer: s.answer, x: b.x, y: b.y, w: b.width, h: b.height,
      gap: Math.max(GAP, Array.from(s.answer).length * ANSWER_EM + 24) }; });
    var best = null;
    // try widths from one node a row to all in a row; keep the layout drawn the largest in the frame
    for (var cols = boxes.length; cols >= 1; cols--) {
      var widest = 0;
      for (var i = 0; i < boxes.length; i += cols) {
        var w = boxes.slice(i, i + cols).reduce(function (a, b, j, all) { return a + b.w + (j < all.length - 1 ? b.gap : 0); }, 0);
        widest = Math.max(widest, w);
      }
      var layout = rows(boxes, widest + 0.5);
      var tall = layout.reduce(function (a, r) { return a + Math.max.apply(null, r.map(function (b) { return b.h; })); }, 0) + ROW_GAP * (layout.length - 1);
      var scale = Math.min(1.25, (width - 2 * PAD) / widest, (height - 2 * PAD) / tall);
      if (!best || scale > best.scale + 1e-9) { best = { scale: scale, layout: layout, width: widest, height: tall }; }
    }
    var svg = make("svg", { "class": "vg-compact-svg", role: "img", viewBox: [-PAD, -PAD, best.width + 2 * PAD, best.height + 2 * PAD].join(" ") });
    svg.appendChild(make("title", {}, "The route alone, row after row"));
    var defs = make("defs", {}), marker = make("marker", { id: "vg-compact-head", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    marker.appendChild(make("path", { d: "M0,0 L10,5 L0,10 z", "class": "vg-compact-head" }));
    defs.appendChild(marker); svg.appendChild(defs);
    var y = 0, placed = [];
    best.layout.forEach(function (row) {
      var rowH = Math.max.apply(null, row.map(function (b) { return b.h; })), x = 0;
      row.forEach(function (b) {
        var top = y + (rowH - b.h) / 2;
        var wrap = make("g", { transform: "translate(" + (x - b.x).toFixed(2) + " " + (top - b.y).toFixed(2) + ")" });
        wrap.appendChild(strip(b.g.cloneNode(true)));
        svg.appendChild(wrap);
        placed.push({ x: x, y: top, w: b.w, h: b.h, answer: b.answer, rowTop: y, rowH: rowH });
        x += b.w + b.gap;
      });
      y += rowH + ROW_GAP;
    });
    for (var k = 0; k + 1 < placed.length; k++) {
      var a = placed[k], b = placed[k + 1], d, tx, ty;
      if (b.rowTop === a.rowTop) {
        d = "M" + (a.x + a.w) + "," + (a.y + a.h / 2) + " L" + b.x + "," + (b.y + b.h / 2);
        tx = (a.x + a.w + b.x) / 2; ty = a.y + a.h / 2 - 6;
      } else {
        var mid = a.rowTop + a.rowH + ROW_GAP / 2;
        d = "M" + (a.x + a.w / 2) + "," + (a.y + a.h) + " L" + (a.x + a.w / 2) + "," + mid + " L" + (b.x + b.w / 2) + "," + mid + " L" + (b.x + b.w / 2) + "," + b.y;
        tx = (a.x + a.w / 2 + b.x + b.w / 2) / 2; ty = mid - 6;
      }
      svg.appendChild(make("path", { d: d, "class": "vg-compact-line", "marker-end": "url(#vg-compact-head)" }));
      if (a.answer) { svg.appendChild(make("text", { x: tx.toFixed(2), y: ty.toFixed(2), "class": "vg-compact-answer", "text-anchor": "middle" }, a.answer)); }
    }
    svg.style.width = ((best.width + 2 * PAD) * best.scale).toFixed(1) + "px";
    svg.style.height = ((best.height + 2 * PAD) * best.scale).toFixed(1) + "px";
    return { svg: svg, scale: best.scale };
  }

  window.VcfgraphCompact = { draw: draw };
})();
/* vcfgraph teaching site: the diagram from the shared script, live route highlight, explorer,
 * what-if, best next question, zoom and pan (quiz mode is quiz.js, on the helpers exposed here). Progressive enhancement: every page shows its
 * static content without this file. Pathway text only ever reaches the page as textContent or
 * attribute values; the only markup parsed is the diagram vcfgraph serialised (as XML). The
 * parts a page leaves to this file (toolbar, legend: render/parts.py) come as trees, built here.
 *
 * State lives in the URL fragment: #facts=<encodeURIComponent(JSON object of fact values)>,
 * facts in pathway order, unknown facts left out.
 */
(function () {
  "use strict";
  var G = window.VCFGRAPH, T = window.VcfgraphTwin;
  if (!G || !T || !G.pathway) { return; }
  var P = new T.Pathway(G.pathway);
  var SVGNS = "http://www.w3.org/2000/svg";
  /** the smallest label height (CSS px) "zoom to the route" accepts before it draws the route alone */
  var READABLE_PX = 12;
  /** screen pixels per diagram unit "zoom to the route" never goes beyond */
  var MAX_SCALE = 1.5;
  var FOCUS_SCALE = 0.9;  /* a part is framed whole only where its labels stay near full size */
  var ROUTE_CLASSES = /^vg-(on|off|end|stop|base|alt|contra|caution|cat-\w+|row-(on|off|contra)|rule-(on|off|stop))$/;
  /** a rule's mark, its state -> [diagram state, words], an action's modality -> its icon (render/style.py) */
  var MARKS = G.marks || { rule: "", rule_states: {}, modalities: {} };
  /** slot (UA, MBA, UNA) -> the pathway's own category: its code and name */
  var SCALE = new Map();
  G.pathway.scale.categories.forEach(function (c) { SCALE.set(c.slot, c); });
  var FAVOURED = SCALE.has("UA") ? SCALE.get("UA").name.toLowerCase() : "favoured";
  var domNode = new Map(), domRow = new Map();
  Object.keys(G.dom.nodes).forEach(function (k) { domNode.set(G.dom.nodes[k], k); });
  Object.keys(G.dom.rows).forEach(function (k) { domRow.set(G.dom.rows[k], k.split("->").slice(1).join("->")); });

  /* ------------------------------------------------------------ small DOM helpers */

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function label(id) { var n = P.node.get(id); return n ? n.label : id; }

  function own(map, key) { return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined; }

  /* ------------------------------------------------------------ facts in the URL */

  function accepts(fact, v) {
    if (fact.type === "bool") { return typeof v === "boolean"; }
    if (fact.type === "enum") { return typeof v === "string" && fact.values.indexOf(v) >= 0; }
    return typeof v === "number" && Math.floor(v) === v && v >= fact.min && v <= fact.max;
  }

  /** Facts from a JSON object: names not in the pathway and values outside a domain are dropped. */
  function factsFrom(obj, problems) {
    var out = new Map();
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) { problems.push("the facts are not a JSON object"); return out; }
    Object.keys(obj).forEach(function (name) {
      var fact = P.fact.get(name), v = obj[name];
      if (!fact) { problems.push("no fact is called " + name); return; }
      if (v === null) { return; }
      if (!accepts(fact, v)) { problems.push(name + ": " + JSON.stringify(v) + " is not allowed (allowed: " + fact.allowed + ")"); return; }
      out.set(name, v);
    });
    return out;
  }

  function encodeFacts(facts) {
    var obj = {};
    P.facts.forEach(function (f) { var v = facts.get(f.name); if (v !== undefined && v !== null) { obj[f.name] = v; } });
    return "facts=" + encodeURIComponent(JSON.stringify(obj));
  }

  function factsInHash(problems) {
    var h = location.hash;
    if (h.indexOf("#facts=") !== 0) { return null; }
    try { return factsFrom(JSON.parse(decodeURIComponent(h.slice(7))), problems); }
    catch (e) { problems.push("the link's facts are not valid JSON"); return new Map(); }
  }

  /* ------------------------------------------------------------ the diagram */

  function mountDiagram(mount) {
    var doc = new DOMParser().parseFromString(G.svg, "image/svg+xml");
    var svg = document.importNode(doc.documentElement, true);
    svg.setAttribute("aria-label", mount.getAttribute("data-label") || "Decision graph");
    var root = mount.getAttribute("data-root") || "";
    svg.querySelectorAll("a").forEach(function (a) {
      var href = a.getAttribute("href") || a.getAttributeNS("http://www.w3.org/1999/xlink", "href") || "";
      if (href.charAt(0) === "#" && !document.getElementById(href.slice(1))) {
        a.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:href", root + "pathway.html" + href);
      }
    });
    mount.textContent = "";
    mount.appendChild(svg);
    mount.classList.add("vg-mounted");
    return svg;
  }

  /** The actions a route rates, list after list in role order. */
  function rated(route) {
    return P.categories.reduce(function (all, c) { return all.concat(T.listOf(route, c.slot)); }, []);
  }

  function routeStates(route) {
    var nodes = new Map(), cats = new Map(), edges = new Set(), rows = new Map(), rules = new Map();
    route.steps.forEach(function (s) { nodes.set(s.node, s.edge ? "on" : "stop"); if (s.edge) { edges.add(own(G.dom.edges, s.edge)); } });
    if (route.terminal) { nodes.set(route.terminal, "end"); }
    P.categories.forEach(function (c) {
      T.listOf(route, c.slot).forEach(function (a) { cats.set(a, c.slot); });
    });
    var contra = new Set(route.contraindicated.map(function (c) { return c.action; }));
    cats.forEach(function (_c, a) { nodes.set(a, "on"); });
    contra.forEach(function (a) { nodes.set(a, "on"); });
    var term = route.terminal ? P.node.get(route.terminal) : null;
    if (term && term.downstream) {
      term.downstream.forEach(function (d) {
        if (route.downstream.indexOf(d.id) >= 0 && d.kind === "reenter" && d.target) { edges.add(own(G.dom.reenter, d.id)); }
      });
    }
    (route.rating_edges || []).forEach(function (e) { rows.set(own(G.dom.rows, e), "on"); });
    var variant = ruledVariant(route);
    (route.rules || []).forEach(function (r) {
      rules.set(own(G.dom.rules, variant.id + "/" + r.rule), own(MARKS.rule_states, r.state));
      if (r.state !== "does_not_hold") { return; }  /* its rows are not this case's: faded with it */
      variant.rules.filter(function (x) { return x.id === r.rule; })[0].ratings.forEach(function (x) {
        rows.set(own(G.dom.rows, variant.id + "/" + r.rule + "->" + x.action), "off");
      });
    });
    return { nodes: nodes, cats: cats, edges: edges, rows: rows, rules: rules, contra: contra,
      cautions: new Set(route.cautions.map(function (c) { return c.action; })) };
  }

  /** The variant whose rules a route evaluated (the one it reached, or the one whose rules wait), or null. */
  function ruledVariant(route) {
    if (!route.rules || !route.rules.length) { return null; }
    return P.node.get(route.terminal || route.steps[route.steps.length - 1].node);
  }

  function clearRoute(svg) {
    svg.querySelectorAll(".vg-badge-bg, .vg-badge, .vg-rule-state").forEach(function (b) { b.remove(); });
    svg.querySelectorAll("g").forEach(function (g) {
      Array.from(g.classList).forEach(function (c) { if (ROUTE_CLASSES.test(c)) { g.classList.remove(c); } });
    });
  }

  /** A rule's state in words at the right end of its row's first line (as render/svg.py writes it). */
  function ruleWords(row, words) {
    var cell = row.querySelector("polygon.vg-cell");
    if (!cell) { return; }
    var nums = (cell.getAttribute("points") || "").match(/-?\d+(?:\.\d+)?/g) || [], xs = [], ys = [];
    nums.forEach(function (n, i) { (i % 2 ? ys : xs).push(parseFloat(n)); });
    if (!xs.length) { return; }
    var text = document.createElementNS(SVGNS, "text");
    text.setAttribute("class", "vg-rule-state");
    text.setAttribute("x", (Math.max.apply(null, xs) - 6).toFixed(2));
    text.setAttribute("y", (Math.min.apply(null, ys) + 18).toFixed(2));
    text.setAttribute("text-anchor", "end");
    text.textContent = words;
    row.appendChild(text);
  }

  function firstShape(g) {
    return g.querySelector("polygon, ellipse, path, polyline");
  }

  function badge(g, words) {
    var shape = firstShape(g);
    if (!shape) { return; }
    var nums = (shape.getAttribute("points") || shape.getAttribute("d") || "").match(/-?\d+(?:\.\d+)?/g) || [];
    var xs = [], ys = [];
    nums.forEach(function (n, i) { (i % 2 ? ys : xs).push(parseFloat(n)); });
    if (!xs.length || !ys.length) { return; }
    var left = Math.min.apply(null, xs), top = Math.min.apply(null, ys);
    var rect = document.createElementNS(SVGNS, "rect");
    [["class", "vg-badge-bg"], ["x", (left + 4).toFixed(2)], ["y", (top - 21).toFixed(2)],
      ["width", (9 * Array.from(words).length + 8).toFixed(2)], ["height", "18"], ["rx", "3"]]
      .forEach(function (a) { rect.setAttribute(a[0], a[1]); });
    var text = document.createElementNS(SVGNS, "text");
    text.setAttribute("class", "vg-badge");
    text.setAttribute("x", (left + 8).toFixed(2));
    text.setAttribute("y", (top - 7).toFixed(2));
    text.textContent = words;
    g.appendChild(rect);
    g.appendChild(text);
  }

  /** Mark a route on the diagram with the classes vcfgraph's SVG restyle uses (render/svg.py). */
  function showRoute(svg, route) {
    clearRoute(svg);
    var st = routeStates(route);
    svg.querySelectorAll("g.node").forEach(function (g) {
      var id = domNode.get(g.id);
      if (id === undefined) { return; }
      var state = st.nodes.get(id) || "off";
      g.classList.add("vg-" + state);
      if (st.cats.has(id) && state !== "off") { g.classList.add("vg-cat-" + st.cats.get(id)); }
      if (st.contra.has(id)) { g.classList.add("vg-contra"); badge(g, G.badges.set_apart); }
      else if (st.cautions.has(id)) { g.classList.add("vg-caution"); badge(g, G.badges.caution); }
      g.querySelectorAll("g.vg-row").forEach(function (row) {
        var rid = row.id.replace(/^a_/, ""), rs = st.rows.get(rid);
        if (rs) {
          row.classList.add("vg-row-" + rs);
          if (rs === "on" && st.contra.has(domRow.get(rid))) { row.classList.add("vg-row-contra"); }
        }
      });
      g.querySelectorAll("g.vg-rule").forEach(function (row) {
        var rs = st.rules.get(row.id.replace(/^a_/, ""));
        if (rs) { row.classList.add("vg-rule-" + rs[0]); ruleWords(row, rs[1]); }
      });
    });
    svg.querySelectorAll("g.edge").forEach(function (g) {
      if (g.id.indexOf("l-") === 0) { return; }
      g.classList.add(st.edges.has(g.id) ? "vg-on" : "vg-off");
    });
  }

  /** Draw another route dashed beside the current one (a what-if), or remove it (route null). */
  function showAlt(svg, route) {
    svg.querySelectorAll(".vg-alt").forEach(function (g) { g.classList.remove("vg-alt"); });
    if (!route || route.error !== undefined) { return; }
    var st = routeStates(route);
    svg.querySelectorAll("g.node").forEach(function (g) {
      var id = domNode.get(g.id);
      if (id !== undefined && st.nodes.has(id) && g.classList.contains("vg-off")) { g.classList.add("vg-alt"); }
    });
    svg.querySelectorAll("g.edge").forEach(function (g) {
      if (st.edges.has(g.id) && g.classList.contains("vg-off")) { g.classList.add("vg-alt"); }
    });
  }

  /* ------------------------------------------------------------ zoom, pan, zoom to route */

  function Viewer(mount, svg, tools) {
    var vb = (svg.getAttribute("viewBox") || "0 0 100 100").split(/[ ,]+/).map(parseFloat);
    this.full = vb; this.view = vb.slice(); this.svg = svg; this.mount = mount;
    svg.removeAttribute("width"); svg.removeAttribute("height");
    this.apply();
    var self = this;
    tools.hidden = false;
    tools.querySelectorAll("button[data-vg-zoom]").forEach(function (b) {
      b.addEventListener("click", function () { self.act(b.getAttribute("data-vg-zoom")); self.reveal(); });
    });
    document.querySelectorAll("input.zoom").forEach(function (box) {
      box.addEventListener("change", function () { self.act(box.checked ? "full" : "fit"); });
    });
    mount.addEventListener("keydown", function (e) {
      var keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (e.target !== mount) { return; }
      if (keys[e.key]) { self.pan(keys[e.key][0] * 0.15, keys[e.key][1] * 0.15); e.preventDefault(); }
      else if (e.key === "+" || e.key === "=") { self.zoom(0.8); e.preventDefault(); }
      else if (e.key === "-") { self.zoom(1.25); e.preventDefault(); }
      else if (e.key === "0") { self.act("fit"); e.preventDefault(); }
      else if (e.key === "1") { self.act("full"); e.preventDefault(); }
      else if (e.key === "r") { self.act("route"); e.preventDefault(); }
    });
  }

  Viewer.prototype.apply = function (actual) {
    var v = this.view;
    this.svg.setAttribute("viewBox", v.map(function (x) { return x.toFixed(2); }).join(" "));
    if (actual) {
      this.svg.style.width = v[2] + "px";
      this.svg.style.height = v[3] + "px";
      return;
    }
    var frame = this.mount.closest(".diagram") || this.mount;
    frame.scrollLeft = 0; frame.scrollTop = 0;
    var ratio = v[3] / v[2], width = this.mount.clientWidth || 800;
    this.svg.style.width = "100%";
    this.svg.style.height = Math.min(width * ratio, this.frameHeight()) + "px";
  };

  /** The height the diagram may take: most of the window, less where the frame is sticky beside the questions. */
  Viewer.prototype.frameHeight = function () {
    var frame = this.mount.closest(".diagram") || this.mount;
    var side = frame.closest(".vg-side-diagram"), border = frame.offsetHeight - frame.clientHeight;
    if (side && getComputedStyle(side).position === "sticky") {  // beside the questions: what the window shows below the tools
      var tools = frame.getBoundingClientRect().top - side.getBoundingClientRect().top;
      return Math.max(240, window.innerHeight - Math.max(frame.getBoundingClientRect().top, tools) - border - 8);
    }
    return Math.max(200, window.innerHeight * 0.8 - border);
  };

  Viewer.prototype.zoom = function (f) {
    var v = this.view, cx = v[0] + v[2] / 2, cy = v[1] + v[3] / 2;
    var w = Math.min(this.full[2], v[2] * f), h = Math.min(this.full[3], v[3] * f);
    this.view = [cx - w / 2, cy - h / 2, w, h]; this.apply();
  };

  Viewer.prototype.pan = function (dx, dy) {
    this.view[0] += dx * this.view[2]; this.view[1] += dy * this.view[3]; this.apply();
  };

  /** Fit a box (user units) with a margin into the frame, whole: the page aspect kept, the box centred. */
  Viewer.prototype.fit = function (box) {
    var pad = 24, width = this.mount.clientWidth || 800, height = this.frameHeight();
    var w = box.width + 2 * pad, h = box.height + 2 * pad;
    var aspect = height / width;
    if (h / w < aspect) { h = w * aspect; } else { w = h / aspect; }
    if (w < width / MAX_SCALE) { w = width / MAX_SCALE; h = w * aspect; }  // a short route is not blown up
    var cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    this.view = [cx - w / 2, cy - h / 2, w, h]; this.apply();
  };

  /** Screen pixels per diagram unit in the current view. */
  Viewer.prototype.scale = function () {
    return (this.mount.clientWidth || 800) / this.view[2];
  };

  /** Bring the diagram's frame into the browser window (after a button asked for a view). */
  Viewer.prototype.reveal = function () {
    var frame = this.compactShown ? this.compact : (this.mount.closest(".diagram") || this.mount), r = frame.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) { frame.scrollIntoView({ block: "end" }); }
  };

  /** The box (user units) of the route's questions and its end: what "zoom to the route" fits. */
  Viewer.prototype.routeBox = function () {
    var gs = this.svg.querySelectorAll("g.node.vg-kind-question.vg-on, g.node.vg-stop, g.node.vg-end");
    return gs.length ? this.boxOf(Array.from(gs)) : null;
  };

  /** Full size (one diagram unit per pixel, the whole diagram, scrolled inside its frame),
   *  centred on the route's first question, or on the entry question. */
  Viewer.prototype.actual = function () {
    this.view = this.full.slice();
    this.apply(true);
    var on = this.svg.querySelector("g.node.vg-on, g.node.vg-stop, g.node.vg-end");
    var target = on || this.svg.querySelector('[id="' + own(G.dom.nodes, P.entry) + '"]');
    if (!target) { return; }
    var frame = this.mount.closest(".diagram") || this.mount;
    var r = target.getBoundingClientRect(), f = frame.getBoundingClientRect();
    frame.scrollLeft += r.left - f.left - (f.width - r.width) / 2;
    frame.scrollTop += r.top - f.top - 24;
  };

  Viewer.prototype.boxOf = function (gs) {
    var m = this.svg.getScreenCTM().inverse(), box = null;
    gs.forEach(function (g) {
      var r = g.getBoundingClientRect();
      var p1 = new DOMPoint(r.left, r.top).matrixTransform(m), p2 = new DOMPoint(r.right, r.bottom).matrixTransform(m);
      var b = { x1: p1.x, y1: p1.y, x2: p2.x, y2: p2.y };
      box = box ? { x1: Math.min(box.x1, b.x1), y1: Math.min(box.y1, b.y1), x2: Math.max(box.x2, b.x2), y2: Math.max(box.y2, b.y2) } : b;
    });
    return { x: box.x1, y: box.y1, width: box.x2 - box.x1, height: box.y2 - box.y1 };
  };

  /** Smallest height (CSS px) of a label of the route's nodes as drawn now. */
  Viewer.prototype.routeLabelPx = function () {
    var hs = [];
    this.svg.querySelectorAll("g.node.vg-kind-question.vg-on text, g.node.vg-stop text, g.node.vg-end text").forEach(function (t) {
      var h = t.getBoundingClientRect().height; if (h > 0) { hs.push(h); }
    });
    return hs.length ? Math.min.apply(null, hs) : Infinity;
  };

  /** Frame the whole route; where its labels would fall under 12 px and the page allows it
   *  (case pages), show the compact route-only drawing instead. */
  Viewer.prototype.toRoute = function () {
    this.showCompact(false);
    var b = this.routeBox();
    if (!b) { return; }
    this.fit(b);
    if (!this.allowCompact || !this.route || !window.VcfgraphCompact || this.routeLabelPx() >= READABLE_PX) { return; }
    var svg = this.svg, stops = this.route.steps.map(function (s) {
      return { g: svg.querySelector('[id="' + own(G.dom.nodes, s.node) + '"]'), answer: s.edge ? s.answer : "" };
    });
    if (this.route.terminal) { stops.push({ g: svg.querySelector('[id="' + own(G.dom.nodes, this.route.terminal) + '"]'), answer: "" }); }
    stops = stops.filter(function (s) { return s.g; });
    var frame = this.mount.closest(".diagram") || this.mount;
    // the compact drawing takes the window below the sticky tools, so that none of its rows hides under them
    var tools = document.querySelector(".vg-tools"), below = tools && !tools.hidden ? tools.offsetHeight : 0;
    var drawn = window.VcfgraphCompact.draw(svg, stops, frame.clientWidth || 800, window.innerHeight - below - 12);
    this.compact.textContent = "";
    this.compact.appendChild(drawn.svg);
    this.compact.setAttribute("data-scale", drawn.scale.toFixed(3));
    this.showCompact(true);
  };

  /** Show a part of the pathway (node ids, as the overview lists them, its question first): the
   *  whole part framed where its labels stay readable, else full size from its question down. */
  Viewer.prototype.focus = function (nodes) {
    var svg = this.svg, gs = nodes.map(function (n) { return svg.querySelector('[id="' + own(G.dom.nodes, n) + '"]'); })
      .filter(function (g) { return g; });
    if (!gs.length) { return; }
    this.showCompact(false);
    svg.querySelectorAll("g.node.vg-focused").forEach(function (g) { g.classList.remove("vg-focused"); });
    gs.forEach(function (g) { g.classList.add("vg-focused"); });
    var frame = this.mount.closest(".diagram") || this.mount;
    frame.scrollIntoView({ block: "start" });
    this.view = this.full.slice(); this.apply();
    var box = this.boxOf(gs), pad = 48, width = this.mount.clientWidth || 800;
    var fitted = Math.min(width / (box.width + pad), this.frameHeight() / (box.height + pad));
    var readable = fitted >= FOCUS_SCALE;
    document.querySelectorAll("input.zoom").forEach(function (b) { b.checked = !readable; });
    if (readable) { this.fit(box); }
    else {
      this.view = this.full.slice(); this.apply(true);
      var r = gs[0].getBoundingClientRect(), f = frame.getBoundingClientRect();
      var tools = frame.querySelector(".vg-tools"), top = tools && !tools.hidden ? Math.max(f.top, tools.getBoundingClientRect().bottom) : f.top;
      frame.scrollLeft += r.left - f.left - (f.width - r.width) / 2;
      frame.scrollTop += r.top - top - 24;
    }
    frame.focus({ preventScroll: true });
  };

  Viewer.prototype.showCompact = function (on) {
    if (!this.compact) {
      this.compact = el("div", { "class": "vg-compact diagram", role: "region", "aria-label": "The route alone, row after row", tabindex: "0" });
      this.compact.hidden = true;
      this.mount.parentNode.insertBefore(this.compact, this.mount.nextSibling);
    }
    this.compact.hidden = !on;
    this.mount.hidden = on;
    this.compactShown = on;
  };

  Viewer.prototype.act = function (what) {
    if (what !== "route" && this.compactShown) { this.showCompact(false); }
    if (what === "in") { this.zoom(0.8); }
    else if (what === "out") { this.zoom(1.25); }
    else if (what === "fit") { this.view = this.full.slice(); this.apply(); }
    else if (what === "route") { this.toRoute(); return; }
    else if (what === "full") { this.actual(); }
    else if (what === "left") { this.pan(-0.2, 0); }
    else if (what === "right") { this.pan(0.2, 0); }
    else if (what === "up") { this.pan(0, -0.2); }
    else if (what === "down") { this.pan(0, 0.2); }
  };

  /* ------------------------------------------------------------ the explorer */

  /** A value in words: yes / no, an enum value with its underscores spaced (short codes such as
   *  ct or mri in capitals), a whole number as the range of the pathway's cuts it falls in. */
  function valueWords(fact, v) {
    if (v === null) {
      if (fact.unknown === null || fact.unknown === undefined) { return "unknown"; }
      var when = fact.unknown_when;  /* a conditional policy names its condition: "in a fragility context" */
      var where = !when ? "" : when.use ? " in a " + when.use.replace(/_/g, " ") : " under the pathway's condition";
      return "not recorded (read as " + (fact.unknown_word || valueWords(fact, fact.unknown)) + where + ")";
    }
    if (fact.type === "bool") { return v ? "yes" : "no"; }
    if (fact.type === "int") {
      var unit = fact.unit ? " " + fact.unit : "", ivs = fact.intervals;
      for (var i = 0; i < ivs.length; i++) {
        var iv = ivs[i];
        if (v < iv[0] || v > iv[1]) { continue; }
        if (iv[0] === iv[1]) { return String(iv[0]) + unit; }
        if (ivs.length > 1 && i === 0) { return "under " + (iv[1] + 1) + unit; }
        if (ivs.length > 1 && i === ivs.length - 1) { return iv[0] + unit + " or over"; }
        return iv[0] + " to " + iv[1] + unit;
      }
      return String(v) + unit;
    }
    if (typeof v === "string") {
      return v.split("_").map(function (w) { return /^[a-z]{2,3}$/.test(w) && !/^(and|or|not|no|of|to|in)$/.test(w) ? w.toUpperCase() : w; }).join(" ");
    }
    return T.formatValue(v);
  }

  function readBy(nodeId) {
    var names = [];
    P.outEdges(nodeId).forEach(function (e) {
      T.factsRead(e.condition).forEach(function (n) { if (names.indexOf(n) < 0) { names.push(n); } });
    });
    return names;
  }

  /** The facts a variant's rules read, in reading order (Pathway.rule_reads). */
  function ruleReads(node) {
    var names = [];
    (node.rules || []).forEach(function (r) {
      T.factsRead(r.when).forEach(function (n) { if (names.indexOf(n) < 0) { names.push(n); } });
    });
    return names;
  }

  function Explorer(panel, svg, viewer) {
    this.panel = panel; this.svg = svg; this.viewer = viewer;
    var problems = [];
    var start = panel.getAttribute("data-facts");
    this.caseFacts = factsFrom(start ? JSON.parse(start) : {}, problems);
    var fromHash = factsInHash(problems);
    this.facts = fromHash || new Map(this.caseFacts);
    panel.textContent = "";
    var h = el("h2", { id: "vg-explorer-h" }, panel.getAttribute("data-title") || "Explore: change the answers");
    panel.appendChild(h);
    this.note = el("p", { "class": "vg-note", role: "status" });
    panel.appendChild(this.note);
    this.note.textContent = problems.length ? "Some facts in the link were left out: " + problems.join("; ") + "." : "";
    var bar = el("p", { "class": "vg-bar" });
    var reset = el("button", { type: "button", id: "vg-reset" }, panel.getAttribute("data-case") ? "Reset to this case" : "Clear all answers");
    var self = this;
    reset.addEventListener("click", function () { self.facts = new Map(self.caseFacts); self.update(true); });
    bar.appendChild(reset);
    this.permalink = el("a", { id: "vg-permalink", href: "#" }, "Link to this state");
    bar.appendChild(document.createTextNode(" "));
    bar.appendChild(this.permalink);
    panel.appendChild(bar);
    this.result = el("p", { id: "vg-result", "aria-live": "polite" });
    panel.appendChild(this.result);
    this.possible = el("details", { "class": "vg-possible" });
    this.possibleSummary = el("summary", {}, "Still possible");
    this.possibleList = el("ul");
    this.possible.appendChild(this.possibleSummary);
    this.possible.appendChild(this.possibleList);
    panel.appendChild(this.possible);
    var grid = el("div", { "class": "vg-grid" });
    this.questions = el("div", { "class": "vg-questions" });
    this.output = el("div", { "class": "vg-output" });
    grid.appendChild(this.questions); grid.appendChild(this.output);
    panel.appendChild(grid);
    window.addEventListener("hashchange", function () {
      var probs = [], f = factsInHash(probs);
      if (f) { self.facts = f; self.note.textContent = probs.length ? "Some facts in the link were left out: " + probs.join("; ") + "." : ""; self.update(false); }
    });
    this.update(false);
  }

  Explorer.prototype.set = function (name, value) {
    if (value === null) { this.facts.delete(name); } else { this.facts.set(name, value); }
    this.update(true);
  };

  Explorer.prototype.select = function (fact, extra) {
    var self = this, current = this.facts.has(fact.name) ? this.facts.get(fact.name) : null;
    var wrap = el("p", { "class": "vg-q" });
    var id = "vg-f-" + fact.name;
    var lab = el("label", { "for": id }, fact.question || fact.name);
    wrap.appendChild(lab);
    wrap.appendChild(document.createTextNode(" "));
    var sel = el("select", { id: id, "data-fact": fact.name });
    var values = [null].concat(fact.domain);
    if (current !== null && values.indexOf(current) < 0) { values.push(current); }
    values.forEach(function (v, i) {
      var o = el("option", { value: String(i) }, valueWords(fact, v));
      if (v === current || (v !== null && current !== null && v === current)) { o.selected = true; }
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () { self.set(fact.name, values[parseInt(sel.value, 10)]); });
    wrap.appendChild(sel);
    if (extra) { wrap.appendChild(el("span", { "class": "vg-extra" }, " " + extra)); }
    return wrap;
  };

  Explorer.prototype.update = function (push) {
    var route = T.trace(P, this.facts), self = this, hash = "#" + encodeFacts(this.facts);
    this.permalink.setAttribute("href", hash);
    if (push) { history.replaceState(null, "", hash); }
    this.route = route;
    this.questions.textContent = "";
    this.output.textContent = "";
    if (route.error !== undefined) {
      this.result.setAttribute("data-outcome", "error");
      this.result.setAttribute("data-terminal", "");
      this.result.setAttribute("data-ua", "");
      this.result.textContent = "The pathway cannot decide these facts: " + route.error;
      return;
    }
    var ranked = T.questionsRanked(P, this.facts);
    this.renderQuestions(route, ranked);
    this.renderResult(route);
    this.renderOutput(route, ranked);
    if (this.svg) { showRoute(this.svg, route); }
    if (this.viewer) { this.viewer.route = route; if (this.viewer.follow || this.viewer.compactShown) { this.viewer.toRoute(); } }
  };

  Explorer.prototype.renderQuestions = function (route, ranked) {
    // a fact still needed is asked at the step that waits for it, even if an answered step read it too
    var self = this, shown = new Set(), needed = new Set(route.missing);
    this.questions.appendChild(el("h3", {}, "The questions on the route"));
    var list = el("ol", { "class": "vg-steps" });
    route.steps.forEach(function (s) {
      var li = el("li", { "class": s.edge ? "vg-step" : "vg-step vg-now", "data-node": s.node });
      li.appendChild(el("strong", {}, label(s.node)));
      var waits = !s.edge && P.node.get(s.node).kind === "variant";  /* a variant whose rules wait on a fact */
      li.appendChild(el("span", { "class": "vg-answer" }, s.edge ? " \u2192 " + s.answer :
        waits ? " \u2192 its rules cannot all be settled yet" : " \u2192 cannot answer yet"));
      var names = s.edge ? readBy(s.node) : route.missing.slice().sort(function (a, b) {
        var ra = ranked.findIndex(function (q) { return q.fact === a; }), rb = ranked.findIndex(function (q) { return q.fact === b; });
        return (ra < 0 ? 1e9 : ra) - (rb < 0 ? 1e9 : rb) || route.missing.indexOf(a) - route.missing.indexOf(b);
      });
      names.forEach(function (n) {
        if (shown.has(n) || (s.edge && needed.has(n))) { return; }
        shown.add(n);
        li.appendChild(self.select(P.fact.get(n), !s.edge ? "(needed now)" : ""));
      });
      if (waits) { self.ruleFacts(li, P.node.get(s.node), shown); }
      li.appendChild(el("p", { "class": "why" }, s.explanation.slice(label(s.node).length).trim()));
      list.appendChild(li);
    });
    var reached = route.outcome === "variant" ? ruledVariant(route) : null;
    if (reached) {  /* the facts its rules read, to change them here too */
      var li = el("li", { "class": "vg-step vg-rules", "data-node": reached.id });
      li.appendChild(el("strong", {}, MARKS.rule + " " + reached.label));
      var held = route.rules.filter(function (r) { return r.state === "holds"; }).map(function (r) { return r.label; });
      li.appendChild(el("span", { "class": "vg-answer" }, held.length ? " \u2192 the rules that hold: " + held.join("; ") : " \u2192 no rule holds"));
      this.ruleFacts(li, reached, shown);
      list.appendChild(li);
    }
    this.questions.appendChild(list);
  };

  /** The menus of the facts a variant's rules read that no step showed yet. */
  Explorer.prototype.ruleFacts = function (li, node, shown) {
    var self = this;
    ruleReads(node).forEach(function (n) {
      if (shown.has(n)) { return; }
      shown.add(n);
      li.appendChild(self.select(P.fact.get(n), ""));
    });
  };

  Explorer.prototype.renderResult = function (route) {
    var r = this.result;
    r.setAttribute("data-outcome", route.outcome);
    r.setAttribute("data-terminal", route.terminal || "");
    r.setAttribute("data-ua", route.ua.join(" "));
    this.possibleList.textContent = "";
    this.possible.hidden = true;
    if (route.outcome === "need_info") {
      var waiting = ruledVariant(route);
      r.textContent = (waiting ? "Outcome: " + waiting.label + " is reached, but its rules cannot all be settled yet: more information is needed." :
        "Outcome: more information is needed.") + " Next: " + route.missing.map(function (n) {
        var f = P.fact.get(n); return f && f.question ? f.question : n;
      }).join(" ");
      if (route.possible.length && !waiting) {  // the outcomes still open, folded: a headline, not a paragraph
        this.possible.hidden = false;
        this.possibleSummary.textContent = "Still possible: " + route.possible.length + " outcomes";
        var ul = this.possibleList;
        route.possible.forEach(function (p) { ul.appendChild(el("li", {}, label(p))); });
      }
    } else {
      r.textContent = "Outcome: " + label(route.terminal);
    }
  };

  function section(parent, title, items) {
    if (!items.length) { return; }
    parent.appendChild(el("h3", {}, title));
    var ul = el("ul");
    items.forEach(function (it) { ul.appendChild(typeof it === "string" ? el("li", {}, it) : it); });
    parent.appendChild(ul);
  }

  /** Focus a fact's menu, putting it among the questions when the route has not reached it yet. */
  Explorer.prototype.ask = function (name) {
    var sel = document.getElementById("vg-f-" + name);
    if (!sel) {
      var box = this.questions.querySelector(".vg-asked") || el("div", { "class": "vg-asked" });
      if (!box.parentNode) { box.appendChild(el("h3", {}, "Asked ahead of the route")); this.questions.appendChild(box); }
      box.appendChild(this.select(P.fact.get(name), ""));
      sel = document.getElementById("vg-f-" + name);
    }
    sel.scrollIntoView({ block: "center" });
    sel.focus();
  };

  /** An action's label after the icon of its modality (imaging, treatment, discharge, ...). */
  function actionWords(a) {
    var n = P.node.get(a), icon = n && n.modality ? own(MARKS.modalities, n.modality) : undefined;
    return (icon ? icon + " " : "") + label(a);
  }

  /** The rules a route evaluated, each with its mark, its state in words and the engine's explanation. */
  function ruleItems(route) {
    return (route.rules || []).map(function (r) {
      var li = el("li", { "class": "rule-result rule-" + r.state, "data-rule": r.rule });
      li.appendChild(el("strong", {}, MARKS.rule + " " + own(MARKS.rule_states, r.state)[1]));
      li.appendChild(document.createTextNode(" " + r.explanation));
      return li;
    });
  }

  Explorer.prototype.renderOutput = function (route, ranked) {
    var out = this.output, self = this, variant = ruledVariant(route), ruleOf = new Map();
    if (variant) {
      section(out, "Rules of " + variant.label + " (each that holds adds its ratings; all apply together)", ruleItems(route));
      route.rules.forEach(function (r) {
        if (r.state !== "holds") { return; }
        variant.rules.filter(function (x) { return x.id === r.rule; })[0].ratings.forEach(function (x) { ruleOf.set(x.action, r.label); });
      });
    }
    if (route.outcome === "variant") {
      P.categories.forEach(function (cat) {
        section(out, cat.name + (G.pathway.scale.acr ? " (" + cat.id + ")" : ""), T.listOf(route, cat.slot).map(function (a) {
          var cautions = route.cautions.filter(function (c) { return c.action === a; }).map(function (c) { return c.reason; });
          var mods = (route.modifiers || []).filter(function (m) { return m.action === a; }).map(function (m) {
            return (m.direction === "favoured" ? "\u2295 " : "\u2296 ") + m.explanation + " " + m.reason; });
          return actionWords(a) + (ruleOf.has(a) ? " (" + MARKS.rule + " by the rule " + ruleOf.get(a) + ")" : "") +
            (cautions.length ? " \u2014 \u26a0 caution: " + cautions.join("; ") : "") +
            (mods.length ? " \u2014 " + mods.join("; ") : "");
        }));
      });
      section(out, "Set apart for this patient", route.contraindicated.map(function (c) { return actionWords(c.action) + " (rated " + c.category + "): " + c.reason; }));
    }
    if (route.assumed.length) {
      section(out, "Pathway assumptions this result relies on", route.assumed.map(function (n) {
        var f = P.fact.get(n);
        return (f.label || f.question || n) + ": not recorded; read as " + (f.unknown_word || T.formatValue(f.unknown)) + ", as the pathway declares";
      }));
    }
    var term = route.terminal ? P.node.get(route.terminal) : null;
    if (term && term.downstream) {
      section(out, "What happens next", term.downstream.filter(function (d) { return route.downstream.indexOf(d.id) >= 0; })
        .map(function (d) { return d.label + (d.text ? ": " + d.text : "") + (d.target ? " \u2192 " + label(d.target) : ""); }));
    }
    if (term && term.advice && term.advice.length) {  /* what the outcome says about actions it does not rate */
      section(out, "Not rated here", term.advice.map(function (a) {
        return a.actions.map(label).join(", ") + ": " + a.text;
      }));
    }
    if (ranked.length) {
      out.appendChild(el("h3", {}, "Best next question"));
      out.appendChild(el("p", {}, "The unknown facts whose answer would settle some of the outcomes still open, the most useful first (ties: history before examination, imaging and biopsy)."));
      var ol = el("ol", { "class": "vg-ranked" });
      ranked.forEach(function (q, i) {
        var fact = P.fact.get(q.fact), li = el("li", { "data-fact": q.fact });
        var ask = el("button", { type: "button", "class": "vg-ask" }, "Ask: " + (fact.question || q.fact));
        ask.addEventListener("click", function () { self.ask(q.fact); });
        li.appendChild(ask);
        li.appendChild(document.createTextNode(i === 0 ? " It settles the most." :
          q.expected >= ranked[0].expected - 1e-9 ? " It settles as much." : ""));
        ol.appendChild(li);
      });
      out.appendChild(ol);
    }
    var changes = T.whatIf(P, this.facts);
    out.appendChild(el("h3", {}, "What if one fact were different?"));
    if (!changes.length) { out.appendChild(el("p", {}, "No change of a single fact changes the outcome or the " + FAVOURED + " list.")); }
    var ul = el("ul", { "class": "vg-whatif" });
    var past = el("ul", { "class": "vg-whatif vg-whatif-past" });
    function uaWords(c) {  /* an inferred rating keeps its mark */
      var node = P.node.get(c.terminal);
      return c.ua.map(function (a) {
        var all = (node && node.ratings || []).slice();  /* a rule's ratings too: the one that put it in the list */
        ((node && node.rules) || []).forEach(function (x) { all = all.concat(x.ratings); });
        var r = all.filter(function (x) { return x.action === a && x.slot === "UA"; })[0];
        return label(a) + (r && r.confidence !== "confirmed" ? " (" + r.confidence + ")" : "");
      }).join("; ") || "none";
    }
    changes.forEach(function (c) {
      var f = new Map(self.facts);
      if (c.value === null) { f.delete(c.fact); } else { f.set(c.fact, c.value); }
      var fact = P.fact.get(c.fact);
      var words = (fact.question || c.fact) + " \u2192 " + valueWords(fact, c.value) + ": " + (c.outcome === "need_info" ? "more information needed" : label(c.terminal)) +
        (c.outcome === "variant" ? " (" + FAVOURED + ": " + uaWords(c) + ")" : "");
      var a = el("a", { href: "#" + encodeFacts(f), "data-fact": c.fact }, words);
      var alt = T.trace(P, f);
      function on() { if (self.svg) { showAlt(self.svg, alt); } }
      function off() { if (self.svg) { showAlt(self.svg, null); } }
      a.addEventListener("mouseenter", on); a.addEventListener("focus", on);
      a.addEventListener("mouseleave", off); a.addEventListener("blur", off);
      var li = el("li"); li.appendChild(a); (c.hypothetical ? past : ul).appendChild(li);
    });
    out.appendChild(ul);
    if (past.childNodes.length) {
      out.appendChild(el("h4", {}, "If this were different (the past or the person, not something to find out)"));
      out.appendChild(past);
    }
    this.renderResponse(out);
  };

  /** The known facts as a FHIR QuestionnaireResponse to the pathway's Questionnaire: linkIds are
   *  fact names, answers valueBoolean, valueInteger or valueCoding (the fact's code system), as
   *  `vcfgraph export` writes them and `trace` and the CDS service read them. */
  function responseOf(facts) {
    var F = G.fhir, items = [];
    P.facts.forEach(function (f) {
      var v = facts.get(f.name), answer;
      if (v === undefined || v === null) { return; }
      if (f.type === "bool") { answer = { valueBoolean: v }; }
      else if (f.type === "int") { answer = { valueInteger: v }; }
      else { answer = { valueCoding: { system: F.codeSystems[f.name], code: v } }; }
      items.push({ linkId: f.name, answer: [answer] });
    });
    var qr = { resourceType: "QuestionnaireResponse", questionnaire: F.questionnaire, status: "completed",
               authored: new Date().toISOString() };
    if (items.length) { qr.item = items; }
    return qr;
  }

  Explorer.prototype.renderResponse = function (out) {
    if (!G.fhir) { return; }
    var text = JSON.stringify(responseOf(this.facts), null, 2);
    out = out.appendChild(el("div", { "class": "vg-qr-block no-print" }));   // for the screen: a handout prints without it
    out.appendChild(el("h3", { id: "vg-qr-h" }, "These answers for the EHR"));
    out.appendChild(el("p", {}, "The known facts as a FHIR QuestionnaireResponse to this pathway\u2019s Questionnaire. " +
      "Saved in the patient\u2019s chart, the decision support service reads it at the next order, so it asks no question answered here."));
    var box = el("textarea", { id: "vg-qr", "class": "vg-qr", readonly: "readonly", rows: "8", "aria-labelledby": "vg-qr-h" });
    box.value = text;
    out.appendChild(box);
    var bar = el("p", { "class": "vg-qr-actions" });
    var copy = el("button", { type: "button", id: "vg-qr-copy" }, "Copy");
    copy.addEventListener("click", function () {
      box.select();
      var done = function () { copy.textContent = "Copied"; };
      if (navigator.clipboard && navigator.clipboard.writeText) { navigator.clipboard.writeText(box.value).then(done, function () {}); }
      else { try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ } }
    });
    var download = el("a", { id: "vg-qr-download", download: "questionnaire-response.json",
      href: "data:application/fhir+json;charset=utf-8," + encodeURIComponent(text) }, "Download");
    bar.appendChild(copy); bar.appendChild(document.createTextNode(" ")); bar.appendChild(download);
    out.appendChild(bar);
  };


  /** What quiz.js builds on. */
  window.VcfgraphSite = { P: P, el: el, label: label, own: own, readBy: readBy, valueWords: valueWords,
    factsFrom: factsFrom, showRoute: showRoute };

  /* ------------------------------------------------------------ what a page leaves to this file */

  /** A part of render/parts.py: [tag, {attribute: value}, child, ...], text as strings. */
  function build(node) {
    if (typeof node === "string") { return document.createTextNode(node); }
    var e = document.createElement(node[0]);
    Object.keys(node[1]).forEach(function (k) { if (!/^on/i.test(k)) { e.setAttribute(k, node[1][k]); } });
    node.slice(2).forEach(function (c) { e.appendChild(build(c)); });
    return e;
  }

  /** Fill the page's empty parts, the explorer link of a case and the table of its facts. */
  function fillPage(panel) {
    var parts = G.parts || {};
    document.querySelectorAll("div[data-vg-part]").forEach(function (slot) {
      var part = own(parts, slot.getAttribute("data-vg-part"));
      if (part) { slot.parentNode.replaceChild(build(part), slot); }
    });
    var given = panel && panel.getAttribute("data-case") ? JSON.parse(panel.getAttribute("data-facts") || "{}") : null;
    if (!given) { return; }
    document.querySelectorAll("a.vg-explore-link").forEach(function (a) {
      a.setAttribute("href", a.getAttribute("href").split("#")[0] + "#" + encodeFacts(factsFrom(given, [])));
    });
    var text = document.querySelector("p.vg-facts-text");
    if (!text) { return; }
    var table = el("table", { "class": "facts print-hide" }), head = el("tr"), body = el("tbody");
    table.appendChild(el("caption", {}, "Every fact the pathway knows; \u201cnot known\u201d where the case is silent"));
    ["Fact", "Value", "Meaning"].forEach(function (w) { head.appendChild(el("th", { scope: "col" }, w)); });
    table.appendChild(el("thead")).appendChild(head);
    table.appendChild(body);
    P.facts.forEach(function (f) {
      var v = own(given, f.name), known = v !== undefined && v !== null, row = el("tr");
      row.appendChild(el("td")).appendChild(el("code", {}, f.name));
      row.appendChild(el("td", known ? {} : { "class": "unknown" }, known ? String(v) + (f.unit ? " " + f.unit : "") : "not known"));
      row.appendChild(el("td", {}, f.question));
      body.appendChild(row);
    });
    text.parentNode.insertBefore(table, text.nextSibling);
    text.classList.add("print-only");  // the table on screen, the sentence on paper
  }

  /* ------------------------------------------------------------ start */

  function start() {
    fillPage(document.getElementById("vg-explorer"));
    var mount = document.querySelector(".vg-mount"), svg = null, viewer = null;
    if (mount) {
      svg = mountDiagram(mount);
      var tools = document.querySelector(".vg-tools");
      if (tools) { viewer = new Viewer(mount, svg, tools); }
    }
    var panel = document.getElementById("vg-explorer");
    var explorer = panel ? new Explorer(panel, svg, viewer) : null;
    if (viewer && explorer) {
      viewer.allowCompact = !!panel.getAttribute("data-case");
      viewer.follow = !viewer.allowCompact;  // the explorer frames the route again after every answer
      viewer.route = explorer.route; viewer.act("route");
    }
    else if (viewer) {  // the pathway alone: open at full size, readable on a projector, on the entry question
      document.querySelectorAll('button[data-vg-zoom="route"]').forEach(function (b) { b.hidden = true; });
      document.querySelectorAll("input.zoom").forEach(function (b) { b.checked = true; });
      viewer.act("full");
      document.querySelectorAll("button[data-vg-focus]").forEach(function (b) {  // the overview's parts
        b.hidden = false;
        b.addEventListener("click", function () { viewer.focus(b.getAttribute("data-vg-focus").split(" ")); });
      });
    }
    var main = document.getElementById("main"), quiz = null, Q = window.VcfgraphQuiz;
    if (Q && panel && panel.getAttribute("data-case") && main) {
      var link = el("p", { "class": "vg-keep vg-quiz-link print-hide" });
      var a = el("a", { href: "#quiz" }, "Take this case as a quiz (the answers stay hidden until you earn them)");
      a.addEventListener("click", function (e) { e.preventDefault(); history.replaceState(null, "", "#quiz"); location.reload(); });
      link.appendChild(a);
      main.insertBefore(link, main.children[1] || null);
      if (location.hash === "#quiz") { link.hidden = true; quiz = new Q.Quiz(main, panel, explorer); }
    }
    if (Q) { Q.index(); }
    window.vcfgraphSite = { explorer: explorer, viewer: viewer, quiz: quiz };
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
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
