// Marks the page once every chart has decoded (the browser test reads it); logs broken ones.
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  document.body.setAttribute("data-charts", String(images.length));
  document.body.setAttribute("data-charts-broken", String(broken.length));
  if (broken.length) { console.error("report: " + broken.length + " chart(s) did not render"); }
});
