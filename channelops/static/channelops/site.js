/* channelops: small progressive enhancements, loaded from static files only (the CSP allows no
   inline script). Everything works without it. */
(function () {
  "use strict";
  // Confirmation for destructive actions: <form data-confirm="Really revoke?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
  // Auto-submitting filter selects: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.requestSubmit(); }
  });
  // A strip of tabs that scrolls sideways on a phone (the partner page): show the current tab.
  var strip = document.querySelector(".tab-strip");
  var current = strip && strip.querySelector("[aria-current=page]");
  if (current && strip.scrollWidth > strip.clientWidth) {
    strip.scrollLeft = current.offsetLeft - (strip.clientWidth - current.offsetWidth) / 2;
  }
})();
