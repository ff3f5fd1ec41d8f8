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
