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

  // Show / hide on password fields: an app password is long and pasted, and
  // people want to see that the whole of it arrived. Labels come from the
  // field (translated on the server).
  document.querySelectorAll("input[type=password][data-show-label]").forEach(function (input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-ghost btn-sm secret-toggle";
    button.textContent = input.getAttribute("data-show-label");
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var shown = input.type === "text";
      input.type = shown ? "password" : "text";
      button.textContent = input.getAttribute(shown ? "data-show-label" : "data-hide-label");
      button.setAttribute("aria-pressed", shown ? "false" : "true");
    });
    input.insertAdjacentElement("afterend", button);
  });

  // The provider picker: a search box that narrows the radios by name or
  // domain. The chosen one and "another provider" (no terms) always stay.
  document.querySelectorAll("fieldset[data-provider-search]").forEach(function (fieldset, index) {
    var list = fieldset.querySelector(".radio-list");
    var label = document.createElement("label");
    var input = document.createElement("input");
    var empty = document.createElement("p");
    input.type = "search";
    input.id = "provider-search-" + index;
    input.className = "provider-search";
    input.autocomplete = "off";
    label.htmlFor = input.id;
    label.className = "small muted";
    label.textContent = fieldset.getAttribute("data-search-label");
    empty.className = "help";
    empty.setAttribute("role", "status");
    empty.hidden = true;
    empty.textContent = fieldset.getAttribute("data-no-match");
    list.insertAdjacentElement("beforebegin", label);
    list.insertAdjacentElement("beforebegin", input);
    list.insertAdjacentElement("afterend", empty);
    input.addEventListener("input", function () {
      var query = input.value.trim().toLowerCase();
      var shown = 0;
      list.querySelectorAll("li").forEach(function (item) {
        var terms = item.getAttribute("data-terms");
        var keep = !query || !terms || item.querySelector("input:checked") ||
          terms.indexOf(query) !== -1 || item.textContent.toLowerCase().indexOf(query) !== -1;
        item.hidden = !keep;
        if (keep && terms) { shown += 1; }
      });
      empty.hidden = !query || shown > 0;
    });
  });

  // My mailboxes: "select this page" ticks every row's box.
  document.querySelectorAll("[data-pick-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input.bulk-pick").forEach(function (box) { box.checked = all.checked; });
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
