// Durability: nothing acknowledged is lost, no transaction is half applied.
//
// Chromium is launched by hand (its own process group) so the test can kill
// it outright with SIGKILL while writes are in flight, as a crash or a power
// button would, instead of closing it cleanly. Then it is started again on the
// same profile and the same origin, and the table is checked against what the
// cloud had acknowledged before the kill.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { serveDist, chromiumArgs, shot, waitForServiceWorker, dynamo } from "./harness.mjs";

const executable = process.env.CHROMIUM || "/usr/bin/chromium";

// Starts Chromium detached (its own process group) on `profile`; resolves
// once it prints its DevTools address.
async function startChromium(profile) {
  const child = spawn(
    executable,
    ["--headless=new", ...chromiumArgs, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
    { detached: true, stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const wsUrl = await new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error("Chromium did not print its DevTools address:\n" + seen)), 30000);
    child.stderr.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited (${code ?? signal}) before listening:\n${seen}`));
    });
  });
  // Keep draining stderr so Chromium never blocks on a full pipe.
  child.stderr.on("data", () => {});
  const browser = await chromium.connectOverCDP(wsUrl);
  return { child, browser, exited };
}

// Every process still running whose command line names `profile` (renderers,
// the GPU and utility processes), found by pid in /proc.
function processesUsing(profile) {
  const pids = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes(`--user-data-dir=${profile}`)) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

// SIGKILL to the whole process group, then to any straggler by pid; resolves
// when none is left.
async function killChromium(run, profile) {
  if (!run) return;
  try {
    process.kill(-run.child.pid, "SIGKILL");
  } catch {}
  await Promise.race([run.exited, new Promise((r) => setTimeout(r, 5000))]);
  for (let i = 0; i < 50; i++) {
    const left = processesUsing(profile);
    if (!left.length) return;
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function openApp(run, url) {
  const context = run.browser.contexts()[0];
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.errors = errors;
  await page.goto(url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor({ timeout: 60000 });
  await waitForServiceWorker(page);
  return page;
}

const TABLE = "Durable";


// Starts `writers` loops in the page. Each takes the next number i: an even i
// is a PutItem of item_i, an odd i a TransactWriteItems of pairA_i and pairB_i.
// Every acknowledged write (status 200) is pushed to window.__acked.
function startWrites(page, writers) {
  return page.evaluate(
    ([table, writers]) => {
      window.__acked = [];
      window.__failed = [];
      let next = 0;
      const call = (operation, body) =>
        fetch("_aws/dynamodb/", {
          method: "POST",
          headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810." + operation },
          body: JSON.stringify(body),
        });
      const pad = "x".repeat(100);
      const loop = async () => {
        for (;;) {
          const i = next++;
          let r;
          let id;
          try {
            if (i % 2 === 0) {
              id = `item_${i}`;
              r = await call("PutItem", { TableName: table, Item: { id: { S: id }, n: { N: String(i) }, pad: { S: pad } } });
            } else {
              id = `pair_${i}`;
              r = await call("TransactWriteItems", {
                TransactItems: [
                  { Put: { TableName: table, Item: { id: { S: `pairA_${i}` }, n: { N: String(i) }, pad: { S: pad } } } },
                  { Put: { TableName: table, Item: { id: { S: `pairB_${i}` }, n: { N: String(i) }, pad: { S: pad } } } },
                ],
              });
            }
            if (r.status === 200) window.__acked.push(id);
            else window.__failed.push(`${id}: ${r.status} ${await r.text()}`);
          } catch (e) {
            window.__failed.push(`${id}: ${e}`);
            return;
          }
        }
      };
      for (let w = 0; w < writers; w++) loop();
    },
    [TABLE, writers],
  );
}

async function scanAll(page) {
  const ids = new Set();
  let start;
  do {
    const r = await dynamo(page, "Scan", { TableName: TABLE, ...(start ? { ExclusiveStartKey: start } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const item of r.json.Items) ids.add(item.id.S);
    start = r.json.LastEvaluatedKey;
  } while (start);
  return ids;
}

// Three rounds, each killing Chromium after a different random delay.
const rounds = [
  [300, 800],
  [800, 1600],
  [1600, 2500],
];

for (const [index, [low, high]] of rounds.entries()) {
  const delay = Math.round(low + Math.random() * (high - low));
  test(`round ${index + 1}: killed ${delay} ms into the writes, every acknowledged write survives, no pair is split`, async (t) => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "stratus-durable-"));
    const server = await serveDist();
    let run;
    t.after(async () => {
      await killChromium(run, profile);
      await server.close();
      fs.rmSync(profile, { recursive: true, force: true });
    });

    run = await startChromium(profile);
    let page = await openApp(run, server.url);
    const created = await dynamo(page, "CreateTable", {
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));

    await startWrites(page, 4);
    await new Promise((r) => setTimeout(r, delay));
    const { acked, failed } = await page.evaluate(() => ({ acked: [...window.__acked], failed: [...window.__failed] }));
    // At once: no clean shutdown, no chance to flush anything more.
    await killChromium(run, profile);
    run = undefined;
    assert.deepEqual(failed, [], "no write failed before the kill");
    assert.ok(acked.length > 0, "some writes were acknowledged before the kill");

    run = await startChromium(profile);
    page = await openApp(run, server.url);
    const ids = await scanAll(page);

    const lost = [];
    for (const id of acked) {
      if (id.startsWith("pair_")) {
        const i = id.slice(5);
        if (!ids.has(`pairA_${i}`) || !ids.has(`pairB_${i}`)) lost.push(id);
      } else if (!ids.has(id)) lost.push(id);
    }
    const split = [];
    for (const id of ids) {
      const m = id.match(/^pair([AB])_(\d+)$/);
      if (m && !ids.has(`pair${m[1] === "A" ? "B" : "A"}_${m[2]}`)) split.push(id);
    }
    // GetItem agrees with the scan for the last acknowledged writes.
    for (const id of acked.slice(-5)) {
      const key = id.startsWith("pair_") ? `pairB_${id.slice(5)}` : id;
      const got = await dynamo(page, "GetItem", { TableName: TABLE, Key: { id: { S: key } } });
      assert.equal(got.status, 200);
      assert.ok(got.json.Item, `GetItem finds ${key}`);
    }
    const pairs = acked.filter((id) => id.startsWith("pair_")).length;
    const message =
      `round ${index + 1}: killed after ${delay} ms; ${acked.length} writes acknowledged ` +
      `(${acked.length - pairs} PutItem, ${pairs} TransactWriteItems pairs); ${ids.size} items found after restart`;
    t.diagnostic(message);
    await shot(page, `durability-round-${index + 1}-after-kill`);
    assert.deepEqual(lost, [], "every acknowledged write is there after the kill");
    assert.deepEqual(split, [], "no transaction is half applied");
    assert.deepEqual(page.errors.map(String), [], "no page errors after the restart");
  });
}
