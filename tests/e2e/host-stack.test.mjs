// The host's stack below a guest's cloud call. In the browser the host's
// frames go on the same stack as the guest's, so before the work of a
// `stratus.call` starts the host checks that the stack its request needs is
// left (src/host/wasm_engine.rs: `stack_bytes`, sized by
// `wasi::stack_need`): a DynamoDB request is asked 32 KiB plus 512 bytes a
// level of its nesting, anything else 128 KiB. This test checks those sizes
// against what the host really uses, in Chromium, at the deepest nesting the
// engine accepts.
//
// Method. The test serves a copy of the built app with two changes to the
// import shim (the only JavaScript between the guest and the host):
// * while a trial is armed, the guest's host calls of a pointer and a length
//   or two (stratus.call and call_into among them; not the fuel check,
//   which is frequent) are
//   entered at a chosen depth: the shim measures how much stack is left
//   (the largest argument list that still fits, by bisection: V8 checks the
//   stack before it pushes one, and the host's own check is the same
//   measure), takes most of the way down to X in one call whose argument
//   list is the rest, then recurses frame by frame until less than X + 512
//   bytes are left, records what is left exactly, and only then calls the
//   host;
// * the host's check answers yes whatever is left, and records what it was
//   asked for (E).
// A nodejs22.x function makes one cloud call of a kind the event names. For
// each kind, a first run records E; then the call runs with the host
// entered at E, 90 % and 80 % of E left, which must all succeed (the check
// asks for at least a quarter more than the work takes), and on down until
// the host runs out of stack (the RangeError crosses its frames; the run
// ends with the error that says so, and the page is reloaded, since the
// host's state is not to be trusted after that). What each kind needs (the
// least room it ran with) is printed beside what it asks for: the figures
// in docs/benchmarks-functions.md. KINDS=a,b runs only those kinds;
// VERBOSE=1 prints every run.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { distDir, serveDist, launch, openPage, waitForServiceWorker, zipOf } from "./harness.mjs";

// A copy of the built app with the changes above.
function instrumentedCopy() {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "stratus-stack-dist-"));
  fs.cpSync(distDir, copy, { recursive: true });
  const edits = [
    // The host calls of two or four plain numbers (stratus.call and its
    // like: pointer and length; stratus.call_into: two of each), not the
    // fuel check, which the guest's pace makes frequent.
    ["      Reflect.apply(nothing, undefined, list);\n      const result = fast(slot, a, b, c, d);",
      "      if (globalThis.__stackArmed && b !== undefined && (c === undefined || d !== undefined)) return globalThis.__stackEnter(() => { const result = fast(slot, a, b, c, d); if (result === STOP) throw STOP; return result; });\n" +
      "      Reflect.apply(nothing, undefined, list);\n      const result = fast(slot, a, b, c, d);"],
    // The host's own check.
    ["export function stratus_stack_fits(bytes) {\n",
      "export function stratus_stack_fits(bytes) {\n  if (globalThis.__stackArmed) { globalThis.__stackAsked = Math.max(globalThis.__stackAsked || 0, bytes); return true; }\n"],
  ];
  const digest = (t) => "sha384-" + crypto.createHash("sha384").update(t).digest("base64");
  let shims = 0;
  for (const file of fs.readdirSync(path.join(copy, "snippets"), { recursive: true })) {
    const full = path.join(copy, "snippets", String(file));
    if (!full.endsWith(".js")) continue;
    const text = fs.readFileSync(full, "utf8");
    if (!text.includes("export function stratus_wasm_import")) continue;
    let next = text;
    for (const [from, to] of edits) {
      assert.ok(next.includes(from), `the import shim (${file}) no longer reads as this test expects:\n${from}`);
      next = next.replace(from, to);
    }
    fs.writeFileSync(full, next);
    // The pages name each script with its digest (subresource integrity).
    for (const page of ["index.html", "404.html"]) {
      const p = path.join(copy, page);
      if (fs.existsSync(p)) fs.writeFileSync(p, fs.readFileSync(p, "utf8").replaceAll(digest(text), digest(next)));
    }
    shims++;
  }
  assert.equal(shims, 1, "one import shim in the built app");
  return copy;
}

const handler = `
import { DynamoDBClient, DescribeLimitsCommand, ScanCommand, QueryCommand, ExecuteStatementCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand, TransactWriteCommand, TransactGetCommand, BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { LambdaClient, InvokeCommand } from "@aws-sdk/client-lambda";
const db = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(db);
const lambda = new LambdaClient({});
const maps = (n) => { let v = "x"; for (let i = 0; i < n; i++) v = { a: v }; return v; };
const arrays = (n) => { let v = 0; for (let i = 0; i < n; i++) v = [v]; return v; };
const filter = (expression) => ({ TableName: "Deep", FilterExpression: expression, ExpressionAttributeNames: { "#v": "v" }, ExpressionAttributeValues: { ":v": { S: "x" } } });
const nestedAnd = (n) => n === 0 ? "#v = :v" : "#v = :v AND (" + nestedAnd(n - 1) + ")";
export const calls = {
  describe_limits: () => db.send(new DescribeLimitsCommand({})),
  get_item: () => doc.send(new GetCommand({ TableName: "Deep", Key: { id: "k1" } })),
  put_item_nested_31: () => doc.send(new PutCommand({ TableName: "Deep", Item: { id: "deep", v: maps(31) } })),
  put_item_nested_40: () => doc.send(new PutCommand({ TableName: "Deep", Item: { id: "over", v: maps(40) } })),
  get_item_nested_31: () => doc.send(new GetCommand({ TableName: "Deep", Key: { id: "deep" } })),
  update_item_nested_31: () => doc.send(new UpdateCommand({ TableName: "Deep", Key: { id: "deep" }, UpdateExpression: "SET w = :w", ExpressionAttributeValues: { ":w": 1 }, ReturnValues: "ALL_NEW" })),
  query_nested_31: () => doc.send(new QueryCommand({ TableName: "Deep", KeyConditionExpression: "id = :id", ExpressionAttributeValues: { ":id": { S: "deep" } } })),
  transact_get_nested_31: () => doc.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName: "Deep", Key: { id: "deep" } } }] })),
  select_nested_31: () => db.send(new ExecuteStatementCommand({ Statement: "SELECT * FROM \\"Deep\\" WHERE id = 'deep'" })),
  transact_write_100: () => doc.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 100 }, (_, i) => ({ Put: { TableName: "Deep", Item: { id: "t" + i, v: maps(20) } } })) })),
  batch_get_100: () => doc.send(new BatchGetCommand({ RequestItems: { Deep: { Keys: [{ id: "deep" }, ...Array.from({ length: 99 }, (_, i) => ({ id: "t" + i }))] } } })),
  scan_all: () => db.send(new ScanCommand({ TableName: "Deep" })),
  json_nested_120: () => db.send(new DescribeLimitsCommand({ Junk: arrays(120) })),
  json_nested_200: () => db.send(new DescribeLimitsCommand({ Junk: arrays(200) })),
  filter_parentheses_99: () => db.send(new ScanCommand(filter("(".repeat(99) + "#v = :v" + ")".repeat(99)))),
  filter_parentheses_150: () => db.send(new ScanCommand(filter("(".repeat(150) + "#v = :v" + ")".repeat(150)))),
  filter_nested_and_99: () => db.send(new ScanCommand(filter(nestedAnd(99)))),
  filter_not_99: () => db.send(new ScanCommand(filter("NOT ".repeat(98) + "#v = :v"))),
  filter_and_chain_300: () => db.send(new ScanCommand(filter(Array.from({ length: 300 }, () => "#v = :v").join(" AND ")))),
  statement_parentheses_63: () => db.send(new ExecuteStatementCommand({ Statement: 'SELECT * FROM "Deep" WHERE ' + "(".repeat(62) + "id = 'k1'" + ")".repeat(62) })),
  statement_parentheses_100: () => db.send(new ExecuteStatementCommand({ Statement: 'SELECT * FROM "Deep" WHERE ' + "(".repeat(100) + "id = 'k1'" + ")".repeat(100) })),
  invoke_function: () => lambda.send(new InvokeCommand({ FunctionName: "deep-inner", Payload: JSON.stringify({ id: "k1" }) })),
};
export const handler = async (event) => {
  try {
    const out = await calls[event.kind]();
    const payload = out.Payload ? new TextDecoder().decode(out.Payload).slice(0, 300) : undefined;
    return { ok: true, functionError: out.FunctionError, payload };
  } catch (e) {
    return { ok: false, name: e.name, message: String(e.message).slice(0, 200) };
  }
};`;
const inner = `
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) => (await doc.send(new GetCommand({ TableName: "Deep", Key: { id: event.id } }))).Item;`;
// In this order: the writes come before the reads of what they wrote.
const kinds = [...handler.matchAll(/^  (\w+): \(\) =>/gm)].map((m) => m[1]).filter((k) => !process.env.KINDS || process.env.KINDS.split(",").includes(k));

async function open(page, url) {
  await page.goto(url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor({ timeout: 60000 });
  await waitForServiceWorker(page);
  await page.evaluate(() => {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    window.__call = async (method, path, body, headers = []) => {
      const r = await window.wasmBindings.stratus_handle({ method, path, query: "", headers, body: enc.encode(JSON.stringify(body)).buffer });
      return { status: r.status, headers: r.headers, text: dec.decode(r.body) };
    };
    function nothing() {}
    const lists = new Map();
    // Whether an argument list of `bytes` bytes still fits on the stack here.
    const fits = (bytes) => {
      const n = Math.ceil(bytes / 8);
      let list = lists.get(n);
      if (list === undefined) lists.set(n, (list = new Array(n)));
      try {
        Reflect.apply(nothing, undefined, list);
        return true;
      } catch {
        return false;
      }
    };
    // The most stack an argument list may take here, to 16 bytes.
    const left = (most) => {
      let lo = 0;
      let hi = most;
      while (hi - lo > 16) {
        const mid = (lo + hi) >> 1;
        if (fits(mid)) lo = mid;
        else hi = mid;
      }
      return lo;
    };
    // Calls `enter` (the host) with about __stackRoom bytes of stack left:
    // takes most of the way in one step (a call whose argument list is the
    // rest), then frame by frame; records the least left at any entry.
    window.__stackEnter = (enter) => {
      const x = window.__stackRoom;
      const down = () => {
        if (fits(x + 512)) return down();
        window.__stackLeft = Math.min(window.__stackLeft ?? Infinity, left(x + 4096));
        return enter();
      };
      const rest = left(1 << 21) - x - 4096;
      if (rest <= 0) return down();
      return Reflect.apply(function () { return down(); }, undefined, new Array(Math.ceil(rest / 8)));
    };
  });
}

// One run of kind `kind` with the host entered at about `room` bytes left
// (undefined: nowhere in particular, as shipped). `ran`: the host answered
// (whatever the call's own outcome, which `outcome` gives).
async function run(page, kind, room) {
  try {
    const r = await page.evaluate(
      async ({ kind, room }) => {
        Object.assign(window, { __stackRoom: room, __stackLeft: undefined, __stackAsked: undefined, __stackArmed: room !== undefined });
        const r = await window.__call("POST", "/_aws/lambda/2015-03-31/functions/deep/invocations", { kind });
        window.__stackArmed = false;
        // A nested function's host running out shows in its error, which
        // the outer call returns.
        const failed = r.status !== 200 || r.headers.some(([k]) => k.toLowerCase() === "x-amz-function-error") || r.text.includes("inside the host function");
        return { ran: !failed, outcome: r.text.slice(0, 300), left: window.__stackLeft, asked: window.__stackAsked };
      },
      { kind, room },
    );
    return r;
  } catch (e) {
    // The app itself failed (a panic aborts its wasm).
    return { ran: false, outcome: String(e.message).slice(0, 300) };
  }
}

test("a cloud call's work fits in the stack its check asks for, with a quarter to spare", { timeout: 600000 }, async (t) => {
  const copy = instrumentedCopy();
  const server = await serveDist({ dir: copy });
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await server.close();
    fs.rmSync(copy, { recursive: true, force: true });
  });
  const { page } = await openPage(browser);
  await open(page, server.url);
  await page.evaluate(
    async (zips) => {
      const ddb = (op, body) => window.__call("POST", "/_aws/dynamodb/", body, [["x-amz-target", "DynamoDB_20120810." + op], ["content-type", "application/x-amz-json-1.0"]]);
      await ddb("CreateTable", { TableName: "Deep", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] });
      await ddb("PutItem", { TableName: "Deep", Item: { id: { S: "k1" }, v: { S: "x" } } });
      for (const [name, zip] of Object.entries(zips)) {
        const c = await window.__call("POST", "/_aws/lambda/2015-03-31/functions", { FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/deep", Handler: "index.handler", Timeout: 30, Code: { ZipFile: zip } });
        if (c.status !== 201) throw new Error(c.text);
      }
    },
    { deep: zipOf({ "index.mjs": handler }).toString("base64"), "deep-inner": zipOf({ "index.mjs": inner }).toString("base64") },
  );

  const table = [];
  for (const kind of kinds) {
    // Unarmed first: the function's environment starts (its init makes
    // many host calls) and V8 compiles the code the call takes.
    await run(page, kind, undefined);
    // What the call asks for (the host entered with plenty left).
    const first = await run(page, kind, 256 * 1024);
    assert.ok(first.ran && first.asked > 0, `${kind}: ${first.outcome}`);
    const asked = first.asked;
    let least = null;
    let failedAt = null;
    for (const share of [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05]) {
      const r = await run(page, kind, Math.round(asked * share));
      if (process.env.VERBOSE) console.error(kind, share, r.ran, r.left, r.asked, r.outcome.slice(0, 100));
      if (!r.ran) {
        assert.ok(share < 0.8, `${kind} asks for ${asked} bytes of stack, and its host ran out with ${r.left} left: ${r.outcome}`);
        failedAt = r.left;
        break;
      }
      least = r.left;
    }
    table.push({ kind, asked, ran_with: least, ran_out_with: failedAt, outcome: first.outcome.slice(0, 90) });
    if (failedAt !== null) await open(page, server.url);
  }
  console.log("kind                        asked   ran with  ran out with   the call's outcome");
  for (const r of table) {
    console.log(`${r.kind.padEnd(26)} ${String(r.asked).padStart(7)} ${String(r.ran_with).padStart(10)} ${String(r.ran_out_with).padStart(13)}   ${r.outcome}`);
  }
});
