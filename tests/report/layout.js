// Layout facts of the report page at the browser's window size, measured once it has loaded and
// written into <pre id="layout-facts"> as JSON (read by tests/report/test_report_browser.py).
window.addEventListener("load", function () {
  var vw = window.innerWidth, vh = window.innerHeight;
  var hidden = function (el) { return el.closest("details:not([open])") && !el.closest("summary"); };
  var wide = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (hidden(el) || (el.closest(".table-wrap") && !el.classList.contains("table-wrap"))) { return; }
    var r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) { return; }
    if (r.right > vw + 0.5 || r.left < -0.5) {
      var css = el.className.baseVal === undefined ? el.className : el.className.baseVal;
      wide.push(el.tagName.toLowerCase() + "." + css + "#" + el.id + " " + Math.round(r.left)
                + ".." + Math.round(r.right));
    }
  });
  var sizes = [];
  document.querySelectorAll("svg text").forEach(function (t) {
    var m = t.getScreenCTM();  // the SVG's scale on screen (rotation-proof)
    if (!hidden(t)) { sizes.push(parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)); }
  });
  var html = ".chart .bar-label, .chart .bar-value, .chart small, .chart figcaption, .chart .legend";
  document.querySelectorAll(html).forEach(function (t) {
    if (!hidden(t)) { sizes.push(parseFloat(getComputedStyle(t).fontSize)); }
  });
  var wraps = Array.prototype.slice.call(document.querySelectorAll(".table-wrap"));
  var title = document.getElementById("summary-title").getBoundingClientRect();
  var facts = {
    viewport: [vw, vh], scrollWidth: document.documentElement.scrollWidth, wide: wide,
    chartTexts: sizes.length, minChartText: Math.min.apply(null, sizes),
    summaryTop: document.getElementById("summary").getBoundingClientRect().top,
    summaryTitleBottom: title.bottom,
    firstListBottom: document.querySelector("#summary li").getBoundingClientRect().bottom,
    tables: wraps.length,
    scrollingTables: wraps.filter(function (w) { return w.scrollWidth > w.clientWidth + 1; }).length
  };
  var pre = document.createElement("pre");
  pre.id = "layout-facts";
  pre.textContent = JSON.stringify(facts);
  document.body.appendChild(pre);
});
