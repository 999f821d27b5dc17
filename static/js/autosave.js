// The editor's autosave: after a change, the title and text go to the
// server (form[data-autosave]) within data-autosave-seconds, and at once when
// the writer leaves or hides the page (sendBeacon). The copy is offered back
// when the editor is opened again; the article itself is never changed.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) return;
  var url = form.getAttribute("data-autosave");
  var status = document.getElementById("autosave-status");
  var dirty = false;
  var timer = null;
  var submitting = false;

  function payload() {
    var data = new FormData();
    data.set("csrf_token", form.elements.csrf_token ? form.elements.csrf_token.value : "");
    data.set("version", form.elements.version ? form.elements.version.value : "");
    data.set("title", form.elements.title ? form.elements.title.value : "");
    data.set("body", form.elements.body ? form.elements.body.value : "");
    return data;
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function save() {
    timer = null;
    if (!dirty || submitting) return;
    dirty = false;
    fetch(url, {
      method: "POST", body: payload(), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function () {
      var now = new Date();
      say("已自动保存（" + String(now.getHours()).padStart(2, "0") + ":" +
          String(now.getMinutes()).padStart(2, "0") + "）");
    }).catch(function () {
      dirty = true;
      say("自动保存失败，稍后重试");
    });
  }

  function changed() {
    dirty = true;
    var seconds = Number(form.getAttribute("data-autosave-seconds")) || 30;
    if (!timer) timer = setTimeout(save, seconds * 1000);
  }

  function leave() {
    if (!dirty || submitting) return;
    dirty = false;
    if (navigator.sendBeacon) navigator.sendBeacon(url, payload());
  }

  form.addEventListener("input", changed);
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
  });
})();
