// A 复制 button on each highlighted code block (the highlighting itself is
// done on the server; without script the blocks read the same, no button).
(function () {
  "use strict";
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand("copy");
      area.remove();
      if (done) resolve(); else reject(new Error("copy refused"));
    });
  }

  document.querySelectorAll(".post-body figure.code-block").forEach(function (block) {
    var code = block.querySelector("pre");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "code-copy";
    button.textContent = "复制";
    button.setAttribute("aria-label", "复制这段代码");
    button.addEventListener("click", function () {
      copy(code.innerText).then(function () {
        button.textContent = "已复制";
      }, function () {
        button.textContent = "复制失败";
      }).then(function () {
        setTimeout(function () { button.textContent = "复制"; }, 2000);
      });
    });
    block.querySelector(".code-lang").after(button);
  });
})();
