/* Print buttons (`data-print`): a static script, since the Content-Security-Policy refuses inline handlers. */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
