// The kanban board: drag a card to another column to set the grouping field. The record is
// PATCHed with the version the board read; when that fails (changed elsewhere, not allowed,
// not valid) the card goes back where it was and the message says why.
import Sortable from "/static/vendor/sortable.esm.js";
import { bindViewSwitch, pageData, problemText, send, showMessage } from "./views_common.js";

const data = pageData("views-data");
const text = pageData("views-text");

function recount(column, delta) {
  const badge = column.closest(".kanban-column").querySelector(".kanban-count");
  badge.dataset.total = String(Number(badge.dataset.total) + delta);
  badge.textContent = badge.dataset.total;
}

async function moved(event) {
  const { item, from, to, oldIndex } = event;
  if (from === to) return;
  showMessage("");
  item.classList.add("saving");
  const option = to.dataset.option || null;
  const response = await send("PATCH", `${data.api}/records/${item.dataset.id}`,
    { version: Number(item.dataset.version), [data.key]: option });
  item.classList.remove("saving");
  if (response.ok) {
    item.dataset.version = String((await response.json()).version);
    recount(from, -1);
    recount(to, 1);
    return;
  }
  from.insertBefore(item, from.children[oldIndex] || null);  // back where it was
  showMessage(await problemText(response, text.failed));
}

if (data.key) {
  for (const list of document.querySelectorAll(".kanban-cards")) {
    Sortable.create(list, {
      group: "kanban", animation: 120, forceFallback: true, disabled: !data.movable,
      filter: ".saving", onEnd: moved,
    });
  }
}

// Load more, per column.
document.addEventListener("click", async (event) => {
  const button = event.target.closest(".kanban-more");
  if (!button) return;
  const list = button.closest(".kanban-column").querySelector(".kanban-cards");
  const params = new URLSearchParams(location.search);
  params.set("option", list.dataset.option);
  params.set("cursor", button.dataset.cursor);
  const response = await fetch(`${data.cards_url}?${params}`, { headers: { Accept: "text/html" } });
  if (!response.ok) {
    showMessage(await problemText(response, text.failed));
    return;
  }
  list.insertAdjacentHTML("beforeend", await response.text());
  button.dataset.cursor = response.headers.get("X-Next-Cursor") || "";
  button.hidden = !button.dataset.cursor;
});

bindViewSwitch();
