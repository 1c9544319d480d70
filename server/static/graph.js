/* The graph page without reloads: zoom in place, choose an actor at once, light up a thing's relations.
   Everything here also works as plain links and a form when scripts are off. */
(function () {
  "use strict";
  var figure = document.querySelector("figure.graph-figure");
  var svg = figure && figure.querySelector("svg");

  document.querySelectorAll(".graph-filters .zoom a[data-zoom]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!svg) return;
      event.preventDefault();
      var scale = parseFloat(link.dataset.zoom);
      if (scale) figure.style.setProperty("--zoom-width", Math.round(scale * figure.dataset.width) + "px");
      else figure.style.removeProperty("--zoom-width");
      document.querySelectorAll(".graph-filters .zoom a").forEach(function (other) {
        other.removeAttribute("aria-current");
      });
      link.setAttribute("aria-current", "true");
      history.replaceState(null, "", link.href);
    });
  });

  var actor = document.getElementById("actor");
  if (actor) actor.addEventListener("change", function () { actor.form.submit(); });

  if (!svg) return;
  function light(iri, on) {
    svg.classList.toggle("lit", on);
    svg.querySelectorAll(".edge, .edge-label").forEach(function (element) {
      var touches = element.dataset.source === iri || element.dataset.target === iri;
      element.classList.toggle("lit", on && touches);
    });
  }
  svg.querySelectorAll("g.node").forEach(function (node) {
    var link = node.closest("a");
    ["mouseenter", "focus"].forEach(function (name) {
      link.addEventListener(name, function () { light(node.dataset.iri, true); });
    });
    ["mouseleave", "blur"].forEach(function (name) {
      link.addEventListener(name, function () { light(node.dataset.iri, false); });
    });
  });
})();
