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

  // Bulk import preview: unticked rows are sent as "drop".
  var importForm = document.getElementById("import-form");
  if (importForm) {
    importForm.addEventListener("submit", function () {
      importForm.querySelectorAll("input[data-drop]").forEach(function (box) {
        if (!box.checked) {
          var drop = document.createElement("input");
          drop.type = "hidden";
          drop.name = "drop";
          drop.value = box.getAttribute("data-drop");
          importForm.appendChild(drop);
        }
      });
    });
  }

  // Bulk import progress: counts and each row's result, without reloading.
  document.querySelectorAll("[data-import-status][data-polling]").forEach(function (panel) {
    var url = panel.getAttribute("data-import-status");
    var since = "";
    function update(data) {
      since = data.now;
      ["checked", "total", "saved", "refused", "unreachable"].forEach(function (name) {
        var cell = panel.querySelector('[data-count="' + name + '"]');
        if (cell) { cell.textContent = data[name]; }
      });
      panel.querySelector("progress").value = data.percent;
      Object.keys(data.rows).forEach(function (id) {
        var row = document.querySelector('tr[data-row="' + id + '"]');
        if (!row) { return; }
        row.className = "row-" + data.rows[id].state;
        row.querySelector("[data-state]").textContent = data.rows[id].label;
        row.querySelector("[data-sentence]").textContent = data.rows[id].sentence;
      });
      if (data.finished) {
        panel.querySelector("[data-when-running]").hidden = true;
        panel.querySelector("[data-when-finished]").hidden = false;
        var title = document.querySelector("h1[data-finished-title]");
        if (title) { title.textContent = title.getAttribute("data-finished-title"); }
        panel.removeAttribute("data-polling");
        return true;
      }
      return false;
    }
    function poll() {
      var query = since ? "?since=" + encodeURIComponent(since) : "";
      fetch(url + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) { if (!update(data)) { setTimeout(poll, 1500); } })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
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
