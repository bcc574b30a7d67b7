/* bingeo: say so when an online map cannot load its map libraries (a blocked CDN), instead of a blank page.
   Runs on the page's load event, after every <script> has loaded or failed; needs nothing but the DOM. */
(function () {
  function missing() {
    var L = window.L;
    var gone = [];
    if (!L || !L.map) { gone.push('Leaflet'); }
    if (L && L.map && !L.Control.Draw) { gone.push('Leaflet.draw'); }
    if (L && L.map && !L.markerClusterGroup) { gone.push('Leaflet.markercluster'); }
    return gone;
  }
  window.addEventListener('load', function () {
    var gone = missing();
    if (!gone.length) { return; }
    var box = document.createElement('div');
    box.id = 'bingeo-load-failed';
    box.setAttribute('role', 'alert');
    box.style.cssText = 'position:fixed;top:20px;left:50%;transform:translateX(-50%);z-index:100000;' +
      'max-width:640px;padding:16px 20px;background:#fff3cd;color:#3d2e00;border:2px solid #b38600;' +
      'border-radius:6px;font:15px/1.45 sans-serif;box-shadow:0 2px 12px rgba(0,0,0,.3)';
    box.innerHTML = '<strong>This map cannot be shown: its map libraries did not load.</strong><br>' +
      'The page fetches ' + gone.join(', ') + ' from a content delivery network on the internet, which this ' +
      'network or browser blocks (common on police and municipal networks). Make an offline map instead, ' +
      'which loads nothing from the internet:<br><code>bingeo assets fetch</code> (once, on a machine that ' +
      'can reach the npm registry; copy the cache folder if needed), then<br>' +
      '<code>bingeo map ... --offline</code> (or <code>bingeo demo --offline</code>).';
    document.body.appendChild(box);
  });
})();
