// Suggested links on the record page: each relation with ``suggest`` lists the records the
// suggestions API ranks most alike; "Link" adds one to the relation (a PATCH with the version
// the page read) and shows the record as saved; "Open" opens the suggested record.
const token = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
const json = { Accept: "application/json" };

async function link(section, id, status) {
  const res = await fetch(section.dataset.record, { credentials: "same-origin", headers: json });
  const record = res.ok ? await res.json() : null;
  if (!record) { status.textContent = section.dataset.failed; return; }
  const field = section.dataset.field;
  const value = section.dataset.multiple === "true" ? [...(record[field] || []), id] : id;
  const saved = await fetch(section.dataset.record, {
    method: "PATCH", credentials: "same-origin",
    headers: { ...json, "Content-Type": "application/json", "X-CSRF-Token": token() },
    body: JSON.stringify({ [field]: value, version: record.version }),
  }).catch(() => null);
  if (saved?.ok) { window.location.reload(); return; }
  const problem = saved ? await saved.json().catch(() => ({})) : {};
  status.textContent = `${section.dataset.failed} ${problem.errors?.[0]?.message || problem.title || ""}`.trim();
}

for (const section of document.querySelectorAll("[data-suggest]")) {
  const list = section.querySelector("[data-testid=suggestion-items]");
  const status = section.querySelector("[data-testid=suggestion-status]");
  const res = await fetch(section.dataset.suggest, { credentials: "same-origin", headers: json }).catch(() => null);
  const items = res?.ok ? (await res.json()).items : [];
  if (!items.length) status.textContent = section.dataset.none;
  for (const item of items) {
    const li = document.createElement("li");
    li.dataset.testid = "suggestion";
    const open = document.createElement("a");
    open.href = section.dataset.open + item.id;
    open.textContent = item.title;
    open.className = "suggestion-title";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = section.dataset.link;
    button.dataset.testid = "suggestion-link";
    button.addEventListener("click", async () => {
      button.disabled = true;
      await link(section, item.id, status);
      button.disabled = false;
    });
    li.append(open, button);
    list.append(li);
  }
}
