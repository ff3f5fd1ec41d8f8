// Draws a report's chart: the chart registry (engines/report/charts.py) shapes the data on
// the server, this module only turns each type's data into an ECharts option (or a table for
// KPI, table, pivot and leaderboard) and tells the page which cell was clicked (drill).
// Labels come from the page: option ids, members and departments are named, BLANK and
// "others" get the page's words. Every chart resizes with its box (390 px phones included).
import * as echarts from "/static/vendor/echarts.esm.min.js";
import { h } from "/static/js/designer_util.js";

const ECHARTS = new Set(["bar", "column", "stacked", "line", "area", "pie", "donut", "funnel", "gauge", "scatter", "map"]);

// Number of a value the API sends (exact decimals come as strings); BLANK stays a gap.
export function num(value) {
  return value === null || value === undefined ? null : Number(value);
}

// The words of a cell: ``fields`` maps a field key to {label, options: {id: label}} of the
// report's form; ``data.names`` names members and departments; ``T`` holds blank/others/aggs.
export function labeller(data, fields, T, regions = {}) {
  const columns = Object.fromEntries((data.columns || []).map((c) => [c.id, c]));
  const names = data.names || {};
  const value = (id, raw) => {
    if (raw === null || raw === undefined) return T.blank;
    if (raw === "__others__") return T.others;
    const column = columns[id];
    if (names[id] && names[id][raw] !== undefined) return names[id][raw];
    const field = column && fields[column.field];
    if (field && field.options && field.options[raw] !== undefined) return field.options[raw];
    if (column && regions[raw]) return regions[raw];
    if (raw === true) return T.yes;
    if (raw === false) return T.no;
    return String(raw);
  };
  const measure = (id) => {
    const column = columns[id];
    if (!column) return id;
    if (column.agg === "count" && !column.field) return T.aggs.count;
    const field = fields[column.field];
    const agg = T.aggs[column.agg] || column.agg || "";
    return column.field ? `${agg} · ${field ? field.label : column.field}` : id;
  };
  const dimension = (id) => {
    const column = columns[id];
    const field = column && fields[column.field];
    return field ? field.label : (column && column.field) || id;
  };
  return { value, measure, dimension };
}

function dims(data) {
  return (data.columns || []).filter((c) => c.role === "dimension").map((c) => c.id);
}

// The ECharts option of a chart and, per data index, the cell it stands for (drill).
export function chartOption(chart, data, label) {
  const [d0, d1] = dims(data);
  const text = { textStyle: { fontSize: 12 } };
  const tooltip = { trigger: "item", confine: true };
  switch (chart.type) {
    case "bar": case "column": case "stacked": case "line": case "area": {
      const horizontal = chart.type === "bar";
      const categories = chart.categories.map((c) => label.value(d0, c));
      const twoDims = Boolean(d1);
      const series = chart.series.map((s) => ({
        name: twoDims ? label.value(d1, s.name) : label.measure(s.name),
        type: chart.type === "line" || chart.type === "area" ? "line" : "bar",
        areaStyle: chart.type === "area" ? {} : undefined,
        stack: chart.type === "stacked" || chart.stacked ? "all" : undefined,
        data: s.data.map(num), connectNulls: false,
      }));
      const category = { type: "category", data: categories, axisLabel: { hideOverlap: true, ...text.textStyle } };
      const value = { type: "value", axisLabel: text.textStyle };
      const cells = (dataIndex, seriesIndex) => {
        const cell = d0 ? { [d0]: chart.categories[dataIndex] } : {};
        if (twoDims) cell[d1] = chart.series[seriesIndex].name;
        return cell;
      };
      return {
        option: {
          tooltip: { trigger: "axis", confine: true }, legend: { type: "scroll", top: 0 },
          grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
          xAxis: horizontal ? value : category, yAxis: horizontal ? { ...category, inverse: true } : value, series,
        },
        cell: (p) => cells(p.dataIndex, p.seriesIndex),
      };
    }
    case "pie": case "donut": {
      const slices = chart.slices;
      return {
        option: {
          tooltip: { ...tooltip, formatter: "{b}: {c} ({d}%)" }, legend: { type: "scroll", bottom: 0 },
          series: [{ type: "pie", radius: chart.type === "donut" || chart.donut ? ["40%", "68%"] : "68%",
            center: ["50%", "45%"], label: { overflow: "truncate", width: 90 },
            data: slices.map((s) => ({ name: label.value(d0, s.name), value: num(s.value) })) }],
        },
        cell: (p) => (slices[p.dataIndex].name === "__others__" ? null : { [d0]: slices[p.dataIndex].name }),
      };
    }
    case "funnel": {
      const stages = chart.stages;
      const name = (s) => (d0 ? label.value(d0, s.name) : label.measure(s.name));
      return {
        option: {
          tooltip,
          series: [{ type: "funnel", sort: "none", left: "5%", width: "90%", minSize: "8%",
            label: { position: "inside", formatter: (p) => `${p.name}: ${p.value}`, overflow: "truncate" },
            data: stages.map((s) => ({ name: name(s), value: num(s.value) })) }],
        },
        cell: (p) => (d0 ? { [d0]: stages[p.dataIndex].name } : null),
      };
    }
    case "gauge":
      return {
        option: { series: [{ type: "gauge", min: num(chart.min), max: num(chart.max), progress: { show: true },
          detail: { valueAnimation: false, fontSize: 20 }, data: [{ value: num(chart.value) }] }] },
        cell: () => null,
      };
    case "scatter":
      return {
        option: {
          tooltip, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
          xAxis: { type: "value", name: label.measure(chart.x) }, yAxis: { type: "value", name: label.measure(chart.y) },
          series: [{ type: "scatter", data: chart.points.map((p) => ({
            name: d0 ? label.value(d0, p.name) : "", value: [num(p.x), num(p.y)] })) }],
        },
        cell: (p) => (d0 ? { [d0]: chart.points[p.dataIndex].name } : null),
      };
    case "map": {  // a ranked bar by province: no map geometry ships with the app
      const regions = chart.regions;
      return {
        option: {
          tooltip, grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
          xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: regions.map((r) => label.value(d0, r.code)) },
          series: [{ type: "bar", data: regions.map((r) => num(r.value)) }],
        },
        cell: (p) => ({ [d0]: regions[p.dataIndex].code }),
      };
    }
    default:
      return null;
  }
}

function htmlTable(head, rows, onRow) {
  return h("div", { class: "table-scroll" }, h("table", { class: "plain report-table" },
    h("thead", {}, h("tr", {}, head.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.map(([cells, cell]) => h("tr", {
      class: cell && onRow ? "drillable" : null, tabindex: cell && onRow ? "0" : null,
      onclick: cell && onRow ? () => onRow(cell) : null,
      onkeydown: cell && onRow ? (e) => { if (e.key === "Enter") onRow(cell); } : null,
    }, cells.map((x) => h("td", {}, x ?? "")))))));
}

// Charts that are tables or a number, drawn as HTML (readable by screen readers).
function htmlChart(chart, data, label, T, onPick) {
  const ids = dims(data);
  switch (chart.type) {
    case "kpi":
      return h("div", { class: "report-kpi" },
        h("strong", { class: "report-kpi-value", dataset: { testid: "kpi-value" } }, chart.value ?? T.blank),
        h("span", { class: "report-kpi-change muted" }, chart.previous === null || chart.previous === undefined
          ? "" : `${T.change} ${chart.change_text}`));
    case "table":
      return htmlTable(chart.columns.map((c) => (c.role === "measure" ? label.measure(c.id) : label.dimension(c.id))),
        chart.rows.map((r) => [chart.columns.map((c) => (c.role === "dimension" ? label.value(c.id, r[c.id]) : r[c.id])),
          ids.length ? Object.fromEntries(ids.map((id) => [id, r[id]])) : null]), onPick);
    case "leaderboard":
      return htmlTable([T.rank, label.dimension(ids[0]), label.measure((data.columns.find((c) => c.role === "measure") || {}).id)],
        chart.items.map((i) => [[i.rank, label.value(ids[0], i.name), i.value], { [ids[0]]: i.name }]), onPick);
    case "pivot": {
      const [rowDim, colDim] = ids;
      const head = [label.dimension(rowDim)];
      const cols = chart.columns.length ? chart.columns : [null];
      for (const c of cols) for (const m of chart.measures) head.push(c === null ? label.measure(m) : `${label.value(colDim, c)} · ${label.measure(m)}`);
      for (const m of chart.measures) head.push(`${T.total} · ${label.measure(m)}`);
      const rows = chart.rows.map((r, i) => [[label.value(rowDim, r),
        ...chart.cells[i].flatMap((cell) => chart.measures.map((m) => (cell ? cell[m] : ""))),
        ...chart.measures.map((m) => chart.row_totals[i][m])], { [rowDim]: r }]);
      rows.push([[T.total, ...chart.column_totals.flatMap((t) => chart.measures.map((m) => t[m])),
        ...chart.measures.map((m) => chart.total[m])], null]);
      return htmlTable(head, rows, onPick);
    }
    default:
      return h("p", { class: "muted" }, chart.type);
  }
}

// Draws ``chart`` (the registry's data, with ``type``) into ``box``. ``onPick(cell)`` is
// called with {dimension id: value} when a bar, slice, stage or row is clicked.
// The ECharts instance is kept on the box (``box.chart``): PNG export and tests read it.
export function drawChart(box, chart, data, { label, T, onPick } = {}) {
  if (box.chart) { box.chart.dispose(); box.chart = null; }
  if (box.resizer) { box.resizer.disconnect(); box.resizer = null; }
  box.replaceChildren();
  box.dataset.chartType = chart.type;
  if (!ECHARTS.has(chart.type)) {
    box.append(htmlChart(chart, data, label, T, onPick));
    return null;
  }
  const built = chartOption(chart, data, label);
  const canvas = h("div", { class: "report-canvas", role: "img", "aria-label": T.chart });
  box.append(canvas);
  const instance = echarts.init(canvas, null, { renderer: "canvas" });
  // Tooltips drawn on the canvas (richText): ECharts' HTML tooltips carry inline style
  // attributes, which the pages' Content-Security-Policy (style-src 'self') refuses.
  const option = { animation: false, ...built.option };
  if (option.tooltip) option.tooltip = { ...option.tooltip, renderMode: "richText" };
  instance.setOption(option);
  if (onPick) {
    instance.on("click", (p) => {
      const cell = built.cell(p);
      if (cell) onPick(cell);
    });
  }
  box.chart = instance;
  box.resizer = new ResizeObserver(() => instance.resize());
  box.resizer.observe(canvas);
  return instance;
}

// The chart as a PNG download (ECharts draws it again on a white background).
export function downloadPng(box, name) {
  if (!box.chart) return false;
  const link = h("a", { href: box.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }),
    download: `${name}.png` });
  document.body.append(link);
  link.click();
  link.remove();
  return true;
}
