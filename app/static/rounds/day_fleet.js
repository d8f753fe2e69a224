/* A plan of one day (a new collection plan, delivery rounds): when the day changes, name it (weekday, date, public
   holiday), mark the vehicles that do not go out that day, and, as long as the coordinator has not ticked or
   unticked a vehicle, tick those that do when the form ticks by the day (data-ticks; the collection plan, not the
   deliveries); bookings on published rounds are the server's to check.
   Without this script the page names the day it was drawn with, and the server ticked the vehicles of that day. */
(function () {
  "use strict";
  var name = document.querySelector("[data-role=day-name]");
  var input = document.getElementById("service_date");
  var cal = window.fitmiCalendar;
  if (!name || !input || !cal) { return; }
  var weekdays = JSON.parse(name.dataset.weekdays || "[]");
  var holidays = JSON.parse(name.dataset.holidays || "{}");
  var rows = document.querySelectorAll("[data-role=fleet] [data-service-days]");
  var touched = !("ticks" in name.dataset);  // a form that does not tick by the day leaves the boxes alone

  rows.forEach(function (row) {
    row.querySelector("input[type=checkbox]").addEventListener("change", function () { touched = true; });
  });

  function update() {
    var day = cal.parse(input.value);
    if (!day || weekdays.length !== 7) { return; }
    var holiday = holidays[cal.iso(day)];
    name.textContent = cal.label(day, weekdays, true) + (holiday ? " · " + holiday : "");
    rows.forEach(function (row) {
      var serving = cal.serving(parseInt(row.dataset.serviceDays, 10), row.dataset.worksHolidays === "1", day, holidays);
      var badge = row.querySelector("[data-role=off-duty]");
      if (badge) { badge.hidden = serving; }
      if (!touched) { row.querySelector("input[type=checkbox]").checked = serving; }
    });
  }
  input.addEventListener("input", update);
  input.addEventListener("change", update);
})();
