// The code editor as a person uses it: create a JavaScript function from the
// AWS hello handler, see it highlighted, add a second file imported from
// index.mjs, get a syntax error refused with its marker on the right file and
// line, fix it, create the function and test it (its answer and its
// console.log line); then read the deployed files back in the Code tab, edit,
// rename a file, redeploy, and change the runtime settings. Every result is
// checked against the engine with fetch('_aws/lambda/...').
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, lambda, eventually, suite } from "./harness.mjs";

const env = suite();

async function open() {
  const { context, page } = await openPage(env.browser);
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  return { context, page };
}

const INDEX = [
  "import { greet } from './lib/util.mjs';",
  "",
  "export const handler = async (event) => {",
  "  const message = greet(event.name ?? 'world');",
  "  return { statusCode: 200, body: JSON.stringify(message) };",
  "};",
].join("\n");

const UTIL_LINES = [
  "export const greet = (name) => {",
  "  console.log('greeting', name);",
  "  return `Hello, ${name}!`;",
  "};",
];

// The text of line `n` (1-based) selected in the editor.
async function selectedText(editor) {
  return editor.evaluate((a) => a.value.slice(a.selectionStart, a.selectionEnd));
}

// The highlighted layer's tokens of one kind, as text.
async function tokens(page, kind) {
  return page.locator(`.editor-layer .tok-${kind}`).allTextContents();
}

async function invokeOnce(page) {
  const result = page.getByRole("region", { name: "Execution result" });
  const before = (await result.count()) ? await result.locator("code").first().textContent() : null;
  await page.getByRole("button", { name: "Invoke", exact: true }).click();
  await eventually(async () => {
    assert.equal(await result.count(), 1);
    const failed = result.getByRole("heading", { name: "Execution failed" });
    if (await failed.count()) throw new Error(await result.textContent());
    const id = await result.locator("code").first().textContent({ timeout: 100 }).catch(() => null);
    assert.notEqual(id, before);
  }, 30000);
  return result;
}

test("write a JavaScript function in the editor: two files, a syntax error marked, fixed, tested, edited and redeployed", async (t) => {
  const { context, page } = await open();
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url + "functions/-/create");
  await page.getByRole("heading", { level: 1, name: "Create function" }).waitFor();
  await page.getByRole("radio", { name: "JavaScript (Node.js)" }).check();

  // nodejs22.x by default, nodejs20.x offered; the AWS hello handler as index.mjs.
  const runtime = page.getByLabel("Runtime");
  assert.equal(await runtime.inputValue(), "nodejs22.x");
  assert.deepEqual(await runtime.locator("option").allTextContents(), ["nodejs22.x", "nodejs20.x"]);
  assert.equal(await page.getByLabel("Handler").inputValue(), "index.handler");
  assert.equal(await page.getByRole("tab", { name: "index.mjs" }).getAttribute("aria-selected"), "true");
  const editor = page.getByLabel("Function code");
  const hello = await editor.inputValue();
  assert.match(hello, /^export const handler = async \(event\) => \{\n/);
  assert.match(hello, /body: JSON\.stringify\('Hello from Lambda!'\),/);
  assert.equal(await editor.getAttribute("spellcheck"), "false");

  // Highlighted: keywords, the string, the comment; the layer holds the same text.
  assert.deepEqual(await tokens(page, "keyword"), ["export", "const", "async", "const", "return"]);
  assert.deepEqual(await tokens(page, "string"), ["'Hello from Lambda!'"]);
  assert.deepEqual(await tokens(page, "comment"), ["// TODO implement"]);
  assert.ok((await tokens(page, "number")).includes("200"));
  assert.equal(await page.locator(".editor-layer").textContent(), hello + "\n");
  assert.equal(await page.locator(".editor-layer .code-line").count(), hello.split("\n").length);
  assert.equal(await page.locator(".editor-gutter .gutter-line").count(), hello.split("\n").length);
  await shot(page, "code-editor-create-hello");

  // Tab indents the line at the caret, Shift+Tab takes it back; the caret's place shows.
  await editor.focus();
  await editor.evaluate((a) => a.setSelectionRange(0, 0));
  await page.keyboard.press("Tab");
  assert.ok((await editor.inputValue()).startsWith("  export const"));
  await page.getByTestId("editor-caret").filter({ hasText: "Ln 1, Col 3" }).waitFor();
  await page.keyboard.press("Shift+Tab");
  assert.equal(await editor.inputValue(), hello);

  // A second file, imported from index.mjs; its line 3 is wrong at first.
  await page.getByRole("button", { name: "+ Add file" }).click();
  const fileName = page.getByLabel("New file's name");
  assert.equal(await fileName.inputValue(), "lib/util.mjs");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  assert.equal(await page.getByRole("tab", { name: "lib/util.mjs" }).getAttribute("aria-selected"), "true");
  assert.equal(await editor.inputValue(), "");
  const broken = [...UTIL_LINES];
  broken[2] = "  return `Hello, ${name}!` +;";
  await editor.fill(broken.join("\n"));
  // The template literal and its ${...} are highlighted.
  assert.deepEqual(await tokens(page, "template"), ["`Hello, ", "!`"]);
  // A third file comes and goes (deleting asks first).
  await page.getByRole("button", { name: "+ Add file" }).click();
  await page.getByLabel("New file's name").fill("lib/util.mjs");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByText("There is already a file lib/util.mjs.").waitFor();
  await page.getByLabel("New file's name").fill("scratch.mjs");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  assert.equal(await page.getByRole("tab", { name: "scratch.mjs" }).getAttribute("aria-selected"), "true");
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete scratch.mjs" }).click();
  await page.getByRole("tab", { name: "scratch.mjs" }).waitFor({ state: "detached" });
  await page.getByRole("tab", { name: "index.mjs" }).click();
  await editor.fill(INDEX);
  assert.deepEqual(await tokens(page, "string"), ["'./lib/util.mjs'", "'world'"]);

  await page.getByLabel("Function name").fill("js-editor");
  await page.getByRole("button", { name: "Create function" }).click();

  // Refused: the marker is on lib/util.mjs, line 3, which the editor now shows.
  const marker = page.getByTestId("code-error");
  await marker.waitFor();
  assert.match(await marker.textContent(), /Syntax error\. lib\/util\.mjs, line 3: SyntaxError: /);
  await page.getByText(/InvalidParameterValueException: Runtime\.UserCodeSyntaxError: SyntaxError: .* in lib\/util\.mjs:3/).waitFor();
  assert.equal(await page.getByRole("tab", { name: "lib/util.mjs" }).getAttribute("aria-selected"), "true");
  assert.equal(await page.locator(".gutter-line.error-line").textContent(), "3\n");
  assert.equal(await page.locator(".code-line.error-line").textContent(), broken[2] + "\n");
  assert.equal(await page.locator(".file-tab.has-error").count(), 1);
  await shot(page, "code-editor-syntax-error");
  const missing = await lambda(page, "GET", "/2015-03-31/functions/js-editor");
  assert.equal(missing.status, 404);

  // From the other file, "Go to line 3" opens lib/util.mjs with line 3 selected; retyping it fixes it.
  await page.getByRole("tab", { name: "index.mjs" }).click();
  await marker.getByRole("button", { name: "Go to line 3" }).click();
  assert.equal(await page.getByRole("tab", { name: "lib/util.mjs" }).getAttribute("aria-selected"), "true");
  await eventually(async () => assert.equal(await selectedText(editor), broken[2]));
  await page.keyboard.type(UTIL_LINES[2]);
  assert.equal(await editor.inputValue(), UTIL_LINES.join("\n"));

  await page.getByRole("button", { name: "Create function" }).click();
  await page.getByRole("heading", { level: 1, name: "js-editor" }).waitFor();
  const f = await lambda(page, "GET", "/2015-03-31/functions/js-editor");
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.Configuration.Runtime, "nodejs22.x");
  assert.equal(f.json.Configuration.Handler, "index.handler");

  // A JavaScript function opens on its Code tab, with the deployed files read back from Code.Location.
  assert.equal(await page.getByRole("tab", { selected: true, name: "Code" }).count(), 1);
  const code = page.getByRole("region", { name: "Code source" });
  await code.getByRole("tab", { name: "lib/util.mjs" }).waitFor();
  assert.deepEqual(await code.locator(".file-tab-name").allTextContents(), ["index.mjs", "lib/util.mjs"]);
  assert.equal(await code.getByLabel("Function code").inputValue(), INDEX);
  assert.equal(await page.getByLabel("Handler").inputValue(), "index.handler");

  // The Test tab runs it: the handler's answer and its console.log line.
  await page.getByRole("tab", { name: "Test", exact: true }).click();
  await page.getByLabel("Event JSON").fill('{"name": "Ada"}');
  let result = await invokeOnce(page);
  await result.getByTestId("invoke-status").filter({ hasText: "succeeded" }).waitFor();
  assert.deepEqual(JSON.parse(await result.getByTestId("invoke-response").textContent()), {
    statusCode: 200,
    body: JSON.stringify("Hello, Ada!"),
  });
  assert.match(await result.getByTestId("invoke-log").textContent(), /\tINFO\tgreeting Ada/);
  await shot(page, "code-editor-test");

  // Back in the Code tab: a syntax error in index.mjs is refused with its marker ...
  await page.getByRole("tab", { name: "Code", exact: true }).click();
  const codeEditor = code.getByLabel("Function code");
  const badIndex = INDEX.replace("const message = greet(", "const message = greet((");
  await codeEditor.fill(badIndex);
  await code.getByTestId("code-changed").waitFor();
  await code.getByRole("button", { name: "Deploy", exact: true }).click();
  await code.getByTestId("code-error").waitFor();
  assert.match(await code.getByTestId("code-error").textContent(), /index\.mjs, line \d+: SyntaxError/);
  const line = Number((await code.getByTestId("code-error").textContent()).match(/line (\d+)/)[1]);
  assert.ok(line >= 4, `the error is at or after the bad line: ${line}`);
  assert.equal(await code.locator(".gutter-line.error-line").textContent(), `${line}\n`);
  const still = await lambda(page, "GET", "/2015-03-31/functions/js-editor");
  assert.equal(still.json.Configuration.CodeSha256, f.json.Configuration.CodeSha256);

  // ... then a fix, a renamed file and a new greeting deploy.
  await codeEditor.fill(INDEX.replace("./lib/util.mjs", "./lib/greet.mjs"));
  await code.getByRole("tab", { name: "lib/util.mjs" }).click();
  await code.getByRole("button", { name: "Rename lib/util.mjs" }).click();
  await page.getByLabel("New name").fill("lib/greet.mjs");
  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await code.getByRole("tab", { name: "lib/greet.mjs" }).waitFor();
  await codeEditor.fill(UTIL_LINES.join("\n").replace("Hello", "Hi"));
  await code.getByRole("button", { name: "Deploy", exact: true }).click();
  await code.getByText("Deployed 2 files").waitFor();
  await code.getByTestId("code-error").waitFor({ state: "detached" });
  assert.equal(await code.getByTestId("code-changed").count(), 0);
  await shot(page, "code-editor-code-tab");
  const invoked = await lambda(page, "POST", "/2015-03-31/functions/js-editor/invocations", { name: "Grace" });
  assert.equal(invoked.status, 200, invoked.text);
  assert.deepEqual(invoked.json, { statusCode: 200, body: JSON.stringify("Hi, Grace!") });

  // The package behind Code.Location holds the renamed file.
  const again = await lambda(page, "GET", "/2015-03-31/functions/js-editor");
  assert.notEqual(again.json.Configuration.CodeSha256, f.json.Configuration.CodeSha256);
  const zip = await page.evaluate(async (url) => {
    const r = await fetch(url);
    return { status: r.status, type: r.headers.get("content-type"), text: new TextDecoder("latin1").decode(await r.arrayBuffer()) };
  }, again.json.Code.Location);
  assert.equal(zip.status, 200);
  assert.equal(zip.type, "application/zip");
  assert.ok(zip.text.includes("lib/greet.mjs") && !zip.text.includes("lib/util.mjs"));

  // Runtime settings: nodejs20.x, with the same handler.
  await page.getByRole("form", { name: "Runtime settings" }).locator("select").selectOption("nodejs20.x");
  await page.getByRole("button", { name: "Save runtime settings" }).click();
  await page.getByText("Saved: runtime nodejs20.x, handler index.handler.").waitFor();
  const settled = await lambda(page, "GET", "/2015-03-31/functions/js-editor/configuration");
  assert.equal(settled.json.Runtime, "nodejs20.x");
  const after = await lambda(page, "POST", "/2015-03-31/functions/js-editor/invocations", { name: "Linus" });
  assert.deepEqual(after.json, { statusCode: 200, body: JSON.stringify("Hi, Linus!") });

  // The same page in the dark theme.
  await page.evaluate(() => localStorage.setItem("stratus.theme", "dark"));
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "js-editor" }).waitFor();
  await page.getByRole("region", { name: "Code source" }).getByRole("tab", { name: "lib/greet.mjs" }).waitFor();
  await shot(page, "code-editor-code-tab-dark");
  page.assertNoErrors();
});

test("the WebAssembly text editor is the same editor, highlighting WAT", async (t) => {
  const { context, page } = await open();
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url + "functions/-/create");
  await page.getByRole("heading", { level: 1, name: "Create function" }).waitFor();
  await page.getByRole("radio", { name: "WebAssembly text (WAT)" }).check();
  const editor = page.getByLabel("Module source (WAT)");
  assert.equal(await editor.getAttribute("data-language"), "wat");
  assert.ok((await tokens(page, "keyword")).includes("module"));
  assert.ok((await tokens(page, "variable")).includes("$heap"));
  assert.ok((await tokens(page, "comment")).length > 0);
  assert.ok((await tokens(page, "type")).includes("i32"));
  // A long text stays in step: the layer scrolls with the text area.
  const long = Array.from({ length: 3000 }, (_, i) => `  (i32.const ${i}) ;; line ${i + 1}`).join("\n");
  // Pasted in one go (an input event, as a paste is), then typed into.
  await editor.evaluate((a, text) => {
    a.value = text;
    a.dispatchEvent(new Event("input", { bubbles: true }));
  }, `(module (func\n${long}\n))`);
  await editor.focus();
  await editor.evaluate((a) => a.setSelectionRange(a.value.length - 2, a.value.length - 2));
  await page.keyboard.type("  nop\n");
  // Enter keeps the indentation.
  assert.match(await editor.inputValue(), /;; line 3000\n  nop\n  \)\)$/);
  // Only the lines near the view are drawn; the status line counts them all.
  await page.getByText("3003 lines").waitFor();
  const drawn = await page.locator(".editor-layer .code-line").count();
  assert.ok(drawn > 0 && drawn < 3003, `${drawn} lines drawn`);
  // Scrolled to the middle, the layer moves with the text area and draws
  // the lines there, each exactly where the text area has it.
  await editor.evaluate((a) => { a.scrollTop = 20 * 1500; });
  const line = page.locator(".editor-layer .code-line", { hasText: "(i32.const 1499) ;; line 1500" });
  await line.waitFor();
  await page.locator(".editor-gutter .gutter-line", { hasText: /^1501\n$/ }).waitFor();
  await eventually(async () => {
    const top = await editor.evaluate((a) => a.scrollTop);
    assert.ok(top > 0);
    assert.equal(await page.locator(".editor-layer").evaluate((l) => l.style.transform), `translate(0px, ${-top}px)`);
    const area = await editor.boundingBox();
    const box = await line.boundingBox();
    const padding = await editor.evaluate((a) => parseFloat(getComputedStyle(a).paddingTop));
    assert.ok(Math.abs(box.y - (area.y + padding + 1500 * 20 - top)) < 1, `line at ${box.y}, text area at ${area.y}, scrolled ${top}`);
  });
  await shot(page, "code-editor-wat");
  page.assertNoErrors();
});
