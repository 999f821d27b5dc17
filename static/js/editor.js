// The Markdown editors' live preview; the editors work fully without it.
// Each textarea[data-preview-source] (its value: the preview URL) posts its
// text there ~400 ms after the last keystroke (CSRF token in X-CSRFToken)
// and puts the answer's HTML, sanitised by the server exactly as the public
// page's, into [data-preview-target="<textarea id>"]. Also: a warning before
// leaving a form with unsaved changes.
(function () {
  "use strict";
  var DELAY = 400;

  function setup(source) {
    var target = document.querySelector('[data-preview-target="' + source.id + '"]');
    if (!target) return;
    var status = document.querySelector('[data-preview-status="' + source.id + '"]');
    var url = source.getAttribute("data-preview-source");
    var token = source.getAttribute("data-csrf") || "";
    var timer = null;
    var sent = 0;
    var lastText = source.value;

    function say(text) {
      if (status) status.textContent = text;
    }

    function refresh() {
      var text = source.value;
      if (text === lastText) return;
      lastText = text;
      var mine = ++sent;
      var body = new URLSearchParams();
      body.set("markdown", text);
      target.setAttribute("aria-busy", "true");
      say("正在更新…");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, "Accept": "application/json" },
        body: body
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (data) {
        if (mine !== sent) return; // a newer request is on its way
        target.innerHTML = data.html;
        target.removeAttribute("aria-busy");
        say("");
      }).catch(function () {
        if (mine !== sent) return;
        target.removeAttribute("aria-busy");
        lastText = null; // try again on the next keystroke
        say("预览暂时无法更新");
      });
    }

    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY);
    });
  }

  function guardUnsaved(form) {
    if (form.hasAttribute("data-unsaved-guard")) return;
    form.setAttribute("data-unsaved-guard", "");
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  Array.prototype.forEach.call(
    document.querySelectorAll("textarea[data-preview-source]"), setup
  );
  Array.prototype.forEach.call(
    document.querySelectorAll("textarea[data-preview-source]"),
    function (source) { if (source.form) guardUnsaved(source.form); }
  );
})();
