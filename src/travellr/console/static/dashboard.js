// Draws the dashboard's chart from the JSON block the page carries (no inline script).
(function () {
  "use strict";
  var source = document.getElementById("daily-data");
  var canvas = document.getElementById("daily-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var toNumbers = function (values) { return values.map(Number); };
  canvas.chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Gross (" + data.currency + ")", data: toNumbers(data.gross), backgroundColor: "#0b57d0" },
        { label: "Refunds (" + data.currency + ")", data: toNumbers(data.refunds), backgroundColor: "#b3261e" }
      ]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true } }
    }
  });
})();
