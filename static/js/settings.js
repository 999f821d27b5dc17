// The settings page: the reprint notice's live preview. The server fills the
// template in (the same code as the article page) and answers escaped HTML;
// without this script the preview shows the saved notice.
(function () {
  "use strict";
  var area = document.getElementById("site-reprint-notice");
  var box = document.getElementById("notice-preview");
  var problem = document.getElementById("notice-preview-error");
  if (!area || !box || !problem || !window.fetch) return;
  var text = box.querySelector("p");
  var timer = null;
  var latest = 0;

  function show(answer) {
    if (answer.html !== undefined) {
      text.innerHTML = answer.html; // escaped by the server
      box.classList.remove("is-stale");
      problem.hidden = true;
      problem.textContent = "";
    } else {
      box.classList.add("is-stale");
      problem.textContent = answer.error || "无法预览";
      problem.hidden = false;
    }
  }

  function refresh() {
    var mine = ++latest;
    fetch(box.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": box.dataset.csrf
      },
      body: JSON.stringify({ template: area.value })
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) { if (mine === latest) show(answer); })
      .catch(function () {
        if (mine === latest) show({ error: "预览暂时不可用（网络或登录已过期）" });
      });
  }

  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
})();
