// The Functions console as a person uses it: deploy the hello sample and test
// it (response, REPORT line, a cold start then a warm one), write a function
// in WebAssembly text (a compile error first, shown with its line), upload a
// module, change its configuration, publish versions behind a weighted alias,
// read its logs and monitor charts, and delete it. Every result is checked
// against the engine with fetch('_aws/lambda/...'), CloudWatch and Logs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  openPage, shot, waitForServiceWorker, lambda, logs, cloudwatch, dynamoOk, eventually, repo, suite,
} from "./harness.mjs";

const env = suite();

const samplesDir = path.join(repo, "runtimes", "dist");

async function open() {
  const { context, page } = await openPage(env.browser);
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  return { context, page };
}

async function getFunction(page, name) {
  const r = await lambda(page, "GET", `/2015-03-31/functions/${name}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function invoke(page) {
  await page.getByRole("button", { name: "Invoke", exact: true }).click();
  const result = page.getByRole("region", { name: "Execution result" });
  await result.waitFor();
  // A new result replaces the old one: wait until the button is free again.
  await page.getByRole("button", { name: "Invoke", exact: true }).and(page.locator(":enabled")).waitFor();
  return result;
}

async function invokeFresh(page) {
  // Tell one result from the next by its request id; a refused request says why at once.
  const result = page.getByRole("region", { name: "Execution result" });
  const before = (await result.count()) ? await result.locator("code").first().textContent() : null;
  await page.getByRole("button", { name: "Invoke", exact: true }).click();
  await eventually(async () => {
    assert.equal(await result.count(), 1);
    const failed = result.getByRole("heading", { name: "Execution failed" });
    if (await failed.count()) throw new Error(await result.textContent());
    const id = await result.locator("code").first().textContent({ timeout: 100 }).catch(() => null);
    assert.notEqual(id, before);
  }, 15000);
  return result;
}

test("deploy the hello sample and test it: response, REPORT line, cold then warm", async (t) => {
  const { context, page } = await open();
  t.after(() => context.close().catch(() => {}));

  // The empty list invites creating a function.
  const nav = page.getByRole("navigation", { name: "Services" });
  await nav.getByRole("link", { name: "Functions" }).click();
  await page.getByRole("heading", { level: 1, name: "Functions" }).waitFor();
  await page.getByRole("heading", { name: "No functions yet" }).waitFor();
  await shot(page, "functions-empty");
  await page.locator(".empty-state").getByRole("link", { name: "Create function" }).click();

  // The first sample, hello, is chosen: one click deploys it.
  await page.getByRole("heading", { level: 1, name: "Create function" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/stratus/functions/-/create");
  assert.equal(await page.getByRole("radio", { name: "hello" }).isChecked(), true);
  assert.equal(await page.getByLabel("Function name").inputValue(), "hello");
  await shot(page, "functions-create-sample");
  await page.getByRole("button", { name: "Create function" }).click();
  await page.getByRole("heading", { level: 1, name: "hello" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/stratus/functions/hello");

  const f = await getFunction(page, "hello");
  assert.equal(f.Configuration.Runtime, "provided.al2023");
  assert.equal(f.Configuration.MemorySize, 128);
  assert.equal(f.Configuration.Timeout, 3);
  assert.equal(f.Configuration.Handler, "stratus_handle");
  const hello = fs.statSync(path.join(samplesDir, "hello.wasm")).size;
  assert.ok(f.Configuration.CodeSize > 0 && f.Configuration.CodeSize >= hello / 2, `code size ${f.Configuration.CodeSize}`);

  // The sample's test event is saved for it; invoking it is a cold start.
  assert.equal(await page.getByLabel("Saved event").inputValue(), "hello sample");
  assert.deepEqual(JSON.parse(await page.getByLabel("Event JSON").inputValue()), { name: "Stratus" });
  let result = await invokeFresh(page);
  await result.getByTestId("invoke-status").filter({ hasText: "Execution result: succeeded" }).waitFor();
  assert.deepEqual(JSON.parse(await result.getByTestId("invoke-response").textContent()), {
    message: "Hello, Stratus, from Stratus!",
    input: { name: "Stratus" },
  });
  assert.equal(await result.getByTestId("start-kind").textContent(), "Cold start");
  const log = await result.getByTestId("invoke-log").textContent();
  assert.match(log, /hello: cold start/);
  assert.match(log, /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/);
  assert.match(await result.getByTestId("report-duration").textContent(), /^[\d.]+ ms$/);
  assert.match(await result.getByTestId("report-billed").textContent(), /^\d+ ms$/);
  assert.equal(await result.getByTestId("report-memory").textContent(), "128 MB");
  assert.match(await result.getByTestId("report-max-memory").textContent(), /^\d+ MB$/);
  assert.match(await result.getByTestId("report-init").textContent(), /^[\d.]+ ms$/);
  await shot(page, "function-test-cold");

  // The second invocation finds the environment warm: no Init Duration.
  result = await invokeFresh(page);
  await result.getByTestId("start-kind").filter({ hasText: "Warm start" }).waitFor();
  assert.equal(await result.getByTestId("report-init").count(), 0);
  assert.doesNotMatch(await result.getByTestId("invoke-log").textContent(), /Init Duration|cold start/);
  await shot(page, "function-test-warm");

  // From the keyboard: Ctrl+Enter in the event invokes; arrow keys move between tabs.
  await page.getByLabel("Event JSON").focus();
  const before = await result.locator("code").first().textContent();
  await page.keyboard.press("Control+Enter");
  await eventually(async () => assert.notEqual(await result.locator("code").first().textContent(), before));
  await result.getByTestId("start-kind").filter({ hasText: "Warm start" }).waitFor();
  await page.getByRole("tab", { name: "Test" }).focus();
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.getByRole("tab", { selected: true }).textContent(), "Configuration");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Configuration");
  await page.keyboard.press("End");
  assert.equal(await page.getByRole("tab", { selected: true }).textContent(), "Monitor");
  await page.keyboard.press("Home");
  assert.equal(await page.getByRole("tab", { selected: true }).textContent(), "Test");

  // A template, edited and saved, is there after a reload.
  await page.getByLabel("Template").selectOption("API Gateway HTTP API (payload 2.0)");
  assert.equal(JSON.parse(await page.getByLabel("Event JSON").inputValue()).routeKey, "GET /items");
  await page.getByLabel("Event name").fill("http-get");
  await page.getByRole("button", { name: "Save event" }).click();
  await page.getByText("Saved the event http-get").waitFor();
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "hello" }).waitFor();
  await page.getByLabel("Saved event").selectOption("http-get");
  assert.equal(JSON.parse(await page.getByLabel("Event JSON").inputValue()).version, "2.0");

  // Not JSON: refused before it is sent.
  await page.getByLabel("Event JSON").fill("{ nope");
  await page.getByRole("button", { name: "Invoke", exact: true }).click();
  await page.getByText(/The event is not valid JSON \(line 1, column 3\)/).waitFor();

  // Asynchronous and dry-run invocations answer 202 and 204.
  await page.getByLabel("Saved event").selectOption("hello sample");
  await page.getByRole("radio", { name: /^Event/ }).check();
  result = await invoke(page);
  await result.getByTestId("invoke-status").filter({ hasText: "Queued for asynchronous invocation" }).waitFor();
  await result.getByText("202 Accepted").waitFor();
  await page.getByRole("radio", { name: /^DryRun/ }).check();
  result = await invoke(page);
  await result.getByText("204 No Content").waitFor();
  page.assertNoErrors();
});

// An echo reactor in WebAssembly text; line 4 is what the person gets wrong first.
const WAT_LINES = [
  "(module",
  '  (import "stratus" "response" (func $response (param i32 i32)))',
  '  (memory (export "memory") 1)',
  '  (func (export "stratus_alloc") (param $len i32) (result i32) (i32.const 1024))',
  '  (func (export "stratus_handle") (param $ptr i32) (param $len i32) (result i32)',
  "    (call $response (local.get $ptr) (local.get $len))",
  "    (i32.const 0)))",
];

test("write a function in WebAssembly text: the compile error shows with its line", async (t) => {
  const { context, page } = await open();
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url + "functions/-/create");
  await page.getByRole("heading", { level: 1, name: "Create function" }).waitFor();
  await page.getByRole("radio", { name: "WebAssembly text (WAT)" }).check();
  // The editor starts with a working example.
  assert.match(await page.getByLabel("Module source (WAT)").inputValue(), /stratus_handle/);
  const broken = [...WAT_LINES];
  broken[3] = '  (func (export "stratus_alloc") (param $len i32) (result i32) (i32.const oops))';
  await page.getByLabel("Module source (WAT)").fill(broken.join("\n"));
  await page.getByLabel("Function name").fill("wat-echo");
  await page.getByRole("button", { name: "Create function" }).click();

  // The error names line 4, the gutter marks it, and nothing was created.
  const error = page.getByTestId("wat-error");
  await error.waitFor();
  assert.match(await error.textContent(), /Line 4, column \d+:/);
  assert.equal(await page.locator(".gutter-line.error-line").textContent(), "4\n");
  await page.getByText("Fix the WebAssembly text first").waitFor();
  await shot(page, "functions-create-wat-error");
  const missing = await lambda(page, "GET", "/2015-03-31/functions/wat-echo");
  assert.equal(missing.status, 404);
  assert.equal(missing.headers["x-amzn-errortype"], "ResourceNotFoundException");

  // "Go to line 4" selects the line; typing replaces it, and the error goes.
  await error.getByRole("button", { name: "Go to line 4" }).click();
  const selected = await page.getByLabel("Module source (WAT)").evaluate((a) => a.value.slice(a.selectionStart, a.selectionEnd));
  assert.equal(selected, broken[3]);
  await page.keyboard.type(WAT_LINES[3]);
  await error.waitFor({ state: "detached" });
  assert.equal(await page.getByLabel("Module source (WAT)").inputValue(), WAT_LINES.join("\n"));
  await page.getByRole("button", { name: "Check" }).click();
  await page.getByText(/Compiles: \d+ bytes, a reactor module/).waitFor();

  await page.getByRole("button", { name: "Create function" }).click();
  await page.getByRole("heading", { level: 1, name: "wat-echo" }).waitFor();
  const f = await getFunction(page, "wat-echo");
  assert.equal(f.Configuration.Handler, "stratus_handle");

  // It answers with its event.
  await page.getByLabel("Event JSON").fill('{"from": "wat", "n": [1, 2, 3]}');
  const result = await invokeFresh(page);
  await result.getByTestId("invoke-status").filter({ hasText: "succeeded" }).waitFor();
  assert.deepEqual(JSON.parse(await result.getByTestId("invoke-response").textContent()), { from: "wat", n: [1, 2, 3] });
  await shot(page, "function-wat-test");

  // The engine agrees.
  const direct = await lambda(page, "POST", "/2015-03-31/functions/wat-echo/invocations", { direct: true });
  assert.equal(direct.status, 200, direct.text);
  assert.deepEqual(direct.json, { direct: true });

  // The Configuration tab keeps the text it was deployed from; an edit deploys new code.
  await page.getByRole("tab", { name: "Configuration" }).click();
  const source = page.getByLabel("New module source (WAT)");
  assert.equal(await source.inputValue(), WAT_LINES.join("\n"));
  const edited = [...WAT_LINES.slice(0, 3), "  (global $version (mut i32) (i32.const 2))", ...WAT_LINES.slice(3)];
  await source.fill(edited.join("\n"));
  await page.getByRole("button", { name: "Deploy WebAssembly text" }).click();
  await page.getByText(/Deployed the WebAssembly text \(\d+ B, a reactor module/).waitFor();
  const updated = await getFunction(page, "wat-echo");
  assert.notEqual(updated.Configuration.CodeSha256, f.Configuration.CodeSha256);
  assert.ok(updated.Configuration.CodeSize > f.Configuration.CodeSize);
  page.assertNoErrors();
});

test("upload a module, configure it, version it behind an alias, read its logs and metrics, delete it", async (t) => {
  const { context, page } = await open();
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url + "functions/-/create");
  await page.getByRole("heading", { level: 1, name: "Create function" }).waitFor();
  await page.getByRole("radio", { name: "Upload a .wasm or .zip file" }).check();
  await page.getByLabel("Code file (.wasm or .zip)").setInputFiles(path.join(samplesDir, "echo.wasm"));
  await page.getByText(/echo\.wasm: [\d.]+ KB, a WASI command/).waitFor();
  // The name comes from the file; the person makes it their own.
  assert.equal(await page.getByLabel("Function name").inputValue(), "echo");
  await page.getByLabel("Function name").fill("echo-upload");
  await page.getByLabel("Memory (MB)").fill("256");
  await page.getByLabel("Timeout (seconds)").fill("10");
  await page.getByRole("button", { name: "Add variable" }).click();
  await page.getByLabel("Key 1").fill("GREETING");
  await page.getByLabel("Value 1").fill("hi");
  await page.getByRole("button", { name: "Create function" }).click();
  await page.getByRole("heading", { level: 1, name: "echo-upload" }).waitFor();

  let f = await getFunction(page, "echo-upload");
  assert.equal(f.Configuration.MemorySize, 256);
  assert.equal(f.Configuration.Timeout, 10);
  assert.equal(f.Configuration.Handler, "_start");
  assert.deepEqual(f.Configuration.Environment.Variables, { GREETING: "hi" });

  // Three invocations for the logs and charts.
  await page.getByLabel("Event JSON").fill('{"hello": "echo"}');
  for (let i = 0; i < 3; i++) {
    const result = await invokeFresh(page);
    await result.getByTestId("invoke-status").filter({ hasText: "succeeded" }).waitFor();
    assert.deepEqual(JSON.parse(await result.getByTestId("invoke-response").textContent()), { hello: "echo" });
  }

  // Configuration: memory, timeout and description.
  await page.getByRole("tab", { name: "Configuration" }).click();
  const general = page.getByRole("form", { name: "General configuration" });
  await general.getByLabel("Memory (MB)").fill("512");
  await general.getByLabel("Timeout (seconds)").fill("30");
  await general.getByLabel("Description").fill("echo, uploaded");
  await general.getByRole("button", { name: "Save configuration" }).click();
  await general.getByText("Saved the configuration.").waitFor();
  await page.getByTestId("function-memory").filter({ hasText: "512 MB" }).waitFor();
  f = await getFunction(page, "echo-upload");
  assert.equal(f.Configuration.MemorySize, 512);
  assert.equal(f.Configuration.Timeout, 30);
  assert.equal(f.Configuration.Description, "echo, uploaded");
  assert.deepEqual(f.Configuration.Environment.Variables, { GREETING: "hi" });
  // Lambda's own refusal, in its words.
  await general.getByLabel("Memory (MB)").fill("64");
  await general.getByRole("button", { name: "Save configuration" }).click();
  const refusal = general.getByRole("alert");
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /^(ValidationException|InvalidParameterValueException): .+/);
  assert.equal((await getFunction(page, "echo-upload")).Configuration.MemorySize, 512);
  await general.getByLabel("Memory (MB)").fill("512");

  // Reserved concurrency.
  const concurrency = page.getByRole("form", { name: "Concurrency" });
  await concurrency.getByLabel("Reserved concurrency").fill("5");
  await concurrency.getByRole("button", { name: "Save concurrency" }).click();
  await concurrency.getByText("Reserved 5 concurrent executions.").waitFor();
  const reserved = await lambda(page, "GET", "/2019-09-30/functions/echo-upload/concurrency");
  assert.equal(reserved.status, 200, reserved.text);
  assert.equal(reserved.json.ReservedConcurrentExecutions, 5);
  await page.getByTestId("function-concurrency").filter({ hasText: "5" }).waitFor();

  // Version 1 is echo; new code (hello) becomes version 2.
  const versions = page.getByRole("region", { name: "Versions" });
  await versions.getByLabel("New version's description").fill("echo");
  await versions.getByRole("button", { name: "Publish new version" }).click();
  await versions.getByText("Published version 1.").waitFor();
  await page.getByLabel("New code file (.wasm or .zip)").setInputFiles(path.join(samplesDir, "hello.wasm"));
  await page.getByText(/Deployed hello\.wasm/).waitFor();
  // A reactor replaced the command: the Handler follows the module's entry point.
  await eventually(async () => assert.equal((await getFunction(page, "echo-upload")).Configuration.Handler, "stratus_handle"));
  await versions.getByLabel("New version's description").fill("hello");
  await versions.getByRole("button", { name: "Publish new version" }).click();
  await versions.getByText("Published version 2.").waitFor();
  await versions.getByRole("table", { name: "Versions" }).getByRole("rowheader", { name: "2", exact: true }).waitFor();

  // An alias sends a quarter of its invocations to version 2.
  const aliases = page.getByRole("region", { name: "Aliases" });
  await aliases.getByLabel("Alias name").fill("live");
  await aliases.getByLabel("Version", { exact: true }).selectOption("1");
  await aliases.getByLabel("Second version (optional)").selectOption("2");
  await aliases.getByLabel("Second version's share (%)").fill("25");
  await aliases.getByRole("button", { name: "Create alias" }).click();
  await aliases.getByText("Created the alias live.").waitFor();
  await aliases.getByRole("table", { name: "Aliases" }).getByText("1: 75%, 2: 25%").waitFor();
  const alias = await lambda(page, "GET", "/2015-03-31/functions/echo-upload/aliases/live");
  assert.equal(alias.status, 200, alias.text);
  assert.equal(alias.json.FunctionVersion, "1");
  assert.deepEqual(alias.json.RoutingConfig.AdditionalVersionWeights, { 2: 0.25 });
  await shot(page, "function-configuration");

  // Invoking the alias runs version 1 or 2.
  await page.getByRole("tab", { name: "Test" }).click();
  await page.getByLabel("Version or alias").selectOption("live");
  const result = await invokeFresh(page);
  assert.match(await result.getByTestId("executed-version").textContent(), /^[12]$/);

  // Logs: every line of the log group, newest first; a filter keeps the REPORT lines.
  await page.getByRole("tab", { name: "Logs" }).click();
  const table = page.getByRole("table", { name: "Log events" });
  await table.getByText(/^REPORT RequestId/).first().waitFor();
  const times = await table.locator("td.log-time").allTextContents();
  assert.ok(times.length >= 12, `${times.length} log lines`);
  await page.getByLabel("Filter pattern").fill("REPORT");
  await page.getByLabel("Filter pattern").press("Enter");
  const expected = await eventually(async () => {
    const r = await logs(page, "FilterLogEvents", { logGroupName: "/aws/lambda/echo-upload", filterPattern: "REPORT" });
    assert.equal(r.status, 200, r.text);
    const rows = await table.locator("tbody tr").count();
    assert.equal(rows, r.json.events.length);
    return r.json.events;
  });
  assert.equal(expected.length, 4);
  const messages = await table.locator(".log-message").allTextContents();
  assert.ok(messages.every((m) => m.startsWith("REPORT RequestId")), messages.join("\n"));
  // Newest first.
  assert.equal(messages[0], expected[expected.length - 1].message.trimEnd());
  await shot(page, "function-logs");

  // Monitor: the charts show the invocations CloudWatch counted, and the cost estimate adds them up.
  await page.getByRole("tab", { name: "Monitor" }).click();
  const charts = page.getByTestId("function-charts");
  await charts.getByRole("img", { name: /Invocations and errors: Invocations latest [\d.]+, peak [1-9]/ }).waitFor({ timeout: 15000 });
  await charts.getByRole("img", { name: /Duration: p50 latest/ }).waitFor();
  await charts.getByRole("img", { name: /Cold starts: Cold starts latest [\d.]+, peak [1-9]/ }).waitFor();
  const now = Date.now() / 1000;
  const stats = await cloudwatch(page, "GetMetricStatistics", {
    Namespace: "AWS/Lambda",
    MetricName: "Invocations",
    Dimensions: [{ Name: "FunctionName", Value: "echo-upload" }],
    StartTime: Math.floor(now - 3600),
    EndTime: Math.ceil(now + 60),
    Period: 3600,
    Statistics: ["Sum"],
  });
  assert.equal(stats.status, 200, stats.text);
  const invocations = stats.json.Datapoints.reduce((a, d) => a + d.Sum, 0);
  assert.equal(invocations, 4);
  const estimate = page.getByRole("region", { name: "Cost estimate" });
  await eventually(async () => assert.equal(await estimate.getByTestId("cost-requests").textContent(), String(invocations)), 15000);
  assert.match(await estimate.getByTestId("cost-gb-seconds").textContent(), /^\d+\.\d{6}$/);
  // The price table is stated and editable.
  await estimate.getByText("Price table (US dollars)").click();
  assert.equal(await estimate.getByLabel("Per million requests").inputValue(), "0.2");
  assert.equal(await estimate.getByLabel("Per GB-second").inputValue(), "0.0000166667");
  await estimate.getByLabel("Per million requests").fill("250000");
  await estimate.getByLabel("Per million requests").press("Tab");
  await estimate.getByTestId("cost-total").filter({ hasText: /^\$1\.\d\d$/ }).waitFor();
  await shot(page, "function-monitor");
  await estimate.getByRole("button", { name: "Reset to list prices" }).click();

  // The list shows every function; search narrows it.
  const hello = fs.readFileSync(path.join(samplesDir, "hello.wasm")).toString("base64");
  const created = await lambda(page, "POST", "/2015-03-31/functions", {
    FunctionName: "hello-api", Runtime: "provided.al2023", Role: "arn:aws:iam::000000000000:role/lambda-role",
    Handler: "stratus_handle", Description: "made with fetch()", Code: { ZipFile: hello },
  });
  assert.equal(created.status, 201, created.text);
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "Functions" }).click();
  const list = page.getByRole("table", { name: "Functions" });
  await list.getByRole("link", { name: "echo-upload" }).waitFor();
  const row = list.getByRole("row", { name: /echo-upload/ });
  assert.match(await row.textContent(), /provided\.al2023.*512 MB.*30 s/);
  await list.getByRole("link", { name: "hello-api" }).waitFor();
  await shot(page, "functions-list");
  await page.getByLabel("Search functions by name").fill("echo");
  await page.getByText("1 of 2 functions").waitFor();
  assert.equal(await list.getByRole("link", { name: "hello-api" }).count(), 0);
  await page.getByLabel("Search functions by name").fill("zzz");
  await page.getByText("No function name contains “zzz”.").waitFor();
  await page.getByLabel("Search functions by name").fill("");

  // Delete, after confirming.
  await list.getByRole("link", { name: "echo-upload" }).click();
  await page.getByRole("heading", { level: 1, name: "echo-upload" }).waitFor();
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete function" }).click();
  await page.getByRole("heading", { level: 1, name: "Functions" }).waitFor();
  await list.getByRole("link", { name: "echo-upload" }).waitFor({ state: "detached" });
  const gone = await lambda(page, "GET", "/2015-03-31/functions/echo-upload");
  assert.equal(gone.status, 404);
  assert.equal(gone.headers["x-amzn-errortype"], "ResourceNotFoundException");
  page.assertNoErrors();
});

test("a sample that uses a table: the table is created, and the function writes to it", async (t) => {
  const { context, page } = await open();
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url + "functions/-/create");
  await page.getByRole("heading", { level: 1, name: "Create function" }).waitFor();
  const sample = page.getByRole("radio", { name: /^dynamodb-crud/ });
  await sample.check();
  assert.equal(await page.getByLabel("Function name").inputValue(), "dynamodb-crud");
  await page.getByText("Uses the table lambda-apigateway (created if missing).").waitFor();
  await page.getByRole("button", { name: "Create function" }).click();
  await page.getByRole("heading", { level: 1, name: "dynamodb-crud" }).waitFor();

  const table = await dynamoOk(page, "DescribeTable", { TableName: "lambda-apigateway" });
  assert.deepEqual(table.Table.KeySchema, [{ AttributeName: "id", KeyType: "HASH" }]);
  assert.equal(table.Table.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");

  // The sample's event creates an item, which DynamoDB then holds.
  assert.equal(await page.getByLabel("Saved event").inputValue(), "dynamodb-crud sample");
  const result = await invokeFresh(page);
  await result.getByTestId("invoke-status").filter({ hasText: "succeeded" }).waitFor();
  assert.match(await result.getByTestId("invoke-log").textContent(), /create on lambda-apigateway: PutItem done/);
  const item = await dynamoOk(page, "GetItem", { TableName: "lambda-apigateway", Key: { id: { S: "1234ABCD" } } });
  assert.deepEqual(item.Item, { id: { S: "1234ABCD" }, number: { N: "5" } });

  // A DynamoDB error is the function's error, shown as such.
  await page.getByLabel("Event JSON").fill('{"operation": "read", "tableName": "no-such-table", "payload": {"Key": {"id": "1"}}}');
  const failed = await invokeFresh(page);
  await failed.getByTestId("invoke-status").filter({ hasText: "Execution result: failed (Unhandled)" }).waitFor();
  assert.equal(await failed.getByTestId("function-error").textContent(), "Unhandled");
  assert.equal(JSON.parse(await failed.getByTestId("invoke-response").textContent()).errorType, "ResourceNotFoundException");
  await shot(page, "function-test-error");
  page.assertNoErrors();
});
