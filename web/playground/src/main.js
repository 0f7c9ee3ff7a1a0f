// The playground page: a CodeMirror editor for Lox and Potato, the stage explorer
// (one pane per stage of `lox dump`, cross-highlighted with the source: the cursor's
// line in every pane, and a hovered item's source span in the editor), the
// output pane, and the VM stepper (a recorded run, stepped forwards and backwards,
// with the stack, frames, globals, open upvalues and heap drawn at each step).
//
// Everything the page shows comes from the JSON API (docs/playground.md): the page
// keeps no compiler of its own, so a WebAssembly build answering the same calls
// could replace the server.
import { EditorState, StateEffect, StateField, RangeSetBuilder, Compartment } from "@codemirror/state";
import { EditorView, Decoration, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, StreamLanguage } from "@codemirror/language";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import { loxMode, potatoMode } from "./modes.js";
import { EXAMPLES } from "./examples.js";
import { drawHeap } from "./heap.js";

const $ = (id) => document.getElementById(id);
const STAGE_TITLES = {
  tokens: "Tokens", ast: "AST", desugared: "Desugared", scopes: "Scopes", ir: "IR", bytecode: "Bytecode (hex)",
};

// ----- State ---------------------------------------------------------------------

let lang = "lox";
let compiled = null; // the last /api/compile answer
let recording = null; // the last /api/trace answer, while stepping
let current = 0; // the step shown
let snapshotSerial = 0;
const breakpoints = new Set();

// ----- API -------------------------------------------------------------------------

async function call(name, body) {
  const response = await fetch(`/api/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ error: "bad_answer", message: "The server's answer is not JSON." }));
  if (!response.ok) throw new Error(answer.message || `HTTP ${response.status}`);
  return answer;
}

function status(text) {
  $("status").textContent = text;
}

// ----- Editor ----------------------------------------------------------------------

const languages = { lox: StreamLanguage.define(loxMode), potato: StreamLanguage.define(potatoMode) };

// Decorations from the panes and the stepper: the source span of a hovered stage item
// (a mark), or its line when it has no span (a line decoration), and the line of the
// stepper's current instruction.
const setMarks = StateEffect.define();
const marksField = StateField.define({
  create: () => ({ hover: 0, span: null, step: 0 }),
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setMarks)) value = { ...value, ...e.value };
    // An edit makes a marked span stale: the stages are those of the text before it.
    if (tr.docChanged && value.span) value = { ...value, span: null };
    return value;
  },
  provide: (f) =>
    EditorView.decorations.from(f, (marks) => {
      const doc = currentDoc;
      const ranges = [];
      const line = (n, cls) => {
        if (doc && n > 0 && n <= doc.lines) ranges.push(Decoration.line({ class: cls }).range(doc.line(n).from));
      };
      line(marks.hover, "cm-source-hl");
      line(marks.step, "cm-current-line-step");
      const span = marks.span;
      if (doc && span && span.from < span.to && span.to <= doc.length) {
        ranges.push(Decoration.mark({ class: "cm-source-span" }).range(span.from, span.to));
      }
      return Decoration.set(ranges, true);
    }),
});
let currentDoc = null;

const languageCompartment = new Compartment();

// Breakpoints: a set of line numbers, drawn as red line numbers.
const setBreakpoints = StateEffect.define();
const breakpointField = StateField.define({
  create: () => [],
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setBreakpoints)) value = e.value;
    return value;
  },
  provide: (f) =>
    EditorView.decorations.from(f, (lines) => {
      const builder = new RangeSetBuilder();
      for (const n of [...lines].sort((a, b) => a - b)) {
        if (!currentDoc || n > currentDoc.lines) continue;
        const at = currentDoc.line(n).from;
        builder.add(at, at, Decoration.line({ class: "cm-breakpoint-line", attributes: { "data-breakpoint": "true" } }));
      }
      return builder.finish();
    }),
});

const view = new EditorView({
  parent: $("editor"),
  state: EditorState.create({
    doc: "",
    extensions: [
      lineNumbers({
        domEventHandlers: {
          mousedown(view, line) {
            toggleBreakpoint(view.state.doc.lineAt(line.from).number);
            return true;
          },
        },
      }),
      history(),
      highlightActiveLine(),
      lintGutter(),
      languageCompartment.of(languages.lox),
      syntaxHighlighting(defaultHighlightStyle),
      marksField,
      breakpointField,
      keymap.of([
        { key: "Mod-Enter", run: () => (run(), true) },
        { key: "F10", run: () => (stepBy(1), true) },
        { key: "Shift-F10", run: () => (stepBy(-1), true) },
        ...defaultKeymap,
        ...historyKeymap,
      ]),
      EditorView.updateListener.of((update) => {
        currentDoc = update.state.doc;
        if (update.docChanged) {
          scheduleCompile();
          stopStepping();
        }
        if (update.docChanged || update.selectionSet) highlightLine(cursorLine());
      }),
    ],
  }),
});
currentDoc = view.state.doc;

function cursorLine() {
  return view.state.doc.lineAt(view.state.selection.main.head).number;
}

function source() {
  return view.state.doc.toString();
}

function setSource(text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

function goToLine(n) {
  if (n < 1 || n > view.state.doc.lines) return;
  const line = view.state.doc.line(n);
  view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
  view.focus();
}

function toggleBreakpoint(n) {
  if (breakpoints.has(n)) breakpoints.delete(n);
  else breakpoints.add(n);
  view.dispatch({ effects: setBreakpoints.of([...breakpoints]) });
  for (const el of document.querySelectorAll(".cm-lineNumbers .cm-gutterElement")) {
    el.classList.toggle("breakpoint", breakpoints.has(Number(el.textContent)));
  }
}

// ----- Compiling and the stage panes ---------------------------------------------------

let compileTimer = null;
let compileSerial = 0;

function scheduleCompile() {
  clearTimeout(compileTimer);
  compileTimer = setTimeout(compile, 250);
}

async function compile() {
  const serial = ++compileSerial;
  const text = source();
  let answer;
  try {
    answer = await call("compile", { source: text, lang });
  } catch (e) {
    status(e.message);
    return;
  }
  if (serial !== compileSerial) return;
  compiled = answer;
  compiled.source = text;
  showDiagnostics(answer.diagnostics);
  renderStages(answer);
  highlightLine(cursorLine());
  if (recording) markCurrent(recording.steps[current][0], recording.steps[current][1]);
  status(answer.diagnostics.length ? `${answer.diagnostics.length} error(s)` : "compiled");
}

// Compile errors, marked in place: the JSON diagnostics' line and columns (1-based
// bytes, end exclusive) become editor ranges.
function showDiagnostics(diagnostics) {
  const doc = view.state.doc;
  const marks = [];
  for (const d of diagnostics) {
    if (!d.line || d.line > doc.lines) continue;
    const line = doc.line(d.line);
    const bytes = new TextEncoder().encode(line.text);
    const toChars = (col) => new TextDecoder().decode(bytes.slice(0, Math.max(0, col - 1))).length;
    let from = line.from;
    let to = line.to;
    if (d.columns && d.columns[1] > d.columns[0]) {
      from = line.from + toChars(d.columns[0]);
      to = line.from + toChars(d.columns[1]);
    }
    marks.push({ from, to: Math.max(to, from), severity: "error", message: d.message, source: `line ${d.line}` });
  }
  view.dispatch(setDiagnostics(view.state, marks));
  if (diagnostics.length) {
    const out = $("output");
    out.textContent = "";
    for (const d of diagnostics) appendLine(out, d.rendered, "error", d.line);
  }
}

function renderStages(answer) {
  const root = $("stages");
  root.textContent = "";
  for (const name of answer.order) {
    const pane = document.createElement("div");
    pane.className = "stage";
    pane.dataset.stage = name;
    const title = document.createElement("div");
    title.className = "pane-title";
    title.textContent = STAGE_TITLES[name] || name;
    const items = document.createElement("div");
    items.className = "items";
    const list = answer.stages[name];
    if (!list) {
      const empty = document.createElement("div");
      empty.className = "empty";
      empty.textContent = "The program must compile first.";
      items.append(empty);
    } else {
      let fn = 0;
      for (const item of list) {
        const el = document.createElement("div");
        el.className = "item";
        el.textContent = item.text;
        el.dataset.line = item.line;
        if (item.span) el.dataset.span = item.span.join(",");
        if (name === "bytecode") {
          const header = /\(function #(\d+),/.exec(item.text);
          if (header) fn = Number(header[1]);
          const offset = /^(\d{4}) /.exec(item.text);
          if (offset && !/^\d{4}\s+\|\s+(local|upvalue) /.test(item.text)) {
            el.dataset.fn = fn;
            el.dataset.offset = Number(offset[1]);
            const jump = / -> (\d+)$/.exec(item.text);
            if (jump) el.dataset.target = jump[1];
          }
        }
        el.addEventListener("mouseenter", () => markItem(item));
        el.addEventListener("mouseleave", () => markItem(null));
        el.addEventListener("click", () => item.line && goToLine(item.line));
        items.append(el);
      }
    }
    pane.append(title, items);
    root.append(pane);
    if (name === "bytecode" && list) requestAnimationFrame(() => drawJumpArrows(items));
  }
}

// A hovered item's source: its span (bytes of the source it was compiled from) when it
// has one and the text is still that source, else its line.
function markItem(item) {
  const span = item?.span && spanPositions(item.span);
  if (span) view.dispatch({ effects: setMarks.of({ hover: 0, span }) });
  else view.dispatch({ effects: setMarks.of({ hover: item?.line ?? 0, span: null }) });
}

// A span's bytes of the compiled source as editor positions (UTF-16 code units), or
// null when the editor's text is no longer the compiled source.
function spanPositions([start, end]) {
  if (!compiled || compiled.source !== source()) return null;
  compiled.bytes ??= new TextEncoder().encode(compiled.source);
  const bytes = compiled.bytes;
  if (end > bytes.length || start >= end) return null;
  const decoder = new TextDecoder();
  const from = decoder.decode(bytes.subarray(0, start)).length;
  return { from, to: from + decoder.decode(bytes.subarray(start, end)).length };
}

// The cursor's line: every item that came from it is highlighted, and the first one in
// each pane scrolled into view.
function highlightLine(line) {
  for (const pane of document.querySelectorAll("#stages .items")) {
    let first = null;
    for (const el of pane.children) {
      const on = Number(el.dataset.line) === line;
      el.classList.toggle("hl", on);
      if (on && !first) first = el;
    }
    if (first && !recording) scrollWithin(pane, first);
  }
}

function scrollWithin(pane, el) {
  const top = el.offsetTop;
  if (top < pane.scrollTop || top > pane.scrollTop + pane.clientHeight - 20) {
    pane.scrollTop = Math.max(0, top - pane.clientHeight / 3);
  }
}

// Jumps in the bytecode pane, as arrows in its left margin from the jump to its target.
function drawJumpArrows(pane) {
  pane.querySelector("svg.arrows")?.remove();
  const rows = [...pane.querySelectorAll(".item[data-offset]")];
  const byKey = new Map(rows.map((el) => [`${el.dataset.fn}:${el.dataset.offset}`, el]));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "arrows");
  svg.setAttribute("width", pane.scrollWidth);
  svg.setAttribute("height", pane.scrollHeight);
  let lane = 0;
  for (const el of rows) {
    if (!el.dataset.target) continue;
    const target = byKey.get(`${el.dataset.fn}:${el.dataset.target}`);
    if (!target) continue;
    const y1 = el.offsetTop + 8;
    const y2 = target.offsetTop + 8;
    const x = 250 + (lane++ % 6) * 7;
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", `M ${x - 40} ${y1} H ${x} V ${y2} H ${x - 40}`);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", y2 < y1 ? "#8250df" : "#0969da");
    path.setAttribute("stroke-width", "1.2");
    path.setAttribute("marker-end", "url(#arrowhead)");
    svg.append(path);
  }
  const defs = document.createElementNS(ns, "defs");
  defs.innerHTML = '<marker id="arrowhead" markerWidth="6" markerHeight="6" refX="5" refY="3" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#555"/></marker>';
  svg.prepend(defs);
  pane.append(svg);
}

// ----- Running ---------------------------------------------------------------------------

function appendLine(out, text, cls, line) {
  const span = document.createElement("span");
  span.textContent = text + "\n";
  if (cls) span.className = cls;
  if (line) {
    span.classList.add("frame");
    span.addEventListener("click", () => goToLine(line));
  }
  out.append(span);
}

function showRunResult(output, error, diagnostics) {
  const out = $("output");
  out.textContent = "";
  if (diagnostics && diagnostics.length) {
    for (const d of diagnostics) appendLine(out, d.rendered, "error", d.line);
    return;
  }
  out.append(document.createTextNode(output));
  if (error) {
    appendLine(out, error.message + (error.detail ? ` (${error.detail})` : ""), "error");
    for (const frame of error.trace) {
      if (frame.repeated) appendLine(out, `[previous ${frame.repeated.lines} line(s) repeated ${frame.repeated.times} more times]`, "error");
      else if (frame.omitted) appendLine(out, `[... ${frame.omitted} more frames ...]`, "error");
      else appendLine(out, `[line ${frame.line}] in ${frame.function ? frame.function + "()" : "script"}`, "error", frame.line);
    }
  }
}

async function run() {
  stopStepping();
  status("running…");
  try {
    const answer = await call("run", { source: source(), lang });
    showRunResult(answer.output ?? "", answer.error, answer.diagnostics);
    status(answer.error ? "runtime error" : answer.diagnostics.length ? "compile error" : "done");
  } catch (e) {
    status(e.message);
  }
}

// ----- The stepper ---------------------------------------------------------------------

async function record() {
  status("recording…");
  let answer;
  try {
    answer = await call("trace", { source: source(), lang });
  } catch (e) {
    status(e.message);
    return;
  }
  if (answer.diagnostics.length) {
    showRunResult("", null, answer.diagnostics);
    status("compile error");
    return;
  }
  recording = { ...answer, source: source() };
  $("stepper").hidden = false;
  status(`recorded ${answer.steps.length} steps`);
  await show(0);
}

function stopStepping() {
  if (!recording) return;
  recording = null;
  $("stepper").hidden = true;
  view.dispatch({ effects: setMarks.of({ step: 0 }) });
  for (const el of document.querySelectorAll(".item.current")) el.classList.remove("current");
}

async function stepBy(delta) {
  if (!recording) return;
  await show(Math.max(0, Math.min(recording.steps.length - 1, current + delta)));
}

async function runUntil(predicate) {
  if (!recording) return;
  for (let i = current + 1; i < recording.steps.length; i++) {
    if (predicate(recording.steps[i])) return show(i);
  }
  await show(recording.steps.length - 1);
}

async function show(index) {
  current = index;
  const steps = recording.steps;
  const [fn, offset, line, , outputBytes] = steps[index];
  const cut = recording.cut_off && index === steps.length - 1;
  $("position").innerHTML = "";
  $("position").append(`step ${index + 1} of ${steps.length}` + (line ? ` · line ${line}` : ""));
  if (recording.cut_off) {
    const note = document.createElement("span");
    note.className = "cut";
    note.textContent = ` · cut off: the recording keeps the first ${recording.max_steps} instructions`;
    $("position").append(note);
  }
  view.dispatch({ effects: setMarks.of({ step: line }) });
  markCurrent(fn, offset);
  drawCallArrow(index);
  // The output printed before this step.
  const bytes = new TextEncoder().encode(recording.output).slice(0, outputBytes);
  const out = $("output");
  out.textContent = new TextDecoder().decode(bytes);
  if (index === steps.length - 1 && recording.error && !cut) showRunResult(recording.output, recording.error);
  const serial = ++snapshotSerial;
  let answer;
  try {
    answer = await call("snapshot", { source: recording.source, lang, step: index });
  } catch (e) {
    status(e.message);
    return;
  }
  if (serial !== snapshotSerial || !answer.snapshot) return;
  renderSnapshot(answer.snapshot);
}

// The scopes pane's items as a tree, by their drawing's indentation (four
// characters a level).
function scopeTree(items) {
  const root = { label: "", children: [] };
  const open = [{ depth: -1, node: root }];
  for (const item of items) {
    const prefix = item.text.match(/^[│ ├└─]*/)[0];
    const depth = prefix.length / 4;
    const node = { label: item.text.slice(prefix.length), children: [] };
    while (open[open.length - 1].depth >= depth) open.pop();
    open[open.length - 1].node.children.push(node);
    open.push({ depth, node });
  }
  return root;
}

// The current instruction, highlighted in the bytecode pane.
function markCurrent(fn, offset) {
  for (const el of document.querySelectorAll(".item.current")) el.classList.remove("current");
  const bytecode = document.querySelector('#stages [data-stage="bytecode"] .items');
  const el = bytecode?.querySelector(`.item[data-fn="${fn}"][data-offset="${offset}"]`);
  if (el) {
    el.classList.add("current");
    scrollWithin(bytecode, el);
  }
}

// While stepping, a call (the next step is one frame deeper) or a return (one frame
// shallower) is drawn as an arrow in the bytecode pane from the current instruction to
// where execution goes next.
function drawCallArrow(index) {
  const pane = document.querySelector('#stages [data-stage="bytecode"] .items');
  if (!pane) return;
  pane.querySelector("svg.call-arrow")?.remove();
  const steps = recording?.steps;
  if (!steps || index + 1 >= steps.length) return;
  const [fn, offset, , depth] = steps[index];
  const [nextFn, nextOffset, , nextDepth] = steps[index + 1];
  if (nextDepth === depth) return;
  const from = pane.querySelector(`.item[data-fn="${fn}"][data-offset="${offset}"]`);
  const to = pane.querySelector(`.item[data-fn="${nextFn}"][data-offset="${nextOffset}"]`);
  if (!from || !to) return;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "arrows call-arrow");
  svg.setAttribute("width", pane.scrollWidth);
  svg.setAttribute("height", pane.scrollHeight);
  const y1 = from.offsetTop + 8;
  const y2 = to.offsetTop + 8;
  const x = 300;
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", `M ${x - 60} ${y1} C ${x + 40} ${y1}, ${x + 40} ${y2}, ${x - 60} ${y2}`);
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", nextDepth > depth ? "#1a7f37" : "#bf8700");
  path.setAttribute("stroke-width", "2");
  path.setAttribute("stroke-dasharray", "5 3");
  path.setAttribute("marker-end", "url(#arrowhead)");
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", x + 12);
  label.setAttribute("y", (y1 + y2) / 2);
  label.setAttribute("fill", nextDepth > depth ? "#1a7f37" : "#bf8700");
  label.textContent = nextDepth > depth ? "call" : "return";
  svg.append(path, label);
  pane.append(svg);
}

// Slot names for a frame, from the scopes pane: a function's parameters and locals
// are below it there, each with its slot; the script's locals are in its blocks (its
// own variables are globals, not slots).
function slotNames(frame) {
  const names = new Map();
  const items = compiled?.stages?.scopes;
  if (!items) return names;
  const tree = scopeTree(items);
  const isScope = (label) => /# (function|method|initializer|class)/.test(label);
  let target = null;
  if (frame.function === 0) {
    target = tree.children[0];
  } else {
    const find = (node) => {
      for (const child of node.children) {
        if (isScope(child.label) && child.label.startsWith(frame.name + " ")) return child;
        const found = find(child);
        if (found) return found;
      }
      return null;
    };
    target = find(tree);
  }
  const collect = (node) => {
    for (const child of node.children) {
      if (isScope(child.label)) continue;
      const m = /^@?(\S+) (\d+) # (parameter|variable)/.exec(child.label);
      if (m && !(frame.function === 0 && node === target)) {
        const slot = Number(m[2]);
        names.set(slot, names.has(slot) ? `${names.get(slot)}/${m[1]}` : m[1]);
      }
      collect(child);
    }
  };
  if (target) collect(target);
  return names;
}

function renderSnapshot(s) {
  const stack = $("stack");
  stack.textContent = "";
  const frameAt = new Map();
  s.frames.forEach((f, i) => frameAt.set(f.base, { frame: f, index: i }));
  let names = new Map();
  let base = 0;
  s.stack.forEach((v, i) => {
    const li = document.createElement("li");
    if (frameAt.has(i)) {
      const { frame } = frameAt.get(i);
      names = slotNames(frame);
      base = i;
      li.classList.add("slot-start");
    }
    li.textContent = v.text;
    const slot = i - base;
    const name = slot === 0 ? "" : names.get(slot);
    if (name) {
      const n = document.createElement("span");
      n.className = "name";
      n.textContent = name;
      li.append(n);
    }
    stack.append(li);
  });
  const frames = $("frames");
  frames.textContent = "";
  [...s.frames].reverse().forEach((f, i) => {
    const box = document.createElement("div");
    box.className = "frame-box" + (i === 0 ? " top" : "");
    const names = slotNames(f);
    const next = s.frames[s.frames.indexOf(f) + 1];
    const end = next ? next.base : s.stack.length;
    const slots = [];
    for (let k = f.base + 1; k < end; k++) {
      const name = names.get(k - f.base) || `(temporary ${k - f.base})`;
      slots.push(`${name} = ${s.stack[k]?.text ?? "?"}`);
    }
    box.textContent = `${f.function === 0 ? "<script>" : f.name + "()"} · line ${f.line}`;
    const detail = document.createElement("div");
    detail.className = "slots";
    detail.textContent = slots.join(", ");
    box.append(detail);
    box.addEventListener("click", () => goToLine(f.line));
    frames.append(box);
  });
  const kv = (root, rows) => {
    root.textContent = "";
    for (const [k, v] of rows) {
      const div = document.createElement("div");
      div.className = "kv";
      const key = document.createElement("span");
      key.className = "k";
      key.textContent = k;
      div.append(key, ` = ${v}`);
      root.append(div);
    }
  };
  kv($("globals"), s.globals.map((g) => [g.name, g.value.text]));
  kv($("upvalues"), s.upvalues.map((u) => [`stack[${u.slot}]`, u.value.text]));
  drawHeap($("heap"), s);
}

// ----- Examples, language, sharing ---------------------------------------------------

function setLang(next) {
  lang = next;
  $("lang").value = next;
  view.dispatch({ effects: languageCompartment.reconfigure(languages[next]) });
}

function loadExample(name) {
  const example = EXAMPLES.find((e) => e.name === name);
  if (!example) return;
  setLang(example.lang);
  setSource(example.source);
}

function encode(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decode(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function share() {
  const url = `${location.origin}${location.pathname}#lang=${lang}&code=${encode(source())}`;
  window.history.replaceState(null, "", url);
  navigator.clipboard?.writeText(url).catch(() => {});
  status("link in the address bar");
}

function fromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const code = params.get("code");
  if (code === null) return false;
  try {
    setLang(params.get("lang") === "potato" ? "potato" : "lox");
    setSource(decode(code));
    return true;
  } catch {
    return false;
  }
}

for (const example of EXAMPLES) {
  const option = document.createElement("option");
  option.value = example.name;
  option.textContent = `${example.name} (${example.lang === "lox" ? "Lox" : "Potato"})`;
  $("examples").append(option);
}
$("examples").addEventListener("change", (e) => loadExample(e.target.value));
$("lang").addEventListener("change", (e) => {
  setLang(e.target.value);
  scheduleCompile();
});
$("run").addEventListener("click", run);
$("record").addEventListener("click", record);
$("share").addEventListener("click", share);
$("first").addEventListener("click", () => recording && show(0));
$("back").addEventListener("click", () => stepBy(-1));
$("step").addEventListener("click", () => stepBy(1));
$("continue").addEventListener("click", () => runUntil((s) => breakpoints.has(s[2])));
$("to-line").addEventListener("click", () => {
  const line = cursorLine();
  runUntil((s) => s[2] === line);
});
window.addEventListener("resize", () => {
  const pane = document.querySelector('#stages [data-stage="bytecode"] .items');
  if (pane) drawJumpArrows(pane);
});

if (!fromHash()) loadExample(EXAMPLES[0].name);
compile();
