window.VCFDOSE = {"bands":{"O":[0,0],"☢":[0,100],"☢☢":[100,1000],"☢☢☢":[1000,10000],"☢☢☢☢":[10000,30000],"☢☢☢☢☢":[30000,100000]},"order":["radiography_spine","dxa_vfa","ct_spine_wo","ct_spine_w","ct_spine_wwo","ct_myelography_spine","mri_spine_wo","mri_spine_w","mri_spine_wwo","bone_scan_whole_body","spect_ct_spine","fdg_pet_ct","image_guided_biopsy"],"perYear":3000,"studies":{"bone_scan_whole_body":{"band":"☢☢☢","high":6300,"label":"Bone scan, whole body","low":2900},"ct_myelography_spine":{"band":"☢☢☢☢","high":null,"label":"CT myelography spine","low":null},"ct_spine_w":{"band":"☢☢☢","high":27000,"label":"CT spine with IV contrast","low":2000},"ct_spine_wo":{"band":"☢☢☢","high":27000,"label":"CT spine without IV contrast","low":2000},"ct_spine_wwo":{"band":"☢☢☢☢","high":54000,"label":"CT spine without and with IV contrast","low":4000},"dxa_vfa":{"band":"","high":50,"label":"DXA with vertebral fracture assessment","low":2},"fdg_pet_ct":{"band":"☢☢☢☢","high":32000,"label":"FDG-PET/CT skull base to mid-thigh","low":13000},"image_guided_biopsy":{"band":"","high":9300,"label":"Image-guided biopsy of the spine","low":1600},"mri_spine_w":{"band":"O","high":0,"label":"MRI spine with IV contrast","low":0},"mri_spine_wo":{"band":"O","high":0,"label":"MRI spine without IV contrast","low":0},"mri_spine_wwo":{"band":"O","high":0,"label":"MRI spine without and with IV contrast","low":0},"radiography_spine":{"band":"☢☢☢","high":1500,"label":"Spine radiographs","low":600},"spect_ct_spine":{"band":"☢☢☢","high":10000,"label":"SPECT or SPECT/CT spine","low":3500}}};
/* The dose aid in the browser: the twin of vcfgraph/imaging/dose.py (same integer rule, tested equal),
   the "add earlier studies" form of the case pages and the printable handout.
   Data: window.VCFDOSE = {studies: {id: {label, band, low, high}}, bands: {level: [low, high]},
   perYear, order: [ids]}, amounts in whole microsieverts. Offline, no network. */
(function () {
  "use strict";

  function round2(usv) {
    var digits = String(usv).length;
    if (digits <= 2) { return usv; }
    var f = Math.pow(10, digits - 2);
    return Math.floor((usv + Math.floor(f / 2)) / f) * f;
  }

  function msvText(usv) {
    var r = round2(usv), whole = Math.floor(r / 1000), frac = r % 1000;
    if (!frac) { return String(whole); }
    var s = String(frac);
    while (s.length < 3) { s = "0" + s; }
    return (whole + "." + s).replace(/0+$/, "");
  }

  function rangeText(low, high) {
    if (high === 0) { return "0 mSv"; }
    var a = msvText(low), b = msvText(high);
    return a === b ? "about " + b + " mSv" : "about " + a + " to " + b + " mSv";
  }

  function timeText(usv, perYear) {
    if (usv === 0) { return "no time"; }
    var months = Math.floor((usv * 24 + perYear) / (2 * perYear));
    if (months < 1) {
      var days = Math.floor((usv * 730 + perYear) / (2 * perYear));
      return days < 1 ? "less than a day" : (days === 1 ? "1 day" : days + " days");
    }
    if (months < 12) { return months === 1 ? "1 month" : months + " months"; }
    var years = Math.floor((usv * 2 + perYear) / (2 * perYear));
    return years === 1 ? "1 year" : years + " years";
  }

  function backgroundText(low, high, perYear) {
    if (high === 0) { return "no time of natural background"; }
    var a = timeText(low, perYear), b = timeText(high, perYear);
    var ia = a.indexOf(" "), ib = b.indexOf(" ");
    var na = a.slice(0, ia), ua = a.slice(ia + 1), nb = b.slice(0, ib), ub = b.slice(ib + 1);
    var span;
    if (a === b) { span = b; }
    else if (ua.replace(/s$/, "") === ub.replace(/s$/, "") && /^[0-9]+$/.test(na) && /^[0-9]+$/.test(nb)) { span = na + " to " + b; }
    else { span = a + " to " + b; }
    return "roughly " + span + " of natural background";
  }

  /* items: [{study, times}] -> {low, high, withEstimates: [l, h] | null, unbanded: [ids], text} */
  function estimate(data, items) {
    var low = 0, high = 0, extraLow = 0, extraHigh = 0, unbanded = [], complete = true;
    items.forEach(function (item) {
      var s = data.studies[item.study], times = item.times || 1;
      if (s.band) {
        var b = data.bands[s.band];
        low += b[0] * times; high += b[1] * times;
      } else {
        unbanded.push(item.study);
        if (s.low === null || s.high === null) { complete = false; }
        else { extraLow += s.low * times; extraHigh += s.high * times; }
      }
    });
    var withEstimates = unbanded.length && complete ? [low + extraLow, high + extraHigh] : null;
    return {low: low, high: high, withEstimates: withEstimates, unbanded: unbanded,
            text: rangeText(low, high) + ", " + backgroundText(low, high, data.perYear)};
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function parseIds(text, data) {
    return (text || "").split(",").filter(function (id) { return Object.prototype.hasOwnProperty.call(data.studies, id); });
  }

  function sentence(data, items) {
    var est = estimate(data, items);
    var out = est.text;
    if (est.unbanded.length) {
      out += est.withEstimates ? "; with the literature estimates of the studies not banded, " +
        rangeText(est.withEstimates[0], est.withEstimates[1]) : "; studies not banded are left out";
    }
    return out;
  }

  /* The form under a case page's imaging section: add earlier studies, see the new range. */
  function mountForm(box, data) {
    var planned = parseIds(box.getAttribute("data-studies"), data);
    var earlier = [];
    var form = el("form", {"class": "dose-form"});
    var label = el("label", {"for": "dose-add"}, "Add an earlier study: ");
    var select = el("select", {id: "dose-add"});
    data.order.forEach(function (id) { select.appendChild(el("option", {value: id}, data.studies[id].label)); });
    var add = el("button", {type: "submit"}, "Add");
    var clear = el("button", {type: "button"}, "Clear");
    var list = el("p", {"class": "dose-earlier"});
    var result = el("p", {"class": "dose-result", "aria-live": "polite"});
    var link = el("a", {"class": "dose-handout"}, "Printable handout for the patient conversation");
    form.appendChild(label); form.appendChild(select); form.appendChild(add); form.appendChild(clear);
    function update() {
      var items = planned.concat(earlier).map(function (id) { return {study: id, times: 1}; });
      list.textContent = earlier.length ? "Earlier studies: " + earlier.map(function (id) { return data.studies[id].label; }).join("; ") : "";
      result.textContent = items.length ? "Together: " + sentence(data, items) + "." : "";
      link.setAttribute("href", box.getAttribute("data-root") + "handout.html#studies=" + planned.concat(earlier).join(",") +
        "&case=" + encodeURIComponent(box.getAttribute("data-case") || ""));
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); if (earlier.length < 50) { earlier.push(select.value); } update(); });
    clear.addEventListener("click", function () { earlier = []; update(); });
    box.appendChild(form); box.appendChild(list); box.appendChild(result); box.appendChild(link);
    update();
  }

  /* The handout page: studies from #studies=a,b&case=ID. */
  function fillHandout(box, data) {
    var params = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) { params[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); }
    });
    var ids = parseIds(params.studies, data).slice(0, 60);
    if (!ids.length) { return; }
    var caseId = (params["case"] || "").slice(0, 80);
    var list = el("ul", {"class": "handout-studies"});
    ids.forEach(function (id) {
      var s = data.studies[id];
      var what = s.band ? (s.band === "O" ? "no ionising radiation" : "band " + s.band + ", " + rangeText(data.bands[s.band][0], data.bands[s.band][1]))
        : (s.low === null ? "not banded, no estimate found" : "not banded; literature estimate " + rangeText(s.low, s.high));
      list.appendChild(el("li", {}, s.label + ": " + what));
    });
    box.textContent = "";
    if (caseId) { box.appendChild(el("p", {"class": "handout-case"}, "Teaching case " + caseId)); }
    box.appendChild(list);
    box.appendChild(el("p", {"class": "handout-range"}, "Together: " + sentence(data, ids.map(function (id) { return {study: id, times: 1}; })) + "."));
  }

  /* The explorer (site.js) marks its result with data-ua="ids"; the line after it says what that
     imaging would add. Watching the attribute keeps the explorer's code untouched. */
  function watchExplorer(result, data) {
    var line = el("p", {"class": "dose-explorer", "aria-live": "polite"});
    result.parentNode.insertBefore(line, result.nextSibling);
    function show() {
      var ids = (result.getAttribute("data-ua") || "").split(" ").filter(function (id) {
        return Object.prototype.hasOwnProperty.call(data.studies, id);
      });
      line.textContent = result.getAttribute("data-outcome") === "variant" && ids.length ?
        "Radiation of the usually appropriate imaging, each done once: " + sentence(data, ids.map(function (id) { return {study: id, times: 1}; })) +
        " (a typical adult dose, not this patient's dose or risk)." : "";
    }
    new MutationObserver(show).observe(result, {attributes: true, attributeFilter: ["data-ua", "data-outcome"]});
    show();
  }

  var api = {round2: round2, msvText: msvText, rangeText: rangeText, timeText: timeText,
             backgroundText: backgroundText, estimate: estimate};
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  if (typeof window === "undefined") { return; }
  window.VCFDoseRule = api;
  function start() {
    var data = window.VCFDOSE;
    if (!data) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-dose-form]"), function (box) { mountForm(box, data); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-ua]"), function (r) { watchExplorer(r, data); });
    var handout = document.getElementById("handout-fill");
    if (handout) { fillHandout(handout, data); window.addEventListener("hashchange", function () { fillHandout(handout, data); }); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
