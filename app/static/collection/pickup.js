/* Pickup form on the phone: bin code suggestions while typing, and the bin's QR read with the camera.
   The camera uses the browser's own BarcodeDetector (Chrome and Edge on Android, Safari 17+ behind a flag);
   where it is missing the button stays hidden and the form says to type the code. */
(function () {
  "use strict";
  var form = document.getElementById("pickup-form");
  var code = document.getElementById("code");
  if (!form || !code) { return; }
  var d = form.dataset;
  var operator = form.querySelector("input[name=operator]");
  var list = document.getElementById("bin-suggestions");
  var found = document.getElementById("bin-found");
  var byCode = {};
  var timer = null;

  function choose(bin) {
    code.value = bin.code;
    operator.value = String(bin.operator);
    found.textContent = bin.address + " · " + bin.operator_name;
  }

  function suggest() {
    var typed = code.value.trim();
    if (!typed) { list.textContent = ""; return; }
    fetch(d.suggestUrl + "?q=" + encodeURIComponent(typed), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        list.textContent = "";
        byCode = {};
        data.bins.forEach(function (bin) {
          var option = document.createElement("option");
          option.value = bin.code;
          option.label = bin.address + " · " + bin.operator_name;
          list.appendChild(option);
          byCode[bin.code] = byCode[bin.code] ? null : bin;  // a code two operators share: the operator stays open
        });
        picked();
      });
  }

  function picked() {
    var bin = byCode[code.value.trim().toUpperCase()];
    if (bin) { choose(bin); } else { found.textContent = ""; }
  }

  code.addEventListener("input", function () {
    operator.value = "";
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  code.addEventListener("change", picked);

  // --- QR scanning -------------------------------------------------------------------------------------
  var start = document.getElementById("scan-start");
  var stop = document.getElementById("scan-stop");
  var view = document.getElementById("scan-view");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var stream = null;
  var detector = null;

  function close() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    view.hidden = true;
  }

  function resolve(text) {
    fetch(d.scanUrl + "?text=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.bin) { choose(data.bin); status.textContent = ""; code.focus(); } else { status.textContent = data.error; }
      });
  }

  function look() {
    if (!stream) { return; }
    detector.detect(video).then(function (codes) {
      if (codes.length) { close(); resolve(codes[0].rawValue); } else { setTimeout(look, 250); }
    }, function () { setTimeout(look, 500); });
  }

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status.textContent = d.labelNoCamera;
    return;
  }
  start.hidden = false;
  start.addEventListener("click", function () {
    detector = detector || new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      view.hidden = false;
      status.textContent = d.labelScanning;
      video.play().then(look, look);
    }, function () { status.textContent = d.labelCameraDenied; });
  });
  stop.addEventListener("click", function () { close(); status.textContent = ""; });
}());
