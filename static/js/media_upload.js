// The editor's images, better with JavaScript (the plain file field and the
// 上传并插入 button work without it). Each image chosen in the field,
// dropped on the text or pasted into it (a screenshot from the clipboard)
// is uploaded at once to [data-media-upload]'s URL, with a progress bar,
// and its Markdown is inserted at the cursor. The server checks and cleans
// every file; a refusal is shown next to its name.
(function () {
  "use strict";

  function setup(box) {
    var url = box.getAttribute("data-media-upload");
    var token = box.getAttribute("data-csrf") || "";
    var text = document.getElementById(box.getAttribute("data-media-target"));
    var input = box.querySelector('input[type="file"][name="images"]');
    var alt = box.querySelector('input[name="image_alt"]');
    var list = box.querySelector(".upload-progress");
    var button = box.querySelector(".media-insert");
    if (!text || !input || !list) return;
    if (button) button.style.display = "none"; // uploads start by themselves
    box.classList.add("media-enhanced");

    function insert(markdown) {
      var start = text.selectionStart, end = text.selectionEnd;
      var before = text.value.slice(0, start), after = text.value.slice(end);
      var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
      var tail = after && !/^\n/.test(after) ? "\n\n" : "\n";
      var piece = lead + markdown + tail;
      text.value = before + piece + after;
      var cursor = before.length + piece.length;
      text.setSelectionRange(cursor, cursor);
      text.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function upload(file, name) {
      var item = document.createElement("li");
      var label = document.createElement("span");
      label.textContent = name || file.name || "图片";
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      var status = document.createElement("span");
      status.className = "upload-status";
      item.appendChild(label); item.appendChild(bar); item.appendChild(status);
      list.hidden = false;
      list.appendChild(item);
      var data = new FormData();
      data.append("file", file, name || file.name || "image.png");
      data.append("alt", alt ? alt.value : "");
      var request = new XMLHttpRequest();
      request.open("POST", url);
      request.setRequestHeader("X-CSRFToken", token);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) bar.value = Math.round(event.loaded * 100 / event.total);
      });
      request.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
        if (request.status === 200 && answer && answer.markdown) {
          bar.value = 100;
          status.textContent = "已插入";
          item.className = "upload-done";
          insert(answer.markdown);
        } else {
          item.className = "upload-failed";
          status.textContent = (answer && answer.error) || "上传失败（" + request.status + "）";
        }
      });
      request.addEventListener("error", function () {
        item.className = "upload-failed";
        status.textContent = "上传失败：网络错误";
      });
      request.send(data);
    }

    function images(files) {
      return Array.prototype.filter.call(files || [], function (file) {
        return /^image\//.test(file.type) || /\.(jpe?g|png|webp|gif)$/i.test(file.name || "");
      });
    }

    input.addEventListener("change", function () {
      images(input.files).forEach(function (file) { upload(file); });
      input.value = ""; // uploaded already: the form's save must not send it again
    });
    text.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        text.classList.add("drop-target");
      }
    });
    text.addEventListener("dragleave", function () { text.classList.remove("drop-target"); });
    text.addEventListener("drop", function (event) {
      text.classList.remove("drop-target");
      var files = images(event.dataTransfer && event.dataTransfer.files);
      if (!files.length) return;
      event.preventDefault();
      files.forEach(function (file) { upload(file); });
    });
    text.addEventListener("paste", function (event) {
      var files = images(event.clipboardData && event.clipboardData.files);
      if (!files.length) return;
      event.preventDefault();
      files.forEach(function (file, i) {
        var ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
        upload(file, file.name && file.name !== "image.png" ? file.name : "截图-" + (i + 1) + "." + ext);
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-media-upload]"), setup);
})();
