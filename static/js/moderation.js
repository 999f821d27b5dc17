// The comment queue's keyboard; the page works fully without it.
// j/k move the current row, a approve, s spam, t trash, u undo, r reply,
// x select, ? help (Esc closes). Keys are ignored while typing.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll(".queue-row"));
  var help = document.getElementById("kbd-help");
  var REMEMBER = "moderation-current-row";
  var current = -1;

  function setCurrent(index, focus) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0) rows[current].classList.remove("is-current");
    current = index;
    var row = rows[current];
    row.classList.add("is-current");
    if (focus) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function remember() {
    try { sessionStorage.setItem(REMEMBER, String(current)); } catch (e) { /* private mode */ }
  }

  function act(value) {
    if (current < 0) return;
    var button = rows[current].querySelector('button[name=action][value="' + value + '"]');
    if (!button) return;
    remember();
    button.click();
  }

  function reply() {
    if (current < 0) return;
    var box = rows[current].querySelector("details.row-reply");
    if (!box) return;
    box.open = true;
    box.querySelector("textarea").focus();
  }

  function toggle() {
    if (current < 0) return;
    var box = rows[current].querySelector("input.row-check");
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function undo() {
    var form = document.getElementById("undo-form");
    if (!form) return;
    remember();
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  var keys = {
    j: function () { setCurrent(current + 1, true); },
    k: function () { setCurrent(current < 0 ? 0 : current - 1, true); },
    a: function () { act("approve"); },
    s: function () { act("spam"); },
    t: function () { act("trash"); },
    u: undo,
    r: reply,
    x: toggle,
    "?": function () { if (help && help.showModal) help.showModal(); }
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target) || (help && help.open)) return;
    var handler = keys[event.key];
    if (!handler) return;
    event.preventDefault();
    handler();
  });

  // A click inside a row makes it the current one (for the next key).
  rows.forEach(function (row, index) {
    row.addEventListener("click", function () { setCurrent(index, false); });
  });

  // Back from an action: the same position (the acted-on row may be gone).
  try {
    var saved = sessionStorage.getItem(REMEMBER);
    sessionStorage.removeItem(REMEMBER);
    if (saved !== null) setCurrent(parseInt(saved, 10) || 0, true);
  } catch (e) { /* private mode */ }

  // Controls that only work with the script.
  var opener = document.querySelector("[data-help-open]");
  if (opener && help && help.showModal) {
    opener.hidden = false;
    opener.addEventListener("click", function () { help.showModal(); });
  }
  var all = document.getElementById("select-page");
  if (all && rows.length) {
    all.parentNode.hidden = false;
    all.addEventListener("change", function () {
      rows.forEach(function (row) { row.querySelector("input.row-check").checked = all.checked; });
    });
  }
})();
