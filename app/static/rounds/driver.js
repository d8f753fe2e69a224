// Driver sheet: stop actions go to an outbox (localStorage) first, then to the server with an
// Idempotency-Key made when the driver taps, so a resend after a lost answer never counts twice.
(function () {
  "use strict";
  var root = document.getElementById("driver-sheet");
  if (!root) return;
  var messages = JSON.parse(document.getElementById("driver-messages").textContent);
  var routeId = root.dataset.routeId;
  var OUTBOX = "fitmi.driver.outbox";
  var flushing = null;
  var csrf = root.dataset.csrf;
  var userId = root.dataset.userId;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; }).replace("%%", "%");
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // Everyone's queued actions share one key; each user sends (and sees) only their own.
  function readAll() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }

  function readOutbox() {
    return readAll().filter(function (item) { return item.userId === userId; });
  }

  function writeOutbox(items) {
    var others = readAll().filter(function (item) { return item.userId !== userId; });
    localStorage.setItem(OUTBOX, JSON.stringify(others.concat(items)));
  }

  function card(stopId) { return document.getElementById("stop-" + stopId); }

  function outcome(stop, kind) {
    if (stop.status === "skipped") {
      var why = { reason: messages.reasons[stop.skip_reason] || stop.skip_reason };
      return format(kind === "delivery" ? messages.not_delivered : messages.skipped, why);
    }
    if (stop.status !== "done") return "";
    if (kind === "delivery") return messages.delivered;
    if (stop.actual_kg !== null && stop.actual_kg !== undefined) {
      return format(messages.done_kg, { kg: String(stop.actual_kg).replace(".", ",") });
    }
    if (stop.actual_fill_percent !== null && stop.actual_fill_percent !== undefined) {
      return format(messages.done_fill, { p: stop.actual_fill_percent });
    }
    return messages.done;
  }

  function show(stopId, stop, queued) {
    var el = card(stopId);
    if (!el) return;
    el.dataset.status = stop.status;
    el.dataset.queued = queued ? "true" : "false";
    var badge = el.querySelector(".stop-status");
    var state = queued ? "queued" : stop.status;
    badge.textContent = badge.dataset["label" + state.charAt(0).toUpperCase() + state.slice(1)];
    badge.className = "badge stop-status " + ({ pending: "text-bg-light border", done: "text-bg-success",
      skipped: "text-bg-secondary", queued: "text-bg-warning" })[state];
    el.querySelector(".stop-outcome").textContent = outcome(stop, el.dataset.kind);
    var actions = el.querySelector(".stop-actions");
    if (actions) actions.hidden = stop.status !== "pending";
    el.classList.toggle("opacity-75", stop.status !== "pending");
    showUndo(el, queued ? null : stop.undo_until);
    refreshProgress();
  }

  // «Annulla» stays on a done or skipped stop until its undo window (set by the server) runs out.
  function showUndo(el, until) {
    var button = el.querySelector(".js-undo");
    if (!button) return;
    clearTimeout(Number(button.dataset.timer || 0));
    var left = until ? Date.parse(until) - Date.now() : 0;
    button.hidden = !(left > 0);
    if (left > 0) button.dataset.timer = String(setTimeout(function () { button.hidden = true; }, left));
  }

  // «3 di 34» and a jump to the first stop still to do.
  function refreshProgress() {
    var cards = document.querySelectorAll(".stop");
    var done = 0, next = null;
    cards.forEach(function (el) {
      if (el.dataset.status !== "pending") done += 1;
      else if (!next) next = el;
    });
    var text = document.getElementById("progress-text");
    if (text) text.textContent = text.dataset.template.replace("{done}", done).replace("{total}", cards.length);
    var link = document.getElementById("next-stop");
    if (link) {
      link.hidden = !next;
      if (next) link.setAttribute("href", "#" + next.id);
    }
  }

  function refreshCounter() {
    var count = readOutbox().length;
    document.getElementById("sync-count").textContent = count;
    document.getElementById("sync-status").classList.toggle("d-none", count === 0);
  }

  function showError(text) {
    var box = document.getElementById("sync-error");
    box.textContent = text;
    box.classList.toggle("d-none", !text);
  }

  function localState(item) {
    var body = item.body;
    if (item.action === "undo") return { status: "pending" };
    if (item.action === "skip") return { status: "skipped", skip_reason: body.reason };
    return { status: "done", actual_kg: body.weight_kg, actual_fill_percent: body.fill_percent };
  }

  // A refusal that concerns one stop (a wrong handover code) stays on its card until the next try.
  function stopError(stopId, text) {
    var el = card(stopId);
    if (el) el.querySelector(".stop-error").textContent = text;
  }

  function enqueue(stopId, action, body) {
    stopError(stopId, "");
    var item = { key: newKey(), stopId: stopId, action: action, body: body, routeId: routeId, userId: userId };
    var items = readOutbox();
    items.push(item);
    try {
      writeOutbox(items);
    } catch (e) {  // the phone's storage is full: keep the action, leave the photo out
      if (!body.photo) throw e;
      delete body.photo;
      writeOutbox(items);
      stopError(stopId, messages.photo_dropped);
    }
    show(stopId, localState(item), true);
    refreshCounter();
    flush();
  }

  function actionUrl(item) {
    return root.dataset.actionUrl.replace("{id}", item.stopId).replace("{action}", item.action);
  }

  function send(item) {
    return fetch(actionUrl(item), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
        "Idempotency-Key": item.key, "X-CSRFToken": csrf },
      body: JSON.stringify(item.body),
    });
  }

  function drop(key) {
    writeOutbox(readOutbox().filter(function (other) { return other.key !== key; }));
    refreshCounter();
  }

  // One item: true to go on with the next, false to stop (offline, logged out, server down).
  function deliver(item) {
    return send(item).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && !body.error) {  // a replayed refusal comes back as 200 with its error
          drop(item.key);
          show(item.stopId, body.stop, false);
          return true;
        }
        var code = body.error && body.error.code;
        if (response.status === 401 || code === "csrf_failed") {
          showError(messages.login_needed);
          return refreshSheet().then(function () { return false; });
        }
        if (response.status >= 500 || !body.error) return false;
        drop(item.key);  // refused for good (409, 422, 403…): say why, keep the server's state
        var el = card(item.stopId);
        var label = el ? el.querySelector(".badge").textContent : item.stopId;
        showError(format(messages.refused, { n: label }) + " " + body.error.message);
        stopError(item.stopId, body.error.message);
        return refreshSheet().then(function () { return true; });
      });
    });
  }

  function flush() {  // one run at a time; a second caller waits for the run under way
    if (flushing) return flushing;
    var items = readOutbox();
    var chain = Promise.resolve(true);
    items.forEach(function (item) {
      chain = chain.then(function (goOn) { return goOn ? deliver(item) : false; });
    });
    flushing = chain.catch(function () { return false; }).then(function () {
      flushing = null;
      refreshCounter();
      document.documentElement.dataset.syncIdle = String(Date.now());
    });
    return flushing;
  }

  // Server state of every stop (and a fresh CSRF token); queued actions stay drawn as queued.
  function refreshSheet() {
    return fetch(root.dataset.jsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        csrf = data.csrf_token;
        if (!readOutbox().length) showError("");
        data.route.stops.forEach(function (stop) { show(stop.id, stop, false); });
        applyOutbox();
      })
      .catch(function () {});
  }

  function applyOutbox() {
    readOutbox().forEach(function (item) { show(item.stopId, localState(item), true); });
    refreshCounter();
  }

  function parseKg(text) {
    text = text.trim();
    if (!text) return null;
    if (!/^\d{1,3}(\.\d{3})*(,\d+)?$|^\d+([,.]\d+)?$/.test(text)) return NaN;
    return Number(text.indexOf(",") >= 0 ? text.replace(/\./g, "").replace(",", ".") : text);
  }

  // The optional photo, shrunk on the phone to at most 1280 px as a JPEG data URL (small enough for the outbox).
  var MAX_SIDE = 1280;
  function readPhoto(form) {
    var file = form.elements.photo && form.elements.photo.files[0];
    if (!file) return Promise.resolve(null);
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve(canvas.toDataURL("image/jpeg", 0.7));
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("photo")); };
      img.src = url;
    });
  }

  function enqueueDone(form, body) {
    readPhoto(form).then(function (photo) {
      if (photo) body.photo = photo;
      enqueue(form.dataset.stopId, "done", body);
    }, function () { form.querySelector(".form-error").textContent = messages.photo_unreadable; });
  }

  // A delivery is proved by the household's 6-digit code (checked by the server, also after an offline sync);
  // a signature drawn on the screen replaces it only when the driver states why there is no code.
  function onHandover(form) {
    var error = form.querySelector(".form-error");
    var kind = form.elements.proof_kind.value;
    var code = form.elements.code.value.trim();
    var note = form.elements.proof_note.value.trim();
    var body = { proof_kind: kind, collected_at: new Date().toISOString() };
    if (kind === "code") {
      if (!/^\d{6}$/.test(code)) { error.textContent = messages.code_invalid; return; }
      body.code = code;
    } else if (kind === "signature") {
      var pad = form.querySelector(".signature-pad");
      if (!form.elements.no_code_reason.value) { error.textContent = messages.no_code_reason_missing; return; }
      if (pad.dataset.signed !== "true") { error.textContent = messages.signature_missing; return; }
      body.no_code_reason = form.elements.no_code_reason.value;
      body.signature = pad.toDataURL("image/png");
    } else {
      var photoTaken = form.elements.photo && form.elements.photo.files.length > 0;
      if (note.length < 2 && !photoTaken) { error.textContent = messages.proof_note_missing; return; }
      body.proof_note = note;
    }
    error.textContent = "";
    enqueueDone(form, body);
  }

  function showProof(form) {
    var kind = form.elements.proof_kind.value;
    form.querySelector(".proof-code").hidden = kind !== "code";
    form.querySelector(".proof-signature").hidden = kind !== "signature";
    form.querySelector(".proof-photo").hidden = kind !== "photo";
  }

  // A signature pad: the finger (or mouse) draws black strokes on a white canvas, kept as a PNG.
  function clearPad(pad) {
    var ctx = pad.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, pad.width, pad.height);
    pad.dataset.signed = "false";
  }

  function setUpPad(pad) {
    var ctx = pad.getContext("2d");
    var drawing = false;
    clearPad(pad);
    function point(event) {
      var box = pad.getBoundingClientRect();
      return { x: (event.clientX - box.left) * pad.width / box.width, y: (event.clientY - box.top) * pad.height / box.height };
    }
    pad.style.touchAction = "none";
    pad.addEventListener("pointerdown", function (event) {
      drawing = true;
      var at = point(event);
      ctx.beginPath();
      ctx.moveTo(at.x, at.y);
      pad.setPointerCapture(event.pointerId);
    });
    pad.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var at = point(event);
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.strokeStyle = "#111";
      ctx.lineTo(at.x, at.y);
      ctx.stroke();
      pad.dataset.signed = "true";
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      pad.addEventListener(name, function () { drawing = false; });
    });
  }

  function onDone(form) {
    if (card(form.dataset.stopId).dataset.kind === "delivery") { onHandover(form); return; }
    var error = form.querySelector(".form-error");
    var kg = parseKg(form.elements.weight_kg.value);
    var fillInput = form.elements.fill_percent;
    var fill = fillInput && fillInput.value.trim() ? Number(fillInput.value.trim()) : null;
    var incidents = Array.prototype.filter.call(form.querySelectorAll("input[name=incidents]"), function (box) {
      return box.checked;
    }).map(function (box) { return box.value; });
    if (Number.isNaN(kg) || (kg !== null && kg < 0)) { error.textContent = messages.kg_invalid; return; }
    if (fill !== null && !(Number.isInteger(fill) && fill >= 0 && fill <= 150)) {
      error.textContent = messages.fill_invalid; return;
    }
    var notEmptied = incidents.indexOf("inaccessible") >= 0 || incidents.indexOf("missing") >= 0;
    if (kg === null && fill === null && !notEmptied && card(form.dataset.stopId).dataset.kind === "bin") {
      error.textContent = messages.amount_missing; return;
    }
    error.textContent = "";
    var body = { collected_at: new Date().toISOString(), incidents: incidents, notes: form.elements.notes.value };
    if (kg !== null) body.weight_kg = kg;
    if (fill !== null) body.fill_percent = fill;
    enqueueDone(form, body);
  }

  function onSkip(form) {
    var reason = form.elements.reason.value;
    if (!reason) { form.querySelector(".form-error").textContent = messages.reason_missing; return; }
    var body = { reason: reason, notes: form.elements.notes.value, collected_at: new Date().toISOString() };
    enqueue(form.dataset.stopId, "skip", body);
  }

  root.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList.contains("js-undo")) {
      target.hidden = true;
      enqueue(target.dataset.stopId, "undo", { collected_at: new Date().toISOString() });
    }
    if (target.classList.contains("js-clear-signature")) clearPad(target.parentNode.querySelector(".signature-pad"));
  });

  root.addEventListener("change", function (event) {
    if (event.target.name === "proof_kind") showProof(event.target.form);
  });

  root.addEventListener("submit", function (event) {  // the stop forms only: «Chiudi giro» posts as usual
    var form = event.target;
    if (form.classList.contains("js-done")) { event.preventDefault(); onDone(form); }
    if (form.classList.contains("js-skip")) { event.preventDefault(); onSkip(form); }
  });

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;  // the outbox above works without it
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "precached") document.documentElement.dataset.offlineReady = "true";
    });
    navigator.serviceWorker.register(root.dataset.swUrl, { scope: "/driver/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [location.pathname, root.dataset.jsonUrl];
      document.querySelectorAll("link[rel=stylesheet], script[src]").forEach(function (el) {
        urls.push(el.getAttribute("href") || el.getAttribute("src"));
      });
      registration.active.postMessage({ type: "precache", urls: urls });
    }).catch(function () {});
  }

  document.querySelectorAll(".signature-pad").forEach(setUpPad);
  document.querySelectorAll(".stop").forEach(function (el) {
    show(el.dataset.stopId, JSON.parse(el.dataset.state), false);
  });
  applyOutbox();
  window.fitmiFlushOutbox = flush;  // logout.js sends what it can before the outbox is cleared
  window.addEventListener("online", function () { flush(); });
  registerWorker();
  if (navigator.onLine) flush().then(refreshSheet);
})();
