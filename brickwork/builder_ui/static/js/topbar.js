// The header's menu button on a phone: opens and closes the folded links, languages and
// account; a tap elsewhere or Escape closes it.
const button = document.querySelector(".topbar-menu");
const panel = document.getElementById("topbar-panel");
if (button && panel) {
  const toggle = (open) => {
    panel.classList.toggle("open", open);
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    toggle(!panel.classList.contains("open"));
  });
  document.addEventListener("click", (event) => {
    if (!panel.contains(event.target)) toggle(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") toggle(false);
  });
}

// The bell: how many notifications are unread, and a list of the latest with a link to each
// record; opening one or "mark all read" marks them read (the notifications API).
const bell = document.querySelector("[data-testid=bell]");
if (bell) {
  const bellButton = bell.querySelector(".bell-button");
  const count = bell.querySelector(".bell-count");
  const list = bell.querySelector(".bell-panel");
  const token = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
  const text = (tag, value, className) => {
    const node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  };
  let items = [];
  const show = (unread) => {
    count.hidden = !unread;
    count.textContent = unread > 99 ? "99+" : String(unread);
  };
  const load = async () => {
    const res = await fetch("/api/v1/notifications?limit=20", { credentials: "same-origin" }).catch(() => null);
    if (!res || !res.ok) return;
    const data = await res.json();
    items = data.items;
    show(data.unread);
    if (!list.hidden) draw();
  };
  const markRead = async (ids) => {
    await fetch("/api/v1/notifications:read", {
      method: "POST", credentials: "same-origin", keepalive: true,  // a link may leave the page
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token() },
      body: ids ? JSON.stringify({ ids }) : undefined,
    }).catch(() => null);
    await load();
  };
  const draw = () => {
    const head = document.createElement("div");
    head.className = "bell-head";
    head.append(text("strong", bell.dataset.title));
    const all = text("button", bell.dataset.readAll, "link");
    all.type = "button";
    all.dataset.testid = "bell-read-all";
    all.addEventListener("click", () => markRead(null));
    head.append(all);
    const ul = document.createElement("ul");
    for (const n of items) {
      const li = document.createElement("li");
      li.dataset.testid = "notification";
      if (!n.read) li.className = "unread";
      const when = text("small", new Date(n.created_at).toLocaleString());
      const body = n.record && n.form
        ? text("a", n.text, "bell-text") : text("span", n.text, "bell-text");
      if (body.tagName === "A") {
        body.href = `/apps/${encodeURIComponent(n.app)}/forms/${encodeURIComponent(n.form)}/records/${n.record}`;
        body.addEventListener("click", () => { if (!n.read) markRead([n.id]); });
      }
      body.append(when);
      li.append(body);
      if (!n.read) {
        const one = text("button", bell.dataset.read, "link");
        one.type = "button";
        one.addEventListener("click", () => markRead([n.id]));
        li.append(one);
      }
      ul.append(li);
    }
    list.replaceChildren(head, items.length ? ul : text("p", bell.dataset.empty, "muted"));
  };
  bellButton.addEventListener("click", (event) => {
    event.stopPropagation();
    list.hidden = !list.hidden;
    bellButton.setAttribute("aria-expanded", String(!list.hidden));
    if (!list.hidden) { draw(); load(); }
  });
  document.addEventListener("click", (event) => {
    if (!bell.contains(event.target)) { list.hidden = true; bellButton.setAttribute("aria-expanded", "false"); }
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") list.hidden = true; });
  load();
  // A rule may notify while the page is open: look again now and then while it is shown.
  setInterval(() => { if (document.visibilityState === "visible") load(); }, 30000);
}

// The inbox link's to-do count (the flow API's counts).
const inboxCount = document.querySelector("[data-testid=inbox-link-count]");
if (inboxCount) {
  fetch("/api/v1/flow-tasks?box=todo&limit=1", { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : null))
    .then((data) => {
      const n = data ? data.counts.todo : 0;
      inboxCount.hidden = !n;
      inboxCount.textContent = n > 99 ? "99+" : String(n);
    })
    .catch(() => null);
}
