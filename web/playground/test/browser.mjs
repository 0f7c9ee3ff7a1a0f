// The playground in a real browser: headless Chromium (Debian's `chromium`) driven by
// playwright-core, against a running `lox playground`. Run by the Rust test
// `playground::the_page_works_in_a_browser` (tests/suite/playground.rs) as
//
//   node test/browser.mjs URL ARTIFACTS_DIR
//
// It types a program and runs it, causes a compile error and checks its mark, steps
// the VM and checks the stack panel after each step against the API's snapshot,
// moves the cursor and checks the highlighted stage items, hovers stage items and
// checks the source span marked in the editor, switches to Potato and
// runs the bee example, saving a screenshot after each. Any failed check exits 1.
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, artifacts] = process.argv.slice(2);
if (!url || !artifacts) {
  console.error("usage: node test/browser.mjs URL ARTIFACTS_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "lox-playground-chromium-"));

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1500, height: 1000 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
let failed = false;
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector(".cm-content");
  await page.waitForSelector('#stages [data-stage="bytecode"] .item');

  async function setProgram(text) {
    await page.click(".cm-content");
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(text);
  }

  async function shot(name) {
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  }

  // 1. Type a program, run it, check the output.
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type("print 1 + 2;");
  await page.click("#run");
  await page.waitForFunction(() => document.getElementById("output").textContent === "3\n");
  await shot("1-run");
  console.log("ok: typed, ran, saw the output");

  // 2. A compile error is marked in place.
  await setProgram("var x = 1;\nprint x +;\n");
  await page.waitForSelector(".cm-lintRange-error");
  const marked = await page.$eval(".cm-lintRange-error", (el) => el.textContent);
  check(marked === ";", `the error mark covers ';', not ${JSON.stringify(marked)}`);
  const lineOfMark = await page.$eval(".cm-lintRange-error", (el) => {
    const lines = [...document.querySelectorAll(".cm-line")];
    return lines.findIndex((line) => line.contains(el)) + 1;
  });
  check(lineOfMark === 2, `the mark is on line 2, not ${lineOfMark}`);
  await shot("2-compile-error");
  console.log("ok: compile error marked");

  // 3. Step the VM; after each step, the stack panel shows the snapshot's stack.
  const program = "var a = 1;\nvar b = 2;\nprint a + b;\n";
  await setProgram(program);
  await page.waitForFunction(() => !document.querySelector(".cm-lintRange-error"));
  await page.click("#record");
  await page.waitForSelector("#stepper:not([hidden])");
  const stackTexts = () => page.$$eval("#stack li", (items) => items.map((li) => li.firstChild.textContent));
  let sawThree = false;
  for (let step = 0; step < 12; step++) {
    const expected = await page.evaluate(async ({ source, step }) => {
      const response = await fetch("/api/snapshot", { method: "POST", body: JSON.stringify({ source, step }) });
      const answer = await response.json();
      return answer.snapshot && answer.snapshot.stack.map((v) => v.text);
    }, { source: program, step });
    if (!expected) break;
    await page.waitForFunction((n) => document.getElementById("position").textContent.startsWith(`step ${n} `), step + 1);
    await page.waitForFunction((want) => {
      const got = [...document.querySelectorAll("#stack li")].map((li) => li.firstChild.textContent);
      return JSON.stringify(got) === JSON.stringify(want);
    }, expected);
    const shown = await stackTexts();
    check(JSON.stringify(shown) === JSON.stringify(expected), `step ${step}: stack ${shown} != ${expected}`);
    const current = await (await page.waitForSelector("#stages .item.current")).textContent();
    if (current.includes("OP_PRINT")) {
      check(shown[shown.length - 1] === "3", `before OP_PRINT the top of the stack is 3, not ${shown}`);
      sawThree = true;
    }
    if (step === 3) await shot("3-stepping");
    await page.click("#step");
  }
  check(sawThree, "stepping reached OP_PRINT");
  // And back.
  await page.click("#back");
  console.log("ok: stepped the VM, the stack panel followed");

  // 4. The cursor's line is highlighted in every stage pane.
  await setProgram("fun add(a, b) {\n  return a + b;\n}\nprint add(1, 2);\n");
  await page.waitForFunction(() => document.querySelector("#stages .item")?.textContent !== undefined);
  await page.waitForFunction(() => [...document.querySelectorAll('#stages [data-stage="ast"] .item')].some((i) => i.textContent.includes("FUN add")));
  await page.click(".cm-line:nth-child(2)");
  await page.waitForSelector("#stages .item.hl");
  for (const stage of ["tokens", "ast", "desugared", "ir", "bytecode"]) {
    const lines = await page.$$eval(`#stages [data-stage="${stage}"] .item.hl`, (items) => items.map((i) => i.dataset.line));
    check(lines.length > 0, `${stage}: some item highlighted`);
    check(lines.every((l) => l === "2"), `${stage}: highlighted items come from line 2 (${lines})`);
  }
  const plus = await page.$$eval('#stages [data-stage="ast"] .item.hl', (items) => items.map((i) => i.textContent).join("\n"));
  check(plus.includes("PLUS"), `the AST highlights PLUS on line 2: ${plus}`);
  const add = await page.$$eval('#stages [data-stage="bytecode"] .item.hl', (items) => items.map((i) => i.textContent).join("\n"));
  check(add.includes("OP_ADD"), `the bytecode highlights OP_ADD on line 2: ${add}`);
  await shot("4-cursor-highlight");
  console.log("ok: cursor line highlighted in every stage");

  // 4b. Hovering a stage item marks exactly its source span in the editor; an item
  // without a span (an instruction that cannot fail) highlights its line instead. The
  // first line has non-ASCII text, so byte offsets and editor positions differ.
  const spanned = "// süß ✓\nfun add(a, b) {\n  return a + b;\n}\nprint add(1, 2);\n";
  await setProgram(spanned);
  // The stages are the new program's once the bytecode's OP_ADD is on line 3.
  await page.waitForFunction(() => [...document.querySelectorAll('#stages [data-stage="bytecode"] .item')].some((i) => i.textContent.includes("OP_ADD") && i.dataset.line === "3"));
  const marks = () => page.$$eval(".cm-source-span", (els) => els.map((e) => e.textContent).join(""));
  for (const [stage, needle, want] of [
    ["tokens", "RETURN", "return"],
    ["ast", "PLUS", "a + b"],
    ["ast", "CALL", "add(1, 2)"],
    ["desugared", "RETURN", "return a + b"],
    ["ir", "call", "add(1, 2)"],
    ["bytecode", "OP_ADD", "+"],
  ]) {
    const item = page.locator(`#stages [data-stage="${stage}"] .item`, { hasText: needle }).first();
    const span = (await item.getAttribute("data-span")).split(",").map(Number);
    const expected = await page.evaluate(
      ({ text, span }) => new TextDecoder().decode(new TextEncoder().encode(text).slice(span[0], span[1])),
      { text: spanned, span },
    );
    check(expected === want, `${stage} ${needle}: the API's span is ${JSON.stringify(expected)}, not ${JSON.stringify(want)}`);
    await item.hover();
    await page.waitForFunction(() => document.querySelector(".cm-source-span"));
    const got = await marks();
    check(got === expected, `${stage} ${needle}: the editor marks ${JSON.stringify(got)}, not its span ${JSON.stringify(expected)}`);
    check((await page.$$(".cm-source-hl")).length === 0, `${stage} ${needle}: a span, not a line`);
    if (stage === "ast" && needle === "PLUS") await shot("4b-hover-span");
  }
  // An instruction that cannot fail has no span: its line is highlighted.
  const constant = page.locator('#stages [data-stage="bytecode"] .item', { hasText: "OP_CONSTANT" }).first();
  check((await constant.getAttribute("data-span")) === null, "OP_CONSTANT has no span");
  await constant.hover();
  await page.waitForFunction(() => document.querySelector(".cm-source-hl"));
  check((await marks()) === "", "no span is marked for OP_CONSTANT");
  const hoveredLine = await page.$eval(".cm-source-hl", (el) => el.textContent);
  check(hoveredLine === "print add(1, 2);", `OP_CONSTANT highlights its line, not ${JSON.stringify(hoveredLine)}`);
  // Leaving the pane clears the marks.
  await page.hover("#status");
  await page.waitForFunction(() => !document.querySelector(".cm-source-span, .cm-source-hl"));
  console.log("ok: hovering an item marks its source span");

  // 5. Potato: the bee example runs.
  await page.selectOption("#examples", "Bee");
  const lang = await page.$eval("#lang", (el) => el.value);
  check(lang === "potato", `the bee switches to Potato, not ${lang}`);
  await page.click("#run");
  await page.waitForFunction(() => document.getElementById("output").textContent === "honey\n");
  await shot("5-potato-bee");
  console.log("ok: the bee example ran in Potato");

  // A screenshot for the documentation: the closures example, stepped into the call.
  await page.selectOption("#examples", "Closures");
  await page.waitForFunction(() => [...document.querySelectorAll('#stages [data-stage="bytecode"] .item')].some((i) => i.textContent.includes("counter")));
  await page.click("#record");
  await page.waitForSelector("#stepper:not([hidden])");
  await page.click(".cm-line:nth-child(5)");
  await page.click("#to-line");
  await page.waitForFunction(() => document.getElementById("position").textContent.includes("line 5"));
  await page.waitForSelector("#heap svg g[data-kind=closure]");
  await shot("6-stepper-heap");

  check(errors.length === 0, `no script errors on the page: ${errors.join("; ")}`);
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
