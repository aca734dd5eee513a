/*
 * imagery.js - the county's imagery under the console's maps (docs/office.md, "Console pages";
 * docs/imagery.md, "In the console").
 *
 * Loaded before console.js on every page with a map; console.js's makeMap hands each new map to
 * QuejieImagery.add. Each imagery the office lists with a console pyramid (GET /api/v1/imagery,
 * its "console" object) becomes a Leaflet tile layer from this origin only
 * (/api/v1/imagery/NAME/tiles/{z}/{x}/{y}, the session's cookie), under the vector layers, with
 * a layer control to show or hide it. No inline script (CSP); an imagery's name reaches the
 * layer control as escaped text, never as HTML.
 */
(function () {
    'use strict';

    var list = null;

    /* the office's imagery, fetched once per page (a viewer may read it; nothing on failure) */
    function imagery() {
        if (!list)
            list = fetch('/api/v1/imagery', { credentials: 'same-origin' })
                .then(function (r) { return r.ok ? r.json() : []; })
                .catch(function () { return []; });
        return list;
    }

    /* Leaflet's layer control sets a label's innerHTML: hand it the name escaped as text */
    function label(text) {
        var span = document.createElement('span');
        span.textContent = text;
        return span.innerHTML;
    }

    function add(map) {
        return imagery().then(function (items) {
            var overlays = {}, n = 0;
            (Array.isArray(items) ? items : []).forEach(function (it) {
                var c = it && it.console;
                if (!c || typeof c.url !== 'string' || !Array.isArray(c.bounds))
                    return;
                var b = c.bounds;
                var layer = L.tileLayer(c.url, {
                    bounds: L.latLngBounds([b[1], b[0]], [b[3], b[2]]),
                    minNativeZoom: c.minzoom,
                    maxNativeZoom: c.maxzoom,
                    maxZoom: 22,
                    tileSize: 256,
                    className: 'imagery'
                });
                layer.addTo(map);
                layer.bringToBack();
                overlays[label(it.name)] = layer;
                n++;
            });
            if (n)
                L.control.layers(null, overlays, { collapsed: false }).addTo(map);
            return n;
        });
    }

    window.QuejieImagery = { add: add };
})();
