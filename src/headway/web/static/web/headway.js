// Renders every Vega-Lite chart on the page: an element with data-chart="ID" takes its spec from
// the JSON <script id="ID">. Runs again after htmx swaps new content in.
(function () {
  "use strict";

  function renderCharts(root) {
    if (typeof window.vegaEmbed !== "function") {
      return;
    }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.rendered === "1") {
        return;
      }
      var source = document.getElementById(el.dataset.chart);
      if (!source) {
        return;
      }
      el.dataset.rendered = "1";
      // Content-Security-Policy: Vega's expression interpreter instead of code built with
      // new Function, and no injected <style> elements (headway.css styles the tooltip).
      window.vegaEmbed(el, JSON.parse(source.textContent), {
        actions: false,
        renderer: el.dataset.renderer || "svg",
        ast: true,
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true },
      }).catch(function (error) {
        el.dataset.rendered = "error";
        el.textContent = "The chart could not be drawn: " + error;
      });
    });
  }

  // A 422 is a form coming back with its errors beside the fields and the typed values kept:
  // swap it in like a success (htmx leaves error answers unswapped by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    renderCharts(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    renderCharts(event.target);
  });
})();
