/* The trucks' calendar in the planning forms' scripts: days from an <input type=date> value, their names, and
   whether a truck goes out on a day (the rule of Vehicle.in_service: one of its weekdays, bit d of its mask with
   Monday = 0, and not a public holiday unless it works them). Dates are kept at UTC midnight. */
window.fitmiCalendar = (function () {
  "use strict";
  function two(n) { return (n < 10 ? "0" : "") + n; }

  return {
    parse: function (value) {
      var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
      return parts ? new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3])) : null;
    },
    after: function (day, n) { return new Date(day.getTime() + n * 86400000); },
    iso: function (day) { return day.toISOString().slice(0, 10); },
    weekday: function (day) { return (day.getUTCDay() + 6) % 7; },
    /* «mar 08/12», with the year when asked: «mar 08/12/2026». */
    label: function (day, weekdays, withYear) {
      var text = weekdays[this.weekday(day)] + " " + two(day.getUTCDate()) + "/" + two(day.getUTCMonth() + 1);
      return withYear ? text + "/" + day.getUTCFullYear() : text;
    },
    serving: function (mask, worksHolidays, day, holidays) {
      return Boolean((mask >> this.weekday(day)) & 1) && (worksHolidays || !holidays[this.iso(day)]);
    }
  };
})();
