// The designer's actions: preview, save, publish (dry run first), discard, version history.
import {
  S, applyErrors, forget, normalise, outgoing, refreshPreview, renderCanvas, save, select, showAlert, showStatus,
} from "/static/js/designer.js";
import { format, h, pick, request } from "/static/js/designer_util.js";

const dialog = document.querySelector(".dz-dialog");
const root = document.querySelector(".designer");
const DEFINITION = () => `/api/v1/apps/${encodeURIComponent(S.boot.app)}/definitions/form/${encodeURIComponent(S.boot.form)}`;

function button(text, onclick, { primary = false, testid, disabled = false } = {}) {
  return h("button", { type: "button", class: primary ? "primary" : "button", onclick, disabled,
    dataset: testid ? { testid } : {} }, text);
}

function openDialog(title, body, actions) {
  dialog.querySelector(".dz-dialog-body").replaceChildren(h("h2", {}, title), ...[body].flat());
  dialog.querySelector(".dz-dialog-actions").replaceChildren(...actions);
  if (!dialog.open) dialog.showModal();
}

function closeDialog() { if (dialog.open) dialog.close(); }

function confirmDialog(title, text, okText, onOk) {
  openDialog(title, h("p", {}, text), [button(S.T.cancel, closeDialog), button(okText, onOk, { primary: true })]);
}

// --- publishing

function nameOf(id) {
  const all = [...S.body.fields, ...S.body.trash.map((t) => t.field), ...(S.boot.live?.fields || [])];
  const [top, child] = id.split(".");  // a sub-form's new column is reported as "<sub-form>.<column>"
  const found = all.find((x) => x.id === top);
  const f = child ? (found?.fields || []).find((x) => x.id === child) : found;
  return f ? `${pick(f.label, S.boot.locale)} (${f.key})` : id;
}

function typeName(type) { return S.boot.types[type]?.name || type; }

function table(head, rows) {
  return h("table", { class: "dz-table" }, h("thead", {}, h("tr", {}, head.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((x) => h("td", {}, String(x ?? "")))))));
}

export function reportNodes(report) {
  const T = S.T;
  const nodes = [];
  if (report.created) nodes.push(h("p", {}, T.created));
  for (const kind of ["added", "renamed", "deleted", "restored", "purged", "unique_added", "unique_dropped",
    "index_added", "index_dropped", "backups_purged"]) {
    if (!report[kind]?.length) continue;
    const names = kind === "backups_purged" ? report[kind] : report[kind].map(nameOf);
    nodes.push(h("section", { dataset: { report: kind } }, h("h3", {}, T[kind]), h("ul", {}, names.map((n) => h("li", {}, n)))));
  }
  const converted = Object.entries(report.converted || {});
  if (converted.length) {
    nodes.push(h("section", { dataset: { report: "converted" } }, h("h3", {}, T.converted), converted.map(([id, c]) => {
      const total = c.values ?? c.failed;
      return h("div", { class: "dz-conversion" },
        h("p", {}, h("strong", {}, nameOf(id)), " ",
          format(T.convert_line, { from: typeName(c.from), to: typeName(c.to), ok: total - c.failed, n: total })),
        c.failed ? [h("p", { class: "field-error" }, format(T.convert_failed, { n: c.failed })),
          table([T.record, T.value, T.reason], c.failures.map((x) => [x.id, x.value, x.reason]))] : null);
    })));
  }
  for (const [id, values] of Object.entries(report.duplicates || {})) {
    nodes.push(h("section", { dataset: { report: "duplicates" } }, h("h3", {}, `${T.duplicates}: ${nameOf(id)}`),
      table([T.value, T.count], values.map((x) => [x.value, x.count]))));
  }
  if (!nodes.length) nodes.push(h("p", {}, T.no_changes));
  return nodes;
}

// A field now required that records have no value for: a value to fill them with, per field.
function fillNodes(report, fills, onChange) {
  const T = S.T;
  return Object.entries(report.required_blank || {}).map(([id, n]) => {
    const f = S.body.fields.find((x) => x.id === id);
    const set = (e) => { fills[id] = e.target.value; onChange(); };
    const input = f?.type === "select"
      ? h("select", { onchange: set, dataset: { testid: `fill-${f.key}` } }, h("option", { value: "" }, T.none),
        (f.options || []).map((o) => h("option", { value: o.id }, pick(o.label, S.boot.locale))))
      : h("input", { oninput: set, dataset: { testid: `fill-${f?.key || id}` } });
    return h("section", { dataset: { report: "required_blank" } },
      h("h3", {}, nameOf(id)), h("p", { class: "field-error" }, format(T.required_blank, { n })),
      h("label", { class: "dz-prop" }, T.fill_value, input));
  });
}

function failed(res) {
  if (res.status === 409 && !res.data?.errors) {
    S.conflict = true;
    showAlert(`${res.data?.title || ""} ${S.T.conflict}`);
  } else {
    applyErrors(res.data, outgoing());
  }
}

async function publish() {
  const T = S.T;
  if (!(await save())) return;
  if (!S.hasDraft) return;
  openDialog(T.publish_title, h("p", {}, T.checking), [button(T.cancel, closeDialog)]);
  const res = await request("POST", `${S.API}:publish?dry_run=true`, { revision: S.revision });
  if (!res.ok) { closeDialog(); failed(res); return; }
  const report = res.data.report || {};
  const force = Object.values(report.converted || {}).some((c) => c.failed);
  const blocked = Object.keys(report.duplicates || {}).length > 0;
  // Publishing waits for a fill value for every required field records would have none for.
  const fills = {};
  const needed = Object.keys(report.required_blank || {});
  const filled = () => needed.every((id) => (fills[id] || "").trim());
  const confirm = button(force ? T.confirm_force : T.confirm_publish, () => publishNow(force, fills),
    { primary: true, testid: "confirm-publish", disabled: blocked || !filled() });
  const fillBoxes = fillNodes(report, fills, () => { confirm.disabled = blocked || !filled(); });
  openDialog(T.publish_title, [...reportNodes(report), ...fillBoxes], [button(T.cancel, closeDialog), confirm]);
}

async function publishNow(force, fills = {}) {
  const body = Object.keys(fills).length ? { fill: fills } : undefined;
  const res = await request("POST", `${S.API}:publish${force ? "?force=true" : ""}`, { body, revision: S.revision });
  if (!res.ok) { closeDialog(); failed(res); return; }
  forget();
  location.replace(`${location.pathname}?published=${res.data.version}`);
}

// --- discarding and history

function discard() {
  const T = S.T;
  confirmDialog(T.discard, T.discard_confirm, T.delete, async () => {
    await S.saving;
    const res = await request("DELETE", `${DEFINITION()}/draft`, { revision: S.revision });
    closeDialog();
    if (!res.ok) { failed(res); return; }
    forget();
    location.replace(S.boot.live ? location.pathname : `/apps/${encodeURIComponent(S.boot.app)}`);
  });
}

function when(at) { return at ? new Date(at).toLocaleString(S.boot.locale) : ""; }

function showHistory() {
  const T = S.T;
  const items = S.boot.versions.map((v, i) => {
    const before = S.boot.versions[i + 1];
    return h("li", { class: "dz-version", dataset: { version: String(v.version) } },
      h("span", {}, h("strong", {}, format(T.version, { n: v.version })), ` · ${v.by} · ${when(v.at)}`),
      h("span", { class: "dz-tools" },
        before ? button(T.diff, () => showDiff(before.version, v.version)) : null,
        button(T.restore_version, () => useVersion(v.version))));
  });
  openDialog(T.history, h("ul", { class: "dz-versions" }, items), [button(T.close, closeDialog)]);
}

async function showDiff(a, b) {
  const T = S.T;
  const res = await request("GET", `${DEFINITION()}/diff?a=${a}&b=${b}`);
  const show = (x) => (x === undefined ? "" : JSON.stringify(x).slice(0, 160));
  const changes = res.ok ? res.data : [];
  openDialog(`${format(T.version, { n: a })} → ${format(T.version, { n: b })}`,
    changes.length ? table(["", "", "", ""], changes.map((c) => [T[`${c.op}_op`] || c.op, c.path, show(c.before), show(c.after)]))
      : h("p", {}, res.ok ? T.no_diff : T.error),
    [button(T.close, showHistory)]);
}

function useVersion(n) {
  const T = S.T;
  confirmDialog(format(T.version, { n }), format(T.restore_confirm, { n }), T.restore_version, async () => {
    const res = await request("GET", `${DEFINITION()}/versions/${n}`);
    closeDialog();
    if (!res.ok) { showAlert(res.data?.title || T.error); return; }
    // The trash and the backup columns hold data: the restored draft keeps today's, so
    // publishing it purges nothing. Fields it lacks go to the trash on publish.
    const body = structuredClone(res.data.body);
    const live = new Set((body.fields || []).map((f) => f.id));
    body.trash = S.body.trash.filter((t) => !live.has(t.field.id));
    body.backups = S.body.backups;
    S.body = normalise(body);
    S.changes += 1;
    select(null);
    renderCanvas();
    await save();
  });
}

// --- wiring

export function setupActions() {
  const act = (name) => root.querySelector(`[data-action=${name}]`);
  const previewButton = act("preview");
  const phone = act("phone");
  previewButton.addEventListener("click", () => {
    S.preview = !S.preview;
    previewButton.setAttribute("aria-pressed", String(S.preview));
    root.querySelector(".dz-rows").hidden = S.preview;
    root.querySelector(".dz-preview").hidden = !S.preview;
    phone.hidden = !S.preview;
    if (S.preview) refreshPreview();
  });
  phone.addEventListener("click", () => {
    const on = phone.getAttribute("aria-pressed") !== "true";
    phone.setAttribute("aria-pressed", String(on));
    root.querySelector(".dz-frame").classList.toggle("dz-phone-frame", on);
  });
  act("save").addEventListener("click", () => save());
  act("publish").addEventListener("click", publish);
  act("discard").addEventListener("click", discard);
  act("history").addEventListener("click", showHistory);
  act("history").disabled = !S.boot.versions.length;
  const published = new URLSearchParams(location.search).get("published");
  if (published) {
    window.history.replaceState(null, "", location.pathname);
    showStatus();
    document.querySelector("[data-testid=save-status]").textContent = `${S.T.published} ${format(S.T.version, { n: published })}`;
  }
  const update = () => { act("discard").disabled = !S.hasDraft; };
  update();
  document.addEventListener("designer:saved", update);
}
