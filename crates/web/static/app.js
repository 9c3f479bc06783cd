// zhuqi: small progressive enhancements only; every page works without JS.
(function () {
  // Keep what was typed if a submit fails (weak signal in the mountains):
  // forms marked data-keep save their fields to sessionStorage.
  document.querySelectorAll('form[data-keep]').forEach(function (f) {
    // The key includes the form's own token (data-keep), so a fresh form starts
    // empty and only a re-shown failed submission gets its text back.
    var key = 'zhuqi:' + (f.getAttribute('action') || '') + ':' + (f.getAttribute('data-keep') || '');
    try {
      var saved = JSON.parse(sessionStorage.getItem(key) || '{}');
      Object.keys(saved).forEach(function (n) {
        var el = f.elements[n];
        if (!el || el.type === 'hidden') return;
        if (el.type === 'checkbox') el.checked = saved[n] === true; else el.value = saved[n];
      });
    } catch (e) {}
    f.addEventListener('input', function () {
      var o = {};
      Array.prototype.forEach.call(f.elements, function (el) { if (el.name && el.type !== 'hidden' && el.type !== 'file' && el.type !== 'password') o[el.name] = el.type === 'checkbox' ? el.checked : el.value; });
      sessionStorage.setItem(key, JSON.stringify(o));
    });
  });
})();
// Visits: radio groups of kept forms (the code above keeps single fields;
// a radio group is saved and restored here), and "use my location".
(function () {
  document.querySelectorAll('form[data-keep]').forEach(function (f) {
    var key = 'zhuqi-radio:' + (f.getAttribute('action') || '') + ':' + (f.getAttribute('data-keep') || '');
    var radios = f.querySelectorAll('input[type=radio]');
    if (!radios.length) return;
    try {
      var saved = JSON.parse(sessionStorage.getItem(key) || 'null');
      if (saved) {
        radios.forEach(function (r) { r.checked = saved[r.name] === r.value; });
      }
    } catch (e) {}
    var save = function () {
      var o = {};
      radios.forEach(function (r) { if (r.checked) o[r.name] = r.value; });
      try { sessionStorage.setItem(key, JSON.stringify(o)); } catch (e) {}
    };
    f.addEventListener('input', save);
    f.addEventListener('change', save);
  });
  document.querySelectorAll('[data-geo]').forEach(function (box) {
    var btn = box.querySelector('[data-geo-button]');
    var status = box.querySelector('[data-geo-status]');
    var field = function (n) { return box.querySelector('input[name=' + n + ']'); };
    if (!btn || !navigator.geolocation) return;
    btn.hidden = false;
    btn.addEventListener('click', function () {
      status.textContent = btn.getAttribute('data-wait') || '';
      navigator.geolocation.getCurrentPosition(function (p) {
        var lat = p.coords.latitude.toFixed(6), lon = p.coords.longitude.toFixed(6);
        var acc = Math.round(p.coords.accuracy || 0);
        field('lat').value = lat;
        field('lon').value = lon;
        field('accuracy_m').value = String(acc);
        status.textContent = lat + ', ' + lon + ' ±' + acc + ' m';
      }, function () {
        status.textContent = btn.getAttribute('data-fail') || '';
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });
})();
// Reports: the print button.
document.querySelectorAll('[data-print]').forEach(function (b) {
  b.addEventListener('click', function () { window.print(); });
});
