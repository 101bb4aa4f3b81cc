// Small repairs to the theme's markup, found by axe-core (see tests/test_browser.py):
// - a box that scrolls sideways (wide code, a wide table or output) takes the keyboard focus,
//   so that it can be scrolled without a mouse;
// - the sidebar's search field is named by its visible text ("Search Ctrl+K"), and the colour
//   mode button by its label alone: Font Awesome turns each of its icons into an SVG whose
//   <title> ("Light", "Dark", "System Settings") is text the button's name "Color mode" lacks;
// - myst-nb's "Show code cell source" toggles (hide-input, hide-cell) are named by that visible
//   text, not by their aria-label "Toggle hidden content";
// - the primary sidebar (the book's title, search and table of contents) is a navigation
//   landmark, so that no content of the page lies outside a landmark;
// - pandas writes the corner above a table's row labels, and the blanks beside an index name, as
//   empty header cells: they head nothing, so they become plain cells.
(function () {
  var SCROLLERS = ".bd-article pre, .bd-article .cell_output .output, .bd-article .pst-scrollable-table-container, .bd-article .table-wrapper";

  function focusableScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-book-scroll", "");
      } else if (!scrolls && box.hasAttribute("data-book-scroll")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-book-scroll");
      }
    });
  }

  function themeLabels() {
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      button.querySelectorAll("[title]").forEach(function (icon) { icon.removeAttribute("title"); });
      button.querySelectorAll("svg title").forEach(function (title) { title.remove(); });
      button.querySelectorAll("svg, i").forEach(function (icon) {
        icon.removeAttribute("aria-labelledby");
        if (icon.getAttribute("aria-hidden") !== "true") icon.setAttribute("aria-hidden", "true");
      });
    });
  }

  function cellToggleLabels() {
    document.querySelectorAll(".bd-article .cell details > summary[aria-label]").forEach(function (summary) {
      summary.removeAttribute("aria-label");
    });
  }

  function sidebarLandmark() {
    var sidebar = document.getElementById("pst-primary-sidebar");
    if (sidebar && !sidebar.hasAttribute("role")) {
      sidebar.setAttribute("role", "navigation");
      sidebar.setAttribute("aria-label", "Book");
    }
  }

  function emptyHeaderCells() {
    document.querySelectorAll(".bd-article table th").forEach(function (th) {
      if (th.textContent.trim() !== "" || th.children.length) return;
      var cell = document.createElement("td");
      Array.prototype.forEach.call(th.attributes, function (a) { cell.setAttribute(a.name, a.value); });
      th.replaceWith(cell);
    });
  }

  function watchThemeButtons() {
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      new MutationObserver(themeLabels).observe(button, { childList: true, subtree: true });
    });
  }

  function start() {
    themeLabels();
    cellToggleLabels();
    emptyHeaderCells();
    sidebarLandmark();
    watchThemeButtons();
    focusableScrollers();
    window.addEventListener("resize", focusableScrollers);
    window.addEventListener("load", focusableScrollers);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
