/* «Pianifica la settimana»: show the per-day vehicle grid and the days off only for the days to plan, and name
   each day by its weekday, date and public holiday from the first day chosen.
   Boxes past the horizon are hidden and disabled (not sent); without this script the server refuses
   ticks past the horizon with a message, and the days are named from the first day the page was drawn with. */
(function () {
  "use strict";
  var days = document.getElementById("days");
  var start = document.getElementById("start_date");
  if (!days) { return; }
  var grid = document.querySelector("[data-role=day-fleet]");
  var weekdays = grid ? JSON.parse(grid.dataset.weekdays || "[]") : [];
  var cells = document.querySelectorAll("[data-role=day-fleet] [data-day], [data-role=off-days] [data-day]");
  var offTitle = grid ? grid.dataset.offTitle || "" : "";
  var holidays = grid ? JSON.parse(grid.dataset.holidays || "{}") : {};
  var cal = window.fitmiCalendar;

  function name() {
    var first = cal && start ? cal.parse(start.value) : null;
    if (!first || weekdays.length !== 7) { return; }
    document.querySelectorAll("[data-role=day-date]").forEach(function (el) {
      el.textContent = cal.label(cal.after(first, parseInt(el.dataset.day, 10)), weekdays);
    });
    document.querySelectorAll("[data-role=day-holiday]").forEach(function (el) {
      el.textContent = holidays[cal.iso(cal.after(first, parseInt(el.dataset.day, 10)))] || "";
    });
    document.querySelectorAll("[data-role=day-fleet] [data-service-days]").forEach(function (row) {
      var mask = parseInt(row.dataset.serviceDays, 10);
      var works = row.dataset.worksHolidays === "1";
      row.querySelectorAll("[data-role=day-cell]").forEach(function (cell) {
        var serving = cal.serving(mask, works, cal.after(first, parseInt(cell.dataset.day, 10)), holidays);
        cell.classList.toggle("table-secondary", !serving);
        if (serving) { cell.removeAttribute("title"); } else if (offTitle) { cell.title = offTitle; }
      });
    });
  }

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
  if (start) { start.addEventListener("input", name); start.addEventListener("change", name); }
  update();
  name();
})();
