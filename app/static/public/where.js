/* «Dove donare»: the phone's position fills the search; the nearest bins, already listed, are drawn on a map
   (Leaflet served locally; without tiles or JavaScript the list alone is enough). */
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var form = document.getElementById("where-form");
  var status = document.getElementById("locate-status");
  if (button && form && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        var lat = document.getElementById("lat"), lon = document.getElementById("lon");
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        lat.disabled = false;
        lon.disabled = false;
        document.getElementById("q").value = "";
        form.submit();
      }, function () {
        button.disabled = false;
        status.textContent = button.dataset.denied;
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
    });
  }

  var el = document.getElementById("where-map");
  if (!el || typeof L === "undefined") { return; }
  var d = el.dataset;
  var map = L.map(el);
  var tiles = L.tileLayer(d.tilesUrl, { maxZoom: 19, attribution: d.attribution });
  var failed = false;
  tiles.on("tileerror", function () {
    if (!failed) { failed = true; document.getElementById("map-status").textContent = d.tilesOff; }
  });
  tiles.addTo(map);
  var group = L.featureGroup().addTo(map);
  document.querySelectorAll(".near-bin").forEach(function (item, index) {
    var point = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
    L.circleMarker(point, { radius: 9, color: "#fff", weight: 2, fillColor: "#198754", fillOpacity: 0.95 })
      .bindTooltip(String(index + 1) + ". " + item.dataset.label).addTo(group);
  });
  map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 16 });
  el.dataset.loaded = String(group.getLayers().length);
})();
