/* Review map of a plan: one coloured road path per route, numbered stops; tiles are optional. */
(function () {
  "use strict";
  var el = document.getElementById("plan-map");
  var dataEl = document.getElementById("plan-data");
  if (!el || !dataEl || typeof L === "undefined") { return; }
  var d = el.dataset, plan = JSON.parse(dataEl.textContent);
  var map = L.map(el, { preferCanvas: true });
  var tiles = L.tileLayer(d.tilesUrl, { maxZoom: 19, attribution: d.attribution }).addTo(map);
  var tileErrors = 0;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileErrors === 3) {
      var note = L.control({ position: "bottomleft" });
      note.onAdd = function () { var div = L.DomUtil.create("div", "bg-white p-1 small"); div.textContent = d.labelTilesOff; return div; };
      note.addTo(map);
    }
  });
  var bounds = L.latLngBounds([]);
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }
  function numbered(stop, colour) {
    var label = stop.kind === "reload" ? "↺" : String(stop.n);
    // Dark text on white inside the route's colour: readable whatever the colour (WCAG contrast).
    var html = '<span style="background:#fff;color:#212529;border:2px solid ' + colour + ';border-radius:9px;padding:0 3px;font:bold 11px sans-serif">' + label + "</span>";
    return L.marker([stop.lat, stop.lon], { icon: L.divIcon({ html: html, className: "", iconSize: null }) });
  }
  plan.routes.forEach(function (route) {
    var layer = L.layerGroup().addTo(map);
    if (route.geometry && route.geometry.coordinates) {
      var line = route.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
      L.polyline(line, { color: route.colour, weight: 4, opacity: 0.85, dashArray: plan.approximate ? "6 6" : null })
        .bindTooltip(esc(route.name)).addTo(layer);
      line.forEach(function (p) { bounds.extend(p); });
    }
    route.stops.forEach(function (stop) {
      var text = esc((stop.kind === "reload" ? d.labelReload : stop.n + " · " + stop.code) + " · " + stop.eta) + "<br>" + esc(stop.address);
      numbered(stop, route.colour).bindPopup(text).addTo(layer);
      bounds.extend([stop.lat, stop.lon]);
    });
  });
  if (plan.left_out && plan.left_out.length) {
    var leftOut = L.layerGroup().addTo(map);
    plan.left_out.forEach(function (item) {
      L.circleMarker([item.lat, item.lon], { radius: 7, color: "#d62728", weight: 2, fillOpacity: 0.25, dashArray: "3 3" })
        .bindPopup(esc(item.code + " · " + item.kg + " kg") + "<br>" + esc(item.address)).addTo(leftOut);
      bounds.extend([item.lat, item.lon]);
    });
    var overlays = {};
    overlays[esc(d.labelLeftOut || "")] = leftOut;
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  }
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([45.4642, 9.19], 11); }
})();
