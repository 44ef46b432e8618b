/* channelops: the enablement and business plan charts (enablement/plan_chart.html).
   Each <canvas data-plan-chart="{title, labels, series: [{label, data}, {label, data}]}"> becomes a
   horizontal Chart.js bar chart: target (grey) vs certified now (blue). The table beside it holds
   the same numbers, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  // Long certification names on two or more lines, so a phone's narrow chart does not cut them off.
  function wrap(label) {
    var lines = [], line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > 18) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines.length > 1 ? lines : label;
  }
  function draw(canvas) {
    if (typeof window.Chart !== "function") { return; }
    var data;
    try { data = JSON.parse(canvas.getAttribute("data-plan-chart")); } catch (e) { return; }
    var colors = ["#c8d3e1", "#066fd1"];
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map(wrap),
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: colors[i % colors.length], borderRadius: 3 };
        })
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.xTitle || "" } },
          y: { ticks: { autoSkip: false } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-plan-chart]"), draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
