// Copy buttons: <button data-copy-target="ID"> copies the text of element ID (the value of a field). A file, not
// inline script, so pages run under a strict CSP. Focus stays on the button, so a keyboard user can go on from it.
document.querySelectorAll('[data-copy-target]').forEach(function (button) {
  button.addEventListener('click', function () {
    var target = document.getElementById(button.getAttribute('data-copy-target'));
    if (!target) return;
    var text = 'value' in target ? target.value : target.textContent;
    var next = button.nextElementSibling;
    var status = next && next.classList.contains('copy-status') ? next : null;
    function done(message) {
      if (status) {
        status.textContent = '';
        // Set a moment later, so a screen reader announces it again after a second copy.
        setTimeout(function () {
          status.textContent = message;
        }, 50);
      }
      button.focus();
    }
    function fallback() {
      // Without the Clipboard API (plain http on another host): copy through a hidden selection.
      var scratch = document.createElement('textarea');
      scratch.value = text;
      scratch.setAttribute('readonly', '');
      scratch.className = 'scratch';
      document.body.appendChild(scratch);
      scratch.select();
      var ok;
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
      document.body.removeChild(scratch);
      done(ok ? 'Copied' : 'Select the text and press Ctrl+C to copy');
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        done('Copied');
      }, fallback);
    } else {
      fallback();
    }
  });
});
