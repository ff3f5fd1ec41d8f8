// A schedule in plain words: every day, weekday, week or month at a time, every hour, or a
// cron expression as such. The rule keeps the cron; simple crons are shown as the words
// they mean, anything else as "custom".
import { h } from "/static/js/designer_util.js";
import { R, box, select } from "/static/js/rules_state.js";

const pad = (n) => String(n).padStart(2, "0");

// {kind, time, day, minute} of a cron the words can say, else {kind: "custom"}.
export function describe(cron) {
  const parts = (cron || "").trim().split(/\s+/);
  if (parts.length !== 5 || !/^\d+$/.test(parts[0]) || parts[3] !== "*") return { kind: "custom" };
  const [minute, hour, dom, , dow] = parts;
  if (hour === "*" && dom === "*" && dow === "*") return { kind: "hourly", minute: Number(minute) };
  if (!/^\d+$/.test(hour)) return { kind: "custom" };
  const time = `${pad(hour)}:${pad(minute)}`;
  if (dom === "*" && dow === "*") return { kind: "daily", time };
  if (dom === "*" && dow === "1-5") return { kind: "weekdays", time };
  if (dom === "*" && /^[0-7]$/.test(dow)) return { kind: "weekly", time, day: Number(dow) % 7 };
  if (/^\d+$/.test(dom) && dow === "*") return { kind: "monthly", time, day: Number(dom) };
  return { kind: "custom" };
}

function cronOf(s) {
  const [hour, minute] = (s.time || "09:00").split(":").map(Number);
  switch (s.kind) {
    case "hourly": return `${s.minute || 0} * * * *`;
    case "daily": return `${minute} ${hour} * * *`;
    case "weekdays": return `${minute} ${hour} * * 1-5`;
    case "weekly": return `${minute} ${hour} * * ${s.day ?? 1}`;
    case "monthly": return `${minute} ${hour} ${s.day || 1} * *`;
    default: return s.cron;
  }
}

// trigger.cron edited in words; the sweep of a date-relative rule defaults to 09:00 daily.
export function schedulePart(trigger, errors) {
  const T = R.T;
  const cron = trigger.cron || (trigger.type === "date_relative" ? "0 9 * * *" : "");
  const s = cron ? { ...describe(cron), cron } : { kind: "daily", time: "09:00" };
  if (R.customCron) s.kind = "custom";  // chosen, even where the words could say the cron
  if (!cron) trigger.cron = cronOf(s);
  const apply = () => { trigger.cron = cronOf(s); R.render(); };
  const days = T.days_local.split(",");  // Monday first; cron counts Sunday as 0
  const parts = [box(T.frequency, select([["daily", T.daily], ["weekdays", T.weekdays], ["weekly", T.weekly],
    ["monthly", T.monthly], ["hourly", T.hourly], ["custom", T.custom]], s.kind, (v) => {
    s.kind = v;
    R.customCron = v === "custom";
    if (v !== "custom") apply(); else R.render();
  }, { dataset: { testid: "frequency" } }))];
  if (s.kind === "weekly") {
    parts.push(box(T.weekly, select(days.map((d, i) => [String((i + 1) % 7), d]), String(s.day ?? 1),
      (v) => { s.day = Number(v); apply(); })));
  }
  if (s.kind === "monthly") {
    parts.push(box(T.monthly, h("input", { type: "number", min: 1, max: 28, value: s.day || 1, class: "rd-number",
      onchange: (e) => { s.day = Math.min(28, Math.max(1, Number(e.target.value) || 1)); apply(); } })));
  }
  if (["daily", "weekdays", "weekly", "monthly"].includes(s.kind)) {
    parts.push(box(T.at, h("input", { type: "time", value: s.time || "09:00", dataset: { testid: "time" },
      onchange: (e) => { s.time = e.target.value || "09:00"; apply(); } })));
  }
  if (s.kind === "hourly") {
    parts.push(box(T.minute, h("input", { type: "number", min: 0, max: 59, value: s.minute || 0, class: "rd-number",
      onchange: (e) => { s.minute = Math.min(59, Math.max(0, Number(e.target.value) || 0)); apply(); } })));
  }
  if (s.kind === "custom") {
    parts.push(box(T.cron, h("input", { value: trigger.cron || "", dataset: { testid: "cron" }, spellcheck: "false",
      oninput: (e) => { trigger.cron = e.target.value; } })));
  }
  return h("fieldset", { class: "rd-schedule", dataset: { testid: "schedule" } }, h("legend", {}, T.frequency),
    h("div", { class: "rd-row" }, ...parts), ...errors);
}
