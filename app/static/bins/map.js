/* Bin map: Leaflet + markercluster served locally; OSM tiles are optional (offline the bins and comuni still show). */
(function () {
  "use strict";
  var el = document.getElementById("bin-map");
  if (!el || typeof L === "undefined") { return; }
  var d = el.dataset;
  var COLOURS = { low: "#198754", mid: "#fd7e14", high: "#dc3545", unknown: "#6c757d" };
  var TEXT = { mid: "#212529" };  // dark on orange: white would fail the contrast check
  var RANK = { unknown: 0, low: 1, mid: 2, high: 3 };
  var status = document.getElementById("map-status");
  var map = L.map(el, { preferCanvas: true }).setView([45.4642, 9.19], 10);
  var tiles = L.tileLayer(d.tilesUrl, { maxZoom: 19, attribution: d.attribution });
  var tileErrors = 0;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileErrors === 1) { status.textContent = d.labelTilesOff; }
  });
  tiles.addTo(map);
  map.attributionControl.addAttribution(d.attribution);

  function popup(props) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = props.code + (props.demo ? " (" + d.labelDemo + ")" : "");
    var address = document.createElement("div");
    address.textContent = props.address;
    var fill = document.createElement("div");
    fill.textContent = d.labelFill + ": " + fillText(props);
    var link = document.createElement("a");
    link.href = d.detailUrl.replace(/0$/, String(props.id));
    link.textContent = d.labelOpen;
    [title, address, fill, link].forEach(function (node) { box.appendChild(node); });
    return box;
  }

  function clusterIcon(cluster) {
    var worst = "unknown";
    cluster.getAllChildMarkers().forEach(function (m) {
      if (RANK[m.options.fillLevel] > RANK[worst]) { worst = m.options.fillLevel; }
    });
    var size = 36;
    return L.divIcon({
      html: "<div class='bin-cluster' style='background:" + COLOURS[worst] + ";color:" + (TEXT[worst] || "#fff") + ";width:" + size + "px;height:" + size + "px'>" +
        cluster.getChildCount() + "</div>",
      className: "", iconSize: [size, size]
    });
  }

  function fillText(props) {
    if (props.fill_percent === null) { return "–"; }
    return props.fill_percent + "%" + (props.fill_percent > 100 ? " (" + d.labelOver + ")" : "");
  }

  // The fullest bins in the part of the map on screen: redrawn after every pan and zoom.
  function fillList(features) {
    var list = document.getElementById("map-list");
    var bounds = map.getBounds();
    var inView = features.filter(function (f) {
      var c = f.geometry.coordinates;
      return bounds.contains([c[1], c[0]]);
    });
    var sorted = inView.sort(function (a, b) {
      return (b.properties.fill_percent || 0) - (a.properties.fill_percent || 0);
    });
    list.textContent = "";
    sorted.slice(0, 15).forEach(function (f) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = d.detailUrl.replace(/0$/, String(f.properties.id));
      link.textContent = f.properties.code;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" · " + f.properties.address + " · " + fillText(f.properties)));
      list.appendChild(item);
    });
    list.dataset.inView = String(inView.length);
    el.dataset.zoom = String(map.getZoom());  // the view the list is of
    document.getElementById("map-list-count").textContent = (inView.length === 1 ? d.labelInViewOne : d.labelInView)
      .replace("%n", inView.length.toLocaleString(document.documentElement.lang || "it"));
  }

  fetch(d.comuniUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, { style: { color: "#555", weight: 1, fill: false }, interactive: false }).addTo(map);
  });

  fetch(d.binsUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var group = typeof L.markerClusterGroup === "function"
      ? L.markerClusterGroup({ iconCreateFunction: clusterIcon, maxClusterRadius: 50 }) : L.featureGroup();
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates;
      var marker = L.circleMarker([c[1], c[0]], {
        radius: 8, color: "#fff", weight: 2, fillColor: COLOURS[f.properties.fill], fillOpacity: 0.95,
        fillLevel: f.properties.fill
      });
      marker.bindPopup(function () { return popup(f.properties); });
      group.addLayer(marker);
    });
    group.addTo(map);
    if (data.features.length) { map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 16 }); }
    fillList(data.features);
    map.on("moveend", function () { fillList(data.features); });
    el.dataset.loaded = String(data.features.length);
  });
}());
