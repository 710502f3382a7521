// Draws the ECharts charts declared in the page: <div class="chart" data-chart="trend|spark|bar" data-source="ID">,
// where ID is a <script type="application/json"> element holding the figures (json_script). Re-runs after htmx swaps.
(function () {
  "use strict";
  var COLORS = { value: "#0b5394", target: "#c2410c", expected: "#94a3b8" };

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function option(kind, d, labels) {
    if (kind === "spark") {
      return {
        animation: false, grid: { left: 2, right: 2, top: 4, bottom: 2 },
        xAxis: { type: "category", data: d.years, show: false }, yAxis: { type: "value", show: false, scale: true },
        series: [
          { type: "line", data: d.values, symbolSize: 4, lineStyle: { color: COLORS.value }, itemStyle: { color: COLORS.value }, connectNulls: false },
          { type: "scatter", data: d.targets, symbol: "diamond", symbolSize: 7, itemStyle: { color: COLORS.target } }
        ]
      };
    }
    if (kind === "bar") {
      return {
        animation: false, grid: { left: 90, right: 30, top: 10, bottom: 20 },
        xAxis: { type: "value", scale: false }, yAxis: { type: "category", data: d.ranking_names.slice().reverse() },
        series: [{ type: "bar", data: d.ranking_values.slice().reverse(), itemStyle: { color: COLORS.value }, label: { show: true, position: "right" } }]
      };
    }
    return {
      animation: false, tooltip: { trigger: "axis" }, legend: { top: 0, data: [labels.value, labels.expected, labels.target] },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: d.years }, yAxis: { type: "value", scale: true },
      series: [
        { name: labels.value, type: "line", data: d.values, itemStyle: { color: COLORS.value }, label: { show: true } },
        { name: labels.expected, type: "line", data: d.expected, lineStyle: { type: "dashed", color: COLORS.expected }, itemStyle: { color: COLORS.expected } },
        { name: labels.target, type: "scatter", data: d.targets, symbol: "diamond", symbolSize: 12, itemStyle: { color: COLORS.target } }
      ]
    };
  }

  function draw(root) {
    if (!window.echarts) { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var d = read(el.dataset.source);
      if (!d) { return; }
      var labels = { value: el.dataset.labelValue || "", expected: el.dataset.labelExpected || "", target: el.dataset.labelTarget || "" };
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(el.dataset.chart, d, labels), true);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) { var c = window.echarts && window.echarts.getInstanceByDom(el); if (c) { c.resize(); } });
  });
})();
