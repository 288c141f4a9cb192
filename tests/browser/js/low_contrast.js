// (selectors) => [selector, text, ratio] of visible elements whose text contrast is below 4.5:1
// (WCAG 2 relative luminance; the background is the first opaque one up the tree)
(selectors) => {
  const rgb = (c) => c.match(/[\d.]+/g).map(Number);
  const channel = (v) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0.5) return c.slice(0, 3);
    }
    return [15, 20, 25];
  };
  const out = [];
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel)) {
      if (el.offsetParent === null || !el.textContent.trim()) continue;
      const a = lum(rgb(getComputedStyle(el).color).slice(0, 3));
      const b = lum(background(el));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) out.push([sel, el.textContent.trim().slice(0, 40), Number(ratio.toFixed(2))]);
    }
  }
  return out;
}
