// The heap as Python Tutor draws it: variables on the left (globals and each frame's
// stack slots), heap objects as boxes in columns by distance from them, and an arrow
// from every reference to the box it points at. Objects come from a snapshot of
// /api/snapshot, already numbered; the layout is computed here.
const NS = "http://www.w3.org/2000/svg";
const ROW = 17;
const BOX_WIDTH = 170;
const GAP = 60;
const MAX_DRAWN = 60;

function el(name, attributes, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function clip(text, n) {
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

export function drawHeap(root, snapshot) {
  root.textContent = "";
  const objects = snapshot.objects;
  // Variables: globals, then the stack (the script's closure in slot 0 is left out).
  const variables = [];
  for (const g of snapshot.globals) variables.push({ label: g.name, value: g.value });
  snapshot.stack.forEach((v, i) => {
    if (i > 0) variables.push({ label: `stack[${i}]`, value: v });
  });
  // Columns: objects by distance from the variables.
  const column = new Map();
  let frontier = [];
  for (const v of variables) {
    if (v.value.object !== null && !column.has(v.value.object)) {
      column.set(v.value.object, 0);
      frontier.push(v.value.object);
    }
  }
  while (frontier.length) {
    const next = [];
    for (const id of frontier) {
      for (const f of objects[id]?.fields ?? []) {
        const target = f.value.object;
        if (target !== null && !column.has(target)) {
          column.set(target, column.get(id) + 1);
          next.push(target);
        }
      }
    }
    frontier = next;
  }
  const drawn = [...column.keys()].slice(0, MAX_DRAWN);
  const drawnSet = new Set(drawn);
  const varWidth = 150;
  const positions = new Map();
  const heights = [];
  for (const id of drawn) {
    const c = column.get(id);
    const o = objects[id];
    const h = ROW * (1 + o.fields.length) + 6;
    const y = (heights[c] ?? 0) + 8;
    heights[c] = y + h;
    positions.set(id, { x: varWidth + GAP + c * (BOX_WIDTH + GAP), y, h });
  }
  const width = varWidth + GAP + heights.length * (BOX_WIDTH + GAP);
  const height = Math.max(ROW * variables.length + 16, ...heights.map((h) => h + 8), 60);
  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}` });
  svg.append(el("defs", {}));
  svg.firstChild.innerHTML = '<marker id="heap-arrow" markerWidth="7" markerHeight="7" refX="6" refY="3.5" orient="auto"><path d="M0,0 L7,3.5 L0,7 z" fill="#0969da"/></marker>';
  const arrows = [];
  variables.forEach((v, i) => {
    const y = 8 + i * ROW;
    svg.append(el("rect", { x: 2, y, width: varWidth, height: ROW, fill: "#f6f8fa", stroke: "#d0d7de" }));
    const text = v.value.object !== null && drawnSet.has(v.value.object) ? `${v.label}` : `${v.label} = ${v.value.text}`;
    svg.append(el("text", { x: 6, y: y + 12.5 }, clip(text, 22)));
    if (v.value.object !== null && drawnSet.has(v.value.object)) arrows.push([varWidth - 4, y + ROW / 2, v.value.object]);
  });
  for (const id of drawn) {
    const o = objects[id];
    const { x, y, h } = positions.get(id);
    const g = el("g", { "data-object": id, "data-kind": o.kind });
    g.append(el("rect", { x, y, width: BOX_WIDTH, height: h, rx: 4, fill: o.kind === "string" ? "#fff8c5" : "#ddf4ff", stroke: "#54aeff" }));
    g.append(el("text", { x: x + 6, y: y + 13, "font-weight": "bold" }, clip(`${o.kind} ${o.title}`, 24)));
    o.fields.forEach((f, k) => {
      const fy = y + ROW * (k + 1) + 3;
      g.append(el("line", { x1: x, x2: x + BOX_WIDTH, y1: fy, y2: fy, stroke: "#b6e3ff" }));
      const linked = f.value.object !== null && drawnSet.has(f.value.object);
      g.append(el("text", { x: x + 6, y: fy + 12.5 }, clip(linked ? f.name : `${f.name} = ${f.value.text}`, 24)));
      if (linked) arrows.push([x + BOX_WIDTH - 6, fy + ROW / 2, f.value.object]);
    });
    svg.append(g);
  }
  for (const [x1, y1, target] of arrows) {
    const t = positions.get(target);
    const x2 = t.x;
    const y2 = t.y + 9;
    const bend = Math.max(30, Math.abs(x2 - x1) / 2);
    svg.append(el("path", {
      d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2 - 2} ${y2}`,
      fill: "none", stroke: "#0969da", "stroke-width": 1.3, "marker-end": "url(#heap-arrow)",
    }));
  }
  root.append(svg);
  if (snapshot.objects_cut_off || column.size > MAX_DRAWN) {
    const note = document.createElement("div");
    note.className = "hint";
    note.textContent = "More objects are reachable than are drawn.";
    root.append(note);
  }
}
