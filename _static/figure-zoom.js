// A tap (or click) on a figure opens the drawing by itself, at full size, where a phone can
// zoom into it: a figure that fits a 390-px column may be too small to read there.
(function () {
  function wrap(image) {
    if (image.closest("a") || !image.getAttribute("src")) return;
    var link = document.createElement("a");
    link.className = "figure-zoom";
    link.href = image.getAttribute("src");
    image.parentNode.insertBefore(link, image);
    link.appendChild(image);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".bd-article figure img, .bd-article .cell_output img").forEach(wrap);
  });
})();
