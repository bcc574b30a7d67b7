
var bingeo = window.bingeo = window.bingeo || {};
bingeo.data = function (id) { return JSON.parse(document.getElementById(id).textContent); };
bingeo.esc = function (v) {
  return String(v).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
};
bingeo.table = function (title, labels, values) {
  var h = title ? "<b>" + bingeo.esc(title) + "</b>" : "";
  h += '<table class="bingeo-popup">';
  for (var i = 0; i < labels.length; i++) {
    var v = values[i];
    if (v === null || v === undefined || v === "") continue;
    h += "<tr><th>" + bingeo.esc(labels[i]) + "</th><td>" + bingeo.esc(v) + "</td></tr>";
  }
  return h + "</table>";
};
// Hour-of-week heat table of 168 weights (Monday 00:00 first): 7 rows of 24 cells, darker = more incidents.
bingeo.DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
bingeo.heat = function (w) {
  var top = Math.max.apply(null, w) || 1;
  var h = '<div class="bingeo-heat-title">When (hour of the week)</div><table class="bingeo-heat"><tr><th></th>';
  for (var c = 0; c < 24; c++) h += "<th>" + (c % 6 === 0 ? c : "") + "</th>";
  h += "</tr>";
  for (var r = 0; r < 7; r++) {
    h += "<tr><th>" + bingeo.DAYS[r] + "</th>";
    for (var k = 0; k < 24; k++) {
      var v = Number(w[r * 24 + k]), a = (v / top).toFixed(3);
      h += '<td style="background: rgba(189, 0, 38, ' + a + ')" title="' + bingeo.DAYS[r] + " " +
           (k < 10 ? "0" : "") + k + ":00 " + v.toFixed(2) + '"></td>';
    }
    h += "</tr>";
  }
  return h + "</table>";
};
bingeo.polygons = function (id, className) {
  var d = bingeo.data(id);
  return L.geoJSON(d.geojson, {
    className: className,
    style: function (f) { return d.styles[f.properties.s]; },
    onEachFeature: function (f, layer) {
      layer.bindPopup(function () {
        var h = bingeo.table(f.properties.t, d.labels, f.properties.v);
        return f.properties.h ? h + bingeo.heat(f.properties.h) : h;
      });
      if (f.properties.label) {
        layer.bindTooltip(bingeo.esc(f.properties.label),
                          {permanent: true, direction: "center", className: "bingeo-rank"});
      }
    }
  });
};
bingeo.points = function (id, map, minZoom, maxPoints) {
  var d = bingeo.data(id), n = d.n, lat = new Float64Array(n), lon = new Float64Array(n);
  var a = d.lat0, b = d.lon0;
  for (var i = 0; i < n; i++) { a += d.dlat[i]; b += d.dlon[i]; lat[i] = a / d.scale; lon[i] = b / d.scale; }
  var added = new Uint8Array(n), nAdded = 0;
  var icon = L.divIcon({className: "bingeo-incident", iconSize: [10, 10]});
  var layer = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
                                    disableClusteringAtZoom: 19, spiderfyOnMaxZoom: true});
  var hint = L.control({position: "bottomleft"});
  hint.onAdd = function () { this._div = L.DomUtil.create("div", "bingeo-hint"); return this._div; };
  var hintShown = false;
  function say(text) {
    if (text && !hintShown) { hint.addTo(map); hintShown = true; }
    if (!text && hintShown) { hint.remove(); hintShown = false; }
    if (text) hint._div.innerHTML = bingeo.esc(text);
  }
  function popup(i) {
    var values = d.fields.map(function (f, k) { var c = d.codes[k][i]; return c < 0 ? null : d.values[k][c]; });
    return bingeo.table("Incident", d.fields, values);
  }
  function update() {
    if (!map.hasLayer(layer)) { say(""); return; }
    if (map.getZoom() < minZoom) {
      if (nAdded) { layer.clearLayers(); added = new Uint8Array(n); nAdded = 0; }
      layer.bingeoLoaded = null;
      say("Incidents are drawn as points from zoom level " + minZoom + " on (now " + map.getZoom() + ").");
      return;
    }
    var bb = map.getBounds().pad(0.5), s = bb.getSouth(), w = bb.getWest(), no = bb.getNorth(), e = bb.getEast();
    var todo = [];
    for (var i = 0; i < n; i++) {
      if (!added[i] && lat[i] >= s && lat[i] <= no && lon[i] >= w && lon[i] <= e) todo.push(i);
    }
    if (nAdded + todo.length > maxPoints) {
      say("Zoom in to see the incidents here as points (" + (nAdded + todo.length) + " around the view).");
      return;
    }
    say("");
    var markers = todo.map(function (i) {
      added[i] = 1;
      var m = L.marker([lat[i], lon[i]], {icon: icon, keyboard: false});
      m.bindPopup(function () { return popup(i); });
      return m;
    });
    nAdded += markers.length;
    layer.addLayers(markers);
    layer.bingeoLoaded = [s, w, no, e];
  }
  map.on("moveend", update);
  layer.on("add", function () { setTimeout(update, 0); });
  layer.on("remove", function () { say(""); });
  layer.bingeoCount = function () { return nAdded; };
  return layer;
};
bingeo.drawTool = function (map) {
  var drawn = new L.FeatureGroup();
  map.addLayer(drawn);
  var control = new L.Control.Draw({
    position: "topleft",
    draw: {polyline: false, marker: false, circlemarker: false,
           polygon: {allowIntersection: false, showArea: false, shapeOptions: {color: "#000", weight: 2}},
           rectangle: {showArea: false, shapeOptions: {color: "#000", weight: 2}},
           circle: {showRadius: true, metric: true, feet: false, shapeOptions: {color: "#000", weight: 2}}},
    edit: {featureGroup: drawn}
  });
  map.addControl(control);
  map.on(L.Draw.Event.CREATED, function (e) { drawn.addLayer(e.layer); });
  bingeo.drawn = drawn;
  bingeo.areaGeoJSON = function () {
    var features = [];
    drawn.eachLayer(function (layer) {
      var f = layer.toGeoJSON(8);
      f.properties = {};
      if (layer instanceof L.Circle) { f.properties.shape = "circle"; f.properties.radius = layer.getRadius(); }
      features.push(f);
    });
    return {type: "FeatureCollection", features: features};
  };
  var exporter = L.control({position: "topleft"});
  exporter.onAdd = function () {
    var div = L.DomUtil.create("div", "leaflet-bar bingeo-export");
    var a = L.DomUtil.create("a", "", div);
    a.href = "#"; a.title = "Export the drawn area as GeoJSON (for bingeo recipients --area)";
    a.innerHTML = "Export area";
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.on(a, "click", function (ev) {
      L.DomEvent.preventDefault(ev);
      var fc = bingeo.areaGeoJSON();
      if (!fc.features.length) { bingeo.say("Draw a polygon, rectangle or circle first."); return; }
      var blob = new Blob([JSON.stringify(fc)], {type: "application/geo+json"});
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "alert-area.geojson";
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      bingeo.say("Saved alert-area.geojson: give it to bingeo recipients --area.");
    });
    return div;
  };
  exporter.addTo(map);
  var note = L.control({position: "bottomleft"});
  note.onAdd = function () { return L.DomUtil.create("div", "bingeo-hint bingeo-note"); };
  bingeo.say = function (text) {
    if (!note._map) note.addTo(map);
    note.getContainer().innerHTML = bingeo.esc(text);
  };
};
