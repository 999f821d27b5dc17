// The view beacon of pages nginx serves from the page store (PAGE_STORE):
// such a page never reaches the app, so it reports its view here. Pages the
// app serves count their view themselves and carry no beacon.
(function () {
  "use strict";
  var script = document.currentScript;
  var id = script && script.getAttribute("data-view");
  if (!id || !/^[0-9A-Za-z]{16}$/.test(id)) {
    return;
  }
  var url = "/_view/" + id;
  if (navigator.sendBeacon && navigator.sendBeacon(url)) {
    return;
  }
  fetch(url, { method: "POST", keepalive: true, credentials: "omit" });
})();
