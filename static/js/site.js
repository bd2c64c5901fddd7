// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Live checks take a few seconds: show that something is happening and
  // stop a second submit from starting a second login.
  document.querySelectorAll("form[data-live-check]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.classList.add("is-checking");
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-busy", "true");
        setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });

  // "Copy" buttons next to suggested labels.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = !navigator.clipboard;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        var done = button.getAttribute("data-copied");
        if (done) { button.textContent = done; }
      });
    });
  });
})();
