// Marks the page once it has loaded (the browser tests read it): how many charts it has and how
// many did not draw (an image that did not decode, a chart with no size); logs broken ones.
window.addEventListener("load", function () {
  var charts = Array.prototype.slice.call(document.querySelectorAll("img, .chart"));
  var broken = charts.filter(function (c) {
    if (c.tagName === "IMG") { return !(c.complete && c.naturalWidth > 0); }
    var box = c.getBoundingClientRect();
    return !(box.width > 0 && box.height > 0) && !c.closest("details:not([open])");
  });
  document.body.setAttribute("data-charts", String(charts.length));
  document.body.setAttribute("data-charts-broken", String(broken.length));
  if (broken.length) { console.error("report: " + broken.length + " chart(s) did not render"); }
});
