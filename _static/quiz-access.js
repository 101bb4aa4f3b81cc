// jupyterquiz's questions, usable with the keyboard and a screen reader, without adding controls:
// - each option of a choice question is a <label> around a native radio button: Tab reaches
//   the group, the arrow keys move between options and choose, Space or Enter chooses;
// - a typed answer's field gets the visible text beside it as its label.
// Quizzes render after the page loads, so new ones are handled as they appear.
(function () {
  function enable(root) {
    root.querySelectorAll(".Quiz .MCButton input[type=radio]:not([data-book-keys])").forEach(function (radio) {
      radio.setAttribute("data-book-keys", "");
      radio.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          radio.click();
        }
      });
    });
    root.querySelectorAll(".Quiz input.Input-text:not([data-book-label])").forEach(function (field) {
      field.setAttribute("data-book-label", "");
      var label = field.parentElement && field.parentElement.querySelector("label.InpLabel");
      if (label && field.id) {
        label.htmlFor = field.id;
      } else {
        field.setAttribute("aria-label", "Your answer");
      }
    });
  }
  function start() {
    enable(document);
    new MutationObserver(function () { enable(document); })
      .observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
