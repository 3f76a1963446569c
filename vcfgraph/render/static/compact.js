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
