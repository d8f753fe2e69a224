/* Planning job page: poll the small JSON status endpoint, show progress, open the plan when done. */
(function () {
  "use strict";
  var box = document.getElementById("plan-job");
  if (!box || ["queued", "running"].indexOf(box.dataset.initial) < 0) { return; }
  var statusEl = box.querySelector("[data-role=status]");
  var bar = box.querySelector("[data-role=bar]");
  var messageEl = box.querySelector("[data-role=message]");
  var estimateEl = box.querySelector("[data-role=estimate]");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        statusEl.textContent = box.dataset["label" + s.status.charAt(0).toUpperCase() + s.status.slice(1)] || s.status;
        bar.style.width = Math.min(100, Math.round(100 * s.elapsed_s / s.time_limit_s)) + "%";
        messageEl.textContent = s.message || "";
        if (estimateEl) {
          estimateEl.textContent = s.remaining_s === null ? "" : estimateEl.dataset.label
            .replace("{s}", s.remaining_s).replace("{limit}", Math.round(s.time_limit_s));
        }
        if (s.status === "succeeded" && s.plan_url) { window.location.assign(s.plan_url); return; }
        if (s.status === "queued" || s.status === "running") { window.setTimeout(poll, 1000); }
        else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
