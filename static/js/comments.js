// The comment form's small helpers; everything works without them.
// - "回复" moves the form under the comment and sets parent_id;
// - the remembered name, e-mail and site (cookie cms_commenter) fill the form.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (!form) return;
  var respond = document.getElementById("respond");
  var home = respond.parentNode;
  var anchor = respond.nextSibling;
  var parentField = form.querySelector("input[name=parent_id]");
  var cancel = form.querySelector(".cancel-reply");
  var heading = document.getElementById("respond-title");
  var headingText = heading.firstChild.nodeValue;

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return parts[i].slice(eq + 1);
    }
    return null;
  }

  var saved = readCookie("cms_commenter");
  if (saved) {
    try {
      var data = JSON.parse(decodeURIComponent(saved));
      ["author", "email", "url"].forEach(function (name) {
        var input = form.elements[name];
        if (input && !input.value && typeof data[name] === "string") input.value = data[name];
      });
      form.elements.remember.checked = true;
    } catch (e) { /* a damaged cookie only means an empty form */ }
  }

  function replyTo(link) {
    var item = document.getElementById("comment-" + link.getAttribute("data-reply-to"));
    if (!item) return false;
    parentField.value = link.getAttribute("data-reply-to");
    heading.firstChild.nodeValue = "回复 " + link.getAttribute("data-author");
    item.querySelector(".comment-body").after(respond);
    cancel.hidden = false;
    form.elements.body.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.reply-link");
    if (link && replyTo(link)) event.preventDefault();
  });

  cancel.addEventListener("click", function (event) {
    event.preventDefault();
    parentField.value = "";
    heading.firstChild.nodeValue = headingText;
    home.insertBefore(respond, anchor);
    cancel.hidden = true;
  });
})();
