// The tip box works without this script (it is a <details> element); the
// script only tells the server, once per page view, that a reader opened it.
(function () {
  "use strict";
  var box = document.getElementById("tip");
  if (!box) return;
  var details = box.querySelector("details");
  var url = box.getAttribute("data-beacon");
  if (!details || !url) return;
  var counted = false;
  details.addEventListener("toggle", function () {
    if (!details.open || counted) return;
    counted = true;
    if (navigator.sendBeacon && navigator.sendBeacon(url)) return;
    if (window.fetch) {
      fetch(url, { method: "POST", keepalive: true, credentials: "omit" })
        .catch(function () { /* counting is best effort */ });
    }
  });
})();
