// Logout on a shared phone: send the driver's queued stop actions if possible, warn about those that could
// not be sent, then forget them and the offline copies of the route sheets (they hold household addresses).
(function () {
  "use strict";
  var OUTBOX = "fitmi.driver.outbox";
  var form = document.getElementById("logout-form");
  if (!form) return;

  function queued() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }

  function mine(item) { return String(item.userId) === form.dataset.userId; }

  function flushFirst() {  // the driver page's own sender, at most 8 s (offline: fails fast)
    if (typeof window.fitmiFlushOutbox !== "function") return Promise.resolve();
    var timeout = new Promise(function (resolve) { setTimeout(resolve, 8000); });
    return Promise.race([window.fitmiFlushOutbox(), timeout]).catch(function () {});
  }

  function forget() {
    var others = queued().filter(function (item) { return !mine(item); });
    if (others.length) localStorage.setItem(OUTBOX, JSON.stringify(others)); else localStorage.removeItem(OUTBOX);
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("fitmi-driver") === 0; })
        .map(function (name) { return caches.delete(name); }));
    }).catch(function () {});
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.leaving) return;
    event.preventDefault();
    flushFirst().then(function () {
      var pending = queued().filter(mine).length;
      if (pending && !window.confirm((pending === 1 ? form.dataset.warningOne : form.dataset.warning).replace("%(n)s", pending))) return null;
      return forget().then(function () { form.dataset.leaving = "true"; form.submit(); });
    });
  });
})();
