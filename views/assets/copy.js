// Copy button of the landing page. A file, not inline script, so the page can run under a strict CSP.
document.querySelectorAll('[data-copy-target]').forEach(function (button) {
  button.addEventListener('click', function () {
    var field = document.getElementById(button.getAttribute('data-copy-target'));
    var status = document.getElementById('copy-status');
    function done(text) {
      if (status) status.textContent = text;
    }
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () {
          done('Copied');
        },
        function () {
          done('Press Ctrl+C to copy');
        },
      );
    } else {
      done(document.execCommand('copy') ? 'Copied' : 'Press Ctrl+C to copy');
    }
  });
});
