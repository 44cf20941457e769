// mbcnav: small progressive enhancements. Every flow works without this file.
(function () {
  "use strict";

  // Focus the error summary after a failed form post so keyboard and screen-reader users hear it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // No select submits its form on change (WCAG 3.2.2 On Input): a keyboard user arrowing through a
  // closed select would leave the page on every key. The visible submit button is the only trigger.

  // Repeated rows (treatments, allergies, ...): "Add a row" clones the last row with fresh names.
  // The server reads at most data-max-rows rows of each list, so the button stops there (and says so).
  document.querySelectorAll("[data-rows]").forEach(function (block) {
    var max = Number(block.getAttribute("data-max-rows")) || Infinity;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Add a row";
    var note = document.createElement("p");
    note.className = "meta";
    note.setAttribute("aria-live", "polite");
    var atLimit = function () {
      var full = block.querySelectorAll("[data-row]").length >= max;
      button.disabled = full;
      note.textContent = full ? "This form takes at most " + max + " rows here. Use a case file for more." : "";
      return full;
    };
    button.addEventListener("click", function () {
      if (atLimit()) { return; }
      var groups = block.querySelectorAll("[data-row]");
      var last = groups[groups.length - 1];
      var index = groups.length;
      var copy = last.cloneNode(true);
      copy.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(/\.\d+\./, "." + index + ".");
        if (el.id) { el.id = el.id.replace(/\.\d+\./, "." + index + "."); }
        if (el.tagName === "SELECT") { el.selectedIndex = 0; } else { el.value = ""; }
      });
      copy.querySelectorAll("label[for]").forEach(function (el) {
        el.htmlFor = el.htmlFor.replace(/\.\d+\./, "." + index + ".");
      });
      copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      copy.querySelectorAll("legend, .row-title").forEach(function (el) {
        el.textContent = el.textContent.replace(/\d+$/, String(index + 1));
      });
      last.after(copy);
      var first = copy.querySelector("input, select");
      if (first) { first.focus(); }
      atLimit();
    });
    block.appendChild(button);
    block.appendChild(note);
    atLimit();
  });

  // Kaplan-Meier explorer: survival of each group at a chosen time, read from the page's JSON.
  var data = document.getElementById("km-data");
  var slider = document.getElementById("km-time");
  if (data && slider) {
    var km = JSON.parse(data.textContent);
    var out = document.getElementById("km-readout");
    var label = document.getElementById("km-time-value");
    var at = function (group, t) {
      var s = 1;
      for (var i = 0; i < group.timeline.length && group.timeline[i] <= t; i++) { s = group.survival[i]; }
      return s;
    };
    var update = function () {
      var t = Number(slider.value);
      label.textContent = String(t);
      out.innerHTML = "";
      km.groups.forEach(function (g) {
        var li = document.createElement("li");
        li.textContent = g.group + ": " + (100 * at(g, t)).toFixed(1) + "% without an event at " + t + " " + km.time_unit;
        out.appendChild(li);
      });
    };
    slider.addEventListener("input", update);
    document.getElementById("km-explorer").classList.remove("hidden");
    update();
  }
})();
