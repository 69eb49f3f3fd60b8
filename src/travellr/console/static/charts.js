// Draws each chart from the JSON block next to its canvas (no inline script): a block
// <script type="application/json" data-chart-for="CANVAS-ID"> holding
// {"currency": ..., "labels": [...], "datasets": [{"label": ..., "data": ["1.00", ...]}]}.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var COLOURS = ["#0b57d0", "#b3261e", "#146c2e"];
  document.querySelectorAll("script[data-chart-for]").forEach(function (source) {
    var canvas = document.getElementById(source.getAttribute("data-chart-for"));
    if (!canvas) { return; }
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, index) {
          return {
            label: set.label + " (" + data.currency + ")",
            data: set.data.map(Number),
            backgroundColor: COLOURS[index % COLOURS.length]
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true } }
      }
    });
  });
})();
