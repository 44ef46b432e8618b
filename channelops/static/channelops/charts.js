/* channelops charts: draws every <canvas data-chart="{…json…}"> with the vendored Chart.js.
 *
 * A page loads vendor/chartjs/chart.umd.min.js and this file (both with <script src defer>, in
 * that order, from its extra_head block) and writes the data as JSON, in the canvas's
 * data-chart attribute or in <script type="application/json" id="x"> named by
 * data-chart-source="x" (neither is executed, so the CSP allows both):
 *
 *   {"type": "bar" | "line",
 *    "labels": ["2025-01-06", …],
 *    "datasets": [{"label": "Points", "data": [3, 0, …]}, …],
 *    "x_title": "Week", "y_title": "Points",        (optional axis titles)
 *    "stacked": false, "legend": true}              (optional)
 *
 * Keep a table with the same figures next to the canvas: it is the accessible fallback (the
 * canvas carries role="img" and an aria-label summarising it). Without JavaScript the table
 * is all there is, and that is enough.
 */
(function () {
  "use strict";
  var PALETTE = ["#066fd1", "#2fb344", "#f76707", "#ae3ec9", "#d63939", "#0ca678", "#f59f00", "#4263eb"];

  function readSpec(canvas) {
    var source = canvas.getAttribute("data-chart-source");
    var text = source ? (document.getElementById(source) || {}).textContent : canvas.getAttribute("data-chart");
    if (!text) { return null; }
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function axis(title, stacked) {
    var a = { stacked: !!stacked, ticks: { maxRotation: 0, autoSkip: true } };
    if (title) { a.title = { display: true, text: title }; }
    return a;
  }

  function config(spec) {
    var type = spec.type === "line" ? "line" : "bar";
    var datasets = (spec.datasets || []).map(function (d, i) {
      var colour = d.color || PALETTE[i % PALETTE.length];
      return {
        label: d.label || "",
        data: d.data || [],
        backgroundColor: type === "line" ? colour + "33" : colour,
        borderColor: colour,
        borderWidth: type === "line" ? 2 : 0,
        fill: type === "line" && !!d.fill,
        tension: 0.25,
        pointRadius: type === "line" ? 2 : 0
      };
    });
    var y = axis(spec.y_title, spec.stacked);
    y.beginAtZero = true;
    return {
      type: type,
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: spec.legend !== undefined ? !!spec.legend : datasets.length > 1 } },
        scales: { x: axis(spec.x_title, spec.stacked), y: y }
      }
    };
  }

  function draw() {
    if (typeof window.Chart !== "function") { return; }
    var canvases = document.querySelectorAll("canvas[data-chart], canvas[data-chart-source]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      if (canvas.getAttribute("data-chart-drawn")) { return; }
      var spec = readSpec(canvas);
      if (!spec) { return; }
      canvas.setAttribute("data-chart-drawn", "1");
      new window.Chart(canvas, config(spec));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  // Charts inside content that htmx swaps in are drawn too.
  document.addEventListener("htmx:afterSettle", draw);
})();
