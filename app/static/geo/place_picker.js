/* Place picker of the forms (households, bins, sites): search an address, drag the pin, or use the phone's
   position; the longitude and latitude fields follow the pin and the comune of the point is shown.
   Leaflet is served by the app; without tiles (offline) the comuni outlines and the pin still work. */
(function () {
  "use strict";
  var box = document.getElementById("place-picker");
  if (!box || typeof L === "undefined") { return; }
  var d = box.dataset;
  var lonInput = document.getElementById(d.lon);
  var latInput = document.getElementById(d.lat);
  var search = document.getElementById("place-search");
  var searchButton = document.getElementById("place-search-button");
  var results = document.getElementById("place-results");
  var locate = document.getElementById("place-locate");
  var status = document.getElementById("place-status");
  var comuneLine = document.getElementById("place-comune");
  var decimal = d.decimal || ",";

  function parse(text) {
    var value = parseFloat(String(text || "").trim().split(decimal).join("."));
    return isFinite(value) ? value : null;
  }
  function show(value) { return value.toFixed(6).replace(".", decimal); }
  function say(text, bad) {
    status.textContent = text || "";
    status.classList.toggle("text-danger", !!bad);
  }

  var map = L.map(document.getElementById("place-map")).setView([45.4642, 9.19], 10);
  var tiles = L.tileLayer(d.tilesUrl, { maxZoom: 19, attribution: d.attribution });
  var tileErrors = 0;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileErrors === 1) { say(d.labelTilesOff); }
  });
  tiles.addTo(map);
  fetch(d.comuniUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (data) { L.geoJSON(data, { style: { color: "#555", weight: 1, fill: false }, interactive: false }).addTo(map); }
    }).catch(function () { /* offline: the pin works without outlines too */ });

  var pin = null;
  var comuneRequest = 0;

  function showComune(lat, lon) {
    var mine = ++comuneRequest;
    comuneLine.textContent = d.labelLooking;
    comuneLine.classList.remove("text-danger");
    var url = d.comuneUrl + "?lon=" + encodeURIComponent(lon) + "&lat=" + encodeURIComponent(lat);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (mine !== comuneRequest) { return; }
        if (body.comune) {
          comuneLine.textContent = d.labelComune + " " + body.comune;
        } else {
          comuneLine.textContent = body.error ? body.error.message : d.labelNoComune;
          comuneLine.classList.add("text-danger");
        }
      })
      .catch(function () {
        if (mine === comuneRequest) { comuneLine.textContent = d.labelComuneLater; }
      });
  }

  function place(lat, lon, zoom) {
    if (!pin) {
      pin = L.marker([lat, lon], { draggable: true, autoPan: true, title: d.labelPin, alt: d.labelPin }).addTo(map);
      pin.on("dragend", function () {
        var at = pin.getLatLng();
        place(at.lat, at.lng);
      });
    } else {
      pin.setLatLng([lat, lon]);
    }
    lonInput.value = show(lon);
    latInput.value = show(lat);
    if (zoom) { map.setView([lat, lon], zoom); }
    showComune(lat, lon);
  }

  function fillAddress(found) {
    var street = document.getElementById(d.street);
    var type = d.streetType ? document.getElementById(d.streetType) : null;
    var text = found.street || "";
    if (type && text) {
      var first = text.split(" ")[0];
      var option = Array.prototype.find.call(type.options, function (o) { return o.value === first; });
      if (option) { type.value = first; text = text.slice(first.length).trim(); }
    }
    if (street && text) { street.value = text; }
    var civic = document.getElementById(d.civic);
    if (civic && found.civic) { civic.value = found.civic; }
    var cap = document.getElementById(d.cap);
    if (cap && found.cap) { cap.value = found.cap; }
  }

  function choose(found) {
    results.hidden = true;
    results.textContent = "";
    fillAddress(found);
    place(found.lat, found.lon, 17);
    say(d.labelDrag);
  }

  function listResults(places) {
    results.textContent = "";
    places.forEach(function (found) {
      var item = document.createElement("li");
      item.className = "list-group-item list-group-item-action";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link p-0 text-start";
      button.textContent = found.label + (found.comune ? "" : " — " + (found.problem || ""));
      button.addEventListener("click", function () { choose(found); });
      item.appendChild(button);
      results.appendChild(item);
    });
    results.hidden = places.length === 0;
  }

  function typedAddress() {
    // The address already typed in the form's fields, when the search box is left empty
    return [d.streetType, d.street, d.civic, d.cap].map(function (id) {
      var input = id ? document.getElementById(id) : null;
      return input ? input.value.trim() : "";
    }).filter(Boolean).join(" ");
  }

  function runSearch() {
    var text = search.value.trim() || typedAddress();
    search.value = text;
    if (text.length < 3) { say(d.labelTooShort, true); return; }
    say(d.labelSearching);
    fetch(d.placesUrl + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) {
        say(answer.status === 429 ? d.labelTooMany : answer.body.error.message, true);
        return;
      }
      var places = answer.body.places;
      if (places.length === 0) { say(d.labelNotFound, true); listResults([]); return; }
      if (places.length === 1) { choose(places[0]); return; }
      say(d.labelChoose);
      listResults(places);
    }).catch(function () { say(d.labelOffline, true); });
  }

  searchButton.addEventListener("click", runSearch);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); runSearch(); }  // search, do not submit the form
  });
  map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); say(d.labelDrag); });
  [lonInput, latInput].forEach(function (input) {
    input.addEventListener("change", function () {
      var lon = parse(lonInput.value), lat = parse(latInput.value);
      if (lon !== null && lat !== null) { place(lat, lon, 16); }
    });
  });

  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locate.disabled = true;
      say(d.labelLocating);
      navigator.geolocation.getCurrentPosition(function (position) {
        locate.disabled = false;
        place(position.coords.latitude, position.coords.longitude, 17);
        say(d.labelDrag);
      }, function () {
        locate.disabled = false;
        say(d.labelDenied, true);
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  var startLon = parse(lonInput.value), startLat = parse(latInput.value);
  if (startLon !== null && startLat !== null) { place(startLat, startLon, 16); }
}());
