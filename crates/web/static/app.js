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
