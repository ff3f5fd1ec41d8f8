// The designer on a phone (designer.css, max-width 600px): the palette folds behind an
// "Add a field" button and closes again once a type is added; the properties are a bottom
// sheet that opens when something is selected and folds with its handle. On a wider
// screen neither button is shown and nothing here changes what is seen.
const palette = document.querySelector(".dz-palette");
const paletteButton = document.querySelector(".dz-palette-toggle");
const sheet = document.querySelector(".dz-sheet");
const handle = document.querySelector(".dz-sheet-handle");

function openPalette(open) {
  palette.classList.toggle("open", open);
  paletteButton.setAttribute("aria-expanded", String(open));
}

function openSheet(open) {
  sheet.classList.toggle("folded", !open);
  handle.setAttribute("aria-expanded", String(open));
}

if (palette && sheet) {
  paletteButton.addEventListener("click", () => openPalette(!palette.classList.contains("open")));
  handle.addEventListener("click", () => openSheet(sheet.classList.contains("folded")));
  // A type was added (designer.js selects it): show its properties, fold the palette away.
  palette.addEventListener("click", (event) => {
    if (!event.target.closest(".dz-type")) return;
    openPalette(false);
    openSheet(true);
  });
  document.querySelector("[data-testid=canvas]").addEventListener("click", (event) => {
    if (event.target.closest(".dz-cell, .dz-section-cell")) openSheet(true);
  });
  document.querySelector("[data-action=rules]")?.addEventListener("click", () => openSheet(true));
}
