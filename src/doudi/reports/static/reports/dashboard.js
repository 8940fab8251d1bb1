/* The dashboard's charts (Apache ECharts, served by doudi). Data: the JSON in #dash-data. */
(function () {
  "use strict";
  var node = document.getElementById("dash-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var font = '"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif';
  var fmt = function (v) { return Number(v).toLocaleString("zh-CN", { maximumFractionDigits: 2 }); };
  var charts = [];
  // A wall screen is read from across the room: larger type on the charts as on the page.
  var size = window.innerWidth >= 1700 ? 17 : 12;
  var label = { fontSize: size };

  var trendEl = document.getElementById("chart-trend");
  if (trendEl) {
    var trend = echarts.init(trendEl, null, { locale: "ZH", renderer: "canvas" });
    trend.setOption({
      textStyle: { fontFamily: font },
      color: ["#b7261f", "#1456f0", "#94a3b8"],
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { top: 0, textStyle: label, data: ["低保人数", "特困人员", "本月支出（万元）"] },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months, axisLabel: { hideOverlap: true, fontSize: size } },
      yAxis: [
        { type: "value", name: "人", nameTextStyle: label, axisLabel: { formatter: fmt, fontSize: size } },
        { type: "value", name: "万元", nameTextStyle: label, axisLabel: { formatter: fmt, fontSize: size }, splitLine: { show: false } }
      ],
      series: [
        { name: "低保人数", type: "line", z: 3, showSymbol: true, symbolSize: 6, data: data.dibao_persons },
        { name: "特困人员", type: "line", z: 3, showSymbol: true, symbolSize: 6, data: data.tekun_persons },
        { name: "本月支出（万元）", type: "bar", yAxisIndex: 1, barMaxWidth: 18, data: data.expenditure }
      ]
    });
    charts.push(trend);
  }

  var rankEl = document.getElementById("chart-rank");
  var select = document.getElementById("rank-key");
  if (rankEl) {
    var rank = echarts.init(rankEl, null, { locale: "ZH", renderer: "canvas" });
    var draw = function (key) {
      var r = data.rankings[key];
      var pairs = r.names.map(function (n, i) { return [n, r.values[i]]; });
      pairs.sort(function (a, b) { return a[1] - b[1]; });
      rank.setOption({
        textStyle: { fontFamily: font },
        color: ["#b7261f"],
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return fmt(v) + " " + r.unit; } },
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", axisLabel: { formatter: fmt, fontSize: size } },
        yAxis: { type: "category", data: pairs.map(function (p) { return p[0]; }), axisLabel: { width: 110, overflow: "truncate", fontSize: size } },
        dataZoom: pairs.length > 15 ? [{ type: "slider", yAxisIndex: 0, right: 0, width: 14, startValue: pairs.length - 15, endValue: pairs.length - 1 }] : [],
        series: [{ name: r.label, type: "bar", barMaxWidth: 22, data: pairs.map(function (p) { return p[1]; }),
                   label: { show: true, position: "right", fontSize: size, formatter: function (p) { return fmt(p.value); } } }]
      }, true);
    };
    draw(select ? select.value : "dibao_persons");
    if (select) { select.addEventListener("change", function () { draw(select.value); }); }
    charts.push(rank);
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
