// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID">, using Chart.js.
// The same numbers are in the table next to each chart, so the chart is a picture of the table.
(function () {
  "use strict";
  var palette = ["#0f4c81", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#6c757d", "#8e6bbf", "#4d908e"];

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (ds, i) {
      var colours = spec.type === "doughnut" || spec.type === "pie"
        ? spec.labels.map(function (_, j) { return palette[j % palette.length]; })
        : palette[i % palette.length];
      return Object.assign({ backgroundColor: colours, borderColor: colours, borderWidth: 1 }, ds);
    });
    // Counts get whole-number ticks; amounts keep their decimals.
    var whole = spec.datasets.every(function (ds) {
      return ds.data.every(function (v) { return Math.round(v) === v; });
    });
    var ticks = whole ? { precision: 0 } : {};
    var locale = document.documentElement.lang || undefined;
    canvas.dataset.drawn = "1";
    new Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: locale,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: datasets.length > 1 || spec.type === "doughnut" } },
        scales: spec.type === "doughnut" || spec.type === "pie" ? {} : {
          x: { stacked: !!spec.stacked, ticks: spec.horizontal ? ticks : {}, beginAtZero: true },
          y: { stacked: !!spec.stacked, ticks: spec.horizontal ? {} : ticks, beginAtZero: true }
        }
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
