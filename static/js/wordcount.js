// The editor's live word count and reading time, counted as the article
// page counts them (cms/text/reading.py): each Han, kana or hangul character
// is a word, as is each run of Latin letters or digits; 400 characters and
// 200 Latin words a minute. (Markdown marks are not words either way.)
(function () {
  "use strict";
  var CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]/g;
  var LATIN = /[A-Za-z0-9\u00c0-\u024f]+(?:['’.-][A-Za-z0-9\u00c0-\u024f]+)*/g;

  function count(text) {
    var han = (text.match(CJK) || []).length;
    var latin = (text.match(LATIN) || []).length;
    var words = han + latin;
    var minutes = words ? Math.max(1, Math.ceil(han / 400 + latin / 200)) : 0;
    return { words: words, minutes: minutes };
  }

  document.querySelectorAll("[data-word-count-for]").forEach(function (out) {
    var source = document.getElementById(out.getAttribute("data-word-count-for"));
    if (!source) return;
    var timer = null;
    function show() {
      // Footnote marks, links' addresses and code fences' markers are left out.
      var text = source.value
        .replace(/\[\^[^\]]*\]:?/g, "")
        .replace(/\]\([^)]*\)/g, "]")
        .replace(/^```.*$/gm, "");
      var result = count(text);
      out.textContent = result.words.toLocaleString("en-US") + " 字 · 约 " +
        result.minutes + " 分钟读完";
    }
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(show, 150);
    });
  });
})();
