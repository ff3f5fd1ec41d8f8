// The Export menu of the table, kanban and calendar views: exports what the view shows.
// The view's state is in the address (view, filter, sort, q, columns by field id); the
// export API takes field keys. The export is streamed: progress lines while the server
// writes the file, then a one-time address the browser downloads it from.
import { format, problemText } from "./views_common.js";

const menu = document.querySelector(".export-menu");
const status = document.querySelector(".export-status");

function keysById() {
  const data = document.getElementById("views-data");
  const fields = data ? JSON.parse(data.textContent).fields || [] : [];
  return Object.fromEntries(fields.filter((f) => f.key).map((f) => [f.id, f.key]));
}

function exportParams(fmt) {
  const here = new URLSearchParams(location.search);
  const keys = keysById();
  const params = new URLSearchParams({ format: fmt, stream: "1" });
  if (here.get("view")) params.set("view", here.get("view"));
  if (here.has("filter")) params.set("filter", here.get("filter") || "null");
  if (here.get("q")) params.set("q", here.get("q"));
  if (here.has("sort")) {
    params.set("sort", here.get("sort").split(",").filter(Boolean).map((part) => {
      const descending = part.startsWith("-");
      const id = descending ? part.slice(1) : part;
      return (descending ? "-" : "") + (keys[id] || id);
    }).join(","));
  }
  if (here.has("columns")) {
    params.set("fields", here.get("columns").split(",").filter((id) => keys[id]).map((id) => keys[id]).join(","));
  }
  if (params.get("filter") === "null") params.delete("filter");
  return params;
}

function show(text, done, total) {
  status.hidden = false;
  status.querySelector("[data-role=text]").textContent = text;
  const bar = status.querySelector("progress");
  if (total) { bar.max = total; bar.value = done; } else bar.removeAttribute("value");
}

async function run(fmt) {
  menu.open = false;
  show(menu.dataset.starting, 0, 0);
  let response;
  try {
    response = await fetch(`${menu.dataset.url}?${exportParams(fmt)}`, {
      headers: { Accept: "application/x-ndjson" }, credentials: "same-origin" });
  } catch {
    show(menu.dataset.failed, 0, 0);
    return;
  }
  if (!response.ok) {
    show(await problemText(response, menu.dataset.failed), 0, 0);
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let total = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (line.error) {
        const problem = line.error;
        show([problem.title, problem.detail].filter(Boolean).join(" ") || menu.dataset.failed, 0, 0);
        return;
      }
      if (line.total !== undefined && line.total !== null) total = line.total;
      if (line.download) {
        show(format(menu.dataset.ready, { done: line.done }), line.done, line.done || 1);
        const link = document.createElement("a");
        link.href = line.download;
        link.download = line.name || "";
        document.body.append(link);
        link.click();
        link.remove();
        return;
      }
      show(format(menu.dataset.progress, { done: line.done, total: total ?? "?" }), line.done, total);
    }
  }
}

if (menu) {
  for (const button of menu.querySelectorAll("[data-export-format]")) {
    button.addEventListener("click", () => run(button.dataset.exportFormat));
  }
}
