/* KPI page: choropleth of kg per inhabitant over the comuni outlines (Leaflet served locally, no tiles needed). */
(function () {
  var el = document.getElementById("kpi-map");
  var dataEl = document.getElementById("kpi-map-data");
  if (!el || !dataEl || typeof L === "undefined") { return; }
  var values = JSON.parse(dataEl.textContent);
  var top = Math.max.apply(null, Object.keys(values).map(function (k) { return values[k]; }).concat([0.0001]));
  var shades = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  function colour(v) {
    if (v === undefined || v === null) { return "#f0f0f0"; }
    return shades[Math.min(shades.length - 1, Math.floor(v / top * shades.length))];
  }
  function label(v) { return v.toLocaleString("it-IT", { maximumFractionDigits: 2, minimumFractionDigits: 2 }); }
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false }).setView([45.47, 9.15], 9.5);
  fetch(el.dataset.comuniUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      style: function (f) {
        return { color: "#555", weight: 0.6, fillOpacity: 0.85, fillColor: colour(values[f.properties.code]) };
      },
      onEachFeature: function (f, lyr) {
        var v = values[f.properties.code];
        lyr.bindTooltip(f.properties.name + ": " + (v === undefined ? el.dataset.labelNone : label(v) + " " + el.dataset.labelUnit));
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "kpi-legend");
      shades.forEach(function (shade, i) {
        var row = L.DomUtil.create("div", "", div);
        var swatch = L.DomUtil.create("span", "kpi-swatch", row);
        swatch.style.background = shade;
        row.appendChild(document.createTextNode(" " + label(top * i / shades.length) + " – " + label(top * (i + 1) / shades.length)));
      });
      return div;
    };
    legend.addTo(map);
  });
})();
