/* «Pianifica la settimana»: show the per-day vehicle grid and the days off only for the days to plan.
   Boxes past the horizon are hidden and disabled (not sent); without this script the server refuses
   ticks past the horizon with a message. */
(function () {
  "use strict";
  var days = document.getElementById("days");
  if (!days) { return; }
  var cells = document.querySelectorAll("[data-role=day-fleet] [data-day], [data-role=off-days] [data-day]");
  function update() {
    var n = parseInt(days.value, 10);
    if (!(n >= 2 && n <= 7)) { n = 7; }
    cells.forEach(function (el) {
      var past = parseInt(el.dataset.day, 10) >= n;
      el.hidden = past;
      el.querySelectorAll("input").forEach(function (box) { box.disabled = past; });
    });
  }
  days.addEventListener("input", update);
  update();
})();
