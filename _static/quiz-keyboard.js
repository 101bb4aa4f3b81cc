// Make jupyterquiz's answer buttons usable with the keyboard alone: Tab reaches each option,
// Enter or Space chooses it. Quizzes render after the page loads, so watch for new options.
(function () {
  function enable(root) {
    root.querySelectorAll(".MCButton:not([tabindex])").forEach(function (option) {
      option.setAttribute("tabindex", "0");
      option.setAttribute("role", "button");
      option.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          option.click();
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    enable(document);
    new MutationObserver(function () { enable(document); })
      .observe(document.body, { childList: true, subtree: true });
  });
})();
