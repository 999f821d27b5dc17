// The comment form's small helpers; everything works without them.
// - "回复" moves the form under the comment and sets parent_id;
// - on a rejected comment's answer, the error summary goes to the top of the
//   screen and the first field in error takes the focus (without script,
//   `autofocus` does the focusing and centres the field instead).
// (The remembered name, e-mail and site are filled in by the server: their
// cookie is HttpOnly, out of reach of any script on the page.)
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
  var errors = document.getElementById("comment-errors");

  if (errors) {
    var invalid = form.querySelector("[aria-invalid=true]");
    respond.scrollIntoView({ block: "start" });
    (invalid || errors).focus({ preventScroll: true });
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
