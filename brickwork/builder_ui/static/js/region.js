// The cascading region picker: province → city → district lists filled from the national
// division list (static/vendor/regions.json, codes of 2, 4 and 6 digits; values are the
// six-digit codes the server stores). Choosing a level empties the levels below it.
const PLACEHOLDER_CITIES = new Set(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"]);
let loaded = null;

export function regionTree() {
  loaded ??= fetch("/static/vendor/regions.json").then((r) => r.json());
  return loaded;
}

const full = (code) => code.padEnd(6, "0");

// The children of a six-digit code ("" for the provinces) as [{code, name}].
function childrenOf(tree, parent) {
  const named = (items, parentName) => (items || []).map((item) => ({ code: full(item.code),
    name: PLACEHOLDER_CITIES.has(item.name) && item.code.length === 4 ? parentName : item.name }));
  if (!parent) return named(tree, "");
  const province = tree.find((p) => p.code === parent.slice(0, 2));
  if (!province) return [];
  if (parent.slice(2) === "0000") return named(province.children, province.name);
  const city = (province.children || []).find((c) => c.code === parent.slice(0, 4));
  return city ? named(city.children, city.name) : [];
}

// Wires the <select data-level> lists inside ``root``; ``onChange`` is told of each choice.
export async function regionPicker(root, onChange = () => {}) {
  if (root.dataset.wired) return;
  root.dataset.wired = "true";
  const selects = [...root.querySelectorAll("select[data-level]")];
  const tree = await regionTree();
  const fill = (select, parent) => {
    const keep = select.value;
    const blank = select.options[0];
    select.replaceChildren(blank);
    if (parent === null) return;
    for (const { code, name } of childrenOf(tree, parent)) {
      const option = document.createElement("option");
      option.value = code;
      option.textContent = name;
      select.append(option);
    }
    select.value = keep;
    if (select.value !== keep) select.value = "";
  };
  selects.forEach((select, i) => {
    fill(select, i === 0 ? "" : (selects[i - 1].value || null));
    select.addEventListener("change", () => {
      for (let j = i + 1; j < selects.length; j += 1) {
        selects[j].value = "";
        fill(selects[j], selects[j - 1].value || null);
      }
      onChange();
    });
  });
  root.dataset.ready = "true";
}

// Every cascade on the page, and those a sub-form's new row brings later.
const wire = () => document.querySelectorAll("[data-region]:not([data-wired])").forEach((root) => regionPicker(root));
wire();
new MutationObserver(wire).observe(document.body, { childList: true, subtree: true });
