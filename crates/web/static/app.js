// zhuqi: small progressive enhancements only; every page works without JS.
(function () {
  // Keep what was typed if a submit fails (weak signal in the mountains):
  // forms marked data-keep save their fields to sessionStorage.
  document.querySelectorAll('form[data-keep]').forEach(function (f) {
    var key = 'zhuqi:' + location.pathname + ':' + (f.getAttribute('action') || '');
    try {
      var saved = JSON.parse(sessionStorage.getItem(key) || '{}');
      Object.keys(saved).forEach(function (n) { if (f.elements[n] && f.elements[n].type !== 'hidden') f.elements[n].value = saved[n]; });
    } catch (e) {}
    f.addEventListener('input', function () {
      var o = {};
      Array.prototype.forEach.call(f.elements, function (el) { if (el.name && el.type !== 'hidden' && el.type !== 'file' && el.type !== 'password') o[el.name] = el.value; });
      sessionStorage.setItem(key, JSON.stringify(o));
    });
  });
})();
