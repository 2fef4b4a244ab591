// Grouped bar charts as inline SVG (no library): one group per label, one bar per series.
const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * labels: ["2025-01", ...]; series: [{name, color, values: [number, ...]}]; format(value) -> text.
 * Returns an <svg> with a <title> per bar (the exact value on hover / for screen readers).
 */
export function barChart({ labels, series, format = String, title = "" }) {
  // Drawn at about a phone's width, so 11-unit text stays readable when the chart fills the screen.
  const width = 360;
  const height = 210;
  const pad = { top: 12, right: 6, bottom: 34, left: 48 };
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const groupW = plotW / Math.max(1, labels.length);
  const barW = Math.min(36, Math.max(2, (groupW * 0.8) / Math.max(1, series.length)));
  const groupUsed = barW * series.length;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  svg.append(el("title", {}, title));
  for (let i = 0; i <= 4; i += 1) {
    const y = pad.top + plotH - (plotH * i) / 4;
    svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, stroke: "#dfe5e1" }));
    svg.append(el("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#5d6b66" }, format((max * i) / 4)));
  }
  labels.forEach((label, gi) => {
    const gx = pad.left + gi * groupW + (groupW - groupUsed) / 2;
    series.forEach((s, si) => {
      const value = s.values[gi] || 0;
      const barH = (plotH * value) / max;
      const rect = el("rect", { x: gx + si * barW, y: pad.top + plotH - barH, width: barW - 1, height: Math.max(0, barH), fill: s.color, rx: 2 });
      rect.append(el("title", {}, `${s.name} · ${label}: ${format(value)}`));
      svg.append(rect);
    });
    svg.append(el("text", { x: gx + groupUsed / 2, y: height - pad.bottom + 16, "text-anchor": "middle", "font-size": 11, fill: "#1d2522" },
      label.length > 12 ? `${label.slice(0, 11)}…` : label));
  });
  return svg;
}
