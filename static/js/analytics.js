// The set-up part of two analytics vendors' snippets, so that the pages never
// serve inline JavaScript (cms/services/analytics.py). One element per use:
//   <script src="/static/js/analytics.js" data-vendor="google" data-id="G-…">
//   <script src="/static/js/analytics.js" data-vendor="51la" data-id="…" data-ck="…">
// The vendor's own script is loaded when the page does not already have it.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var vendor = me.getAttribute("data-vendor");
  var id = me.getAttribute("data-id") || "";
  if (!/^[A-Za-z0-9-]{4,40}$/.test(id)) return;

  function load(src, attributes, done) {
    var script = document.createElement("script");
    script.src = src;
    script.async = true;
    Object.keys(attributes).forEach(function (name) {
      script.setAttribute(name, attributes[name]);
    });
    if (done) script.addEventListener("load", done);
    document.head.appendChild(script);
  }

  if (vendor === "google") {
    window.dataLayer = window.dataLayer || [];
    var gtag = function () { window.dataLayer.push(arguments); };
    window.gtag = window.gtag || gtag;
    gtag("js", new Date());
    gtag("config", id);
    if (!document.querySelector("script[src*='googletagmanager.com/gtag/js']")) {
      load("https://www.googletagmanager.com/gtag/js?id=" + encodeURIComponent(id), {});
    }
  } else if (vendor === "51la") {
    var ck = me.getAttribute("data-ck") || "";
    var init = function () {
      if (window.LA && !window.__cmsLaStarted) {
        window.__cmsLaStarted = true;
        window.LA.init({ id: id, ck: ck });
      }
    };
    var sdk = document.getElementById("LA_COLLECT");
    if (window.LA) init();
    else if (sdk) sdk.addEventListener("load", init);
    else load("https://sdk.51.la/js-sdk-pro.min.js", { id: "LA_COLLECT", charset: "UTF-8" }, init);
  }
})();
