// Browser benchmark of the cloud's write path (not part of the test suite):
//
//   cd tests/e2e && STRATUS_E2E_DIST=/path/to/dist node bench-browser.mjs
//
// Headless Chromium on a real (on-disk) profile, so IndexedDB is the durable
// one a user has, not the in-memory store of an incognito context. Requests go
// in-process through window.wasmBindings.stratus_handle (Cloud::handle in the
// owner tab), except (d), which goes through fetch() and the service worker.
// Prints a human summary and, last, one JSON line with every figure.
// Options (environment): BENCH_SECONDS (default 3) per throughput run,
// BENCH_LOAD_ITEMS (default 100000) for the load test.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { serveDist, chromiumArgs, waitForServiceWorker } from "./harness.mjs";

const seconds = Number(process.env.BENCH_SECONDS || 3);
const loadItems = Number(process.env.BENCH_LOAD_ITEMS || 100000);
const executable = process.env.CHROMIUM || "/usr/bin/chromium";

// Installs, in the page, call(operation, body) through stratus_handle and
// fcall(operation, body) through fetch(); both resolve the HTTP status.
async function installClients(page) {
  await page.evaluate(() => {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    window.__call = async (operation, body, wantBody) => {
      const r = await window.wasmBindings.stratus_handle({
        method: "POST",
        path: "/_aws/dynamodb/",
        query: "",
        headers: [
          ["content-type", "application/x-amz-json-1.0"],
          ["x-amz-target", "DynamoDB_20120810." + operation],
        ],
        body: enc.encode(JSON.stringify(body)).buffer,
      });
      if (r.status !== 200) throw new Error(`${operation}: ${r.status} ${dec.decode(r.body)}`);
      return wantBody ? JSON.parse(dec.decode(r.body)) : r.status;
    };
    window.__fcall = async (operation, body) => {
      const r = await fetch("_aws/dynamodb/", {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810." + operation },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`${operation}: ${r.status} ${text}`);
      return r.status;
    };
    // An item of about 200 bytes: key, a number and a 160-character string.
    window.__item = (table, id) => ({
      TableName: table,
      Item: { id: { S: id }, n: { N: String(id.length) }, payload: { S: ("payload-" + id).padEnd(160, "x") } },
    });
    window.__pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  });
}

async function createTable(page, name) {
  await page.evaluate(
    (name) =>
      window.__call("CreateTable", {
        TableName: name,
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    name,
  );
}

// `writers` loops of PutItem for `seconds`; acknowledged items per second.
function putThroughput(page, table, writers, viaFetch, tag) {
  return page.evaluate(
    async ([table, writers, ms, viaFetch, tag]) => {
      const call = viaFetch ? window.__fcall : window.__call;
      let acked = 0;
      let next = 0;
      const started = performance.now();
      const until = started + ms;
      const loop = async () => {
        while (performance.now() < until) {
          await call("PutItem", window.__item(table, `${tag}-${next++}`));
          acked++;
        }
      };
      await Promise.all(Array.from({ length: writers }, loop));
      const elapsed = performance.now() - started;
      return { writers, acked, seconds: elapsed / 1000, perSecond: Math.round((acked * 1000) / elapsed) };
    },
    [table, writers, seconds * 1000, viaFetch, tag],
  );
}

// `inFlight` loops of BatchWriteItem (25 items each) for `seconds`.
function batchThroughput(page, table, inFlight, tag) {
  return page.evaluate(
    async ([table, inFlight, ms, tag]) => {
      let acked = 0;
      let next = 0;
      const started = performance.now();
      const until = started + ms;
      const loop = async () => {
        while (performance.now() < until) {
          const requests = [];
          for (let k = 0; k < 25; k++) requests.push({ PutRequest: { Item: window.__item(table, `${tag}-${next++}`).Item } });
          const out = await window.__call("BatchWriteItem", { RequestItems: { [table]: requests } }, true);
          if (Object.keys(out.UnprocessedItems || {}).length) throw new Error("unprocessed items");
          acked += 25;
        }
      };
      await Promise.all(Array.from({ length: inFlight }, loop));
      const elapsed = performance.now() - started;
      return { inFlight, acked, seconds: elapsed / 1000, perSecond: Math.round((acked * 1000) / elapsed) };
    },
    [table, inFlight, seconds * 1000, tag],
  );
}

// One request at a time, `count` times: latency percentiles in ms.
function latency(page, table, operation, count, viaFetch, tag) {
  return page.evaluate(
    async ([table, operation, count, viaFetch, tag]) => {
      const call = viaFetch ? window.__fcall : window.__call;
      const times = [];
      for (let i = 0; i < count; i++) {
        const id = `${tag}-${i}`;
        const body = operation === "PutItem" ? window.__item(table, id) : { TableName: table, Key: { id: { S: id } } };
        const t0 = performance.now();
        await call(operation, body);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const r = (x) => Math.round(x * 1000) / 1000;
      return {
        operation,
        count,
        p50: r(window.__pct(times, 50)),
        p99: r(window.__pct(times, 99)),
        mean: r(times.reduce((a, b) => a + b, 0) / count),
      };
    },
    [table, operation, count, viaFetch, tag],
  );
}

async function openApp(profile, url) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] || (await context.newPage());
  await page.goto(url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor({ timeout: 60000 });
  await waitForServiceWorker(page);
  await installClients(page);
  return { context, page };
}

function machine() {
  const cpu = (fs.readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) || [])[1] || "unknown";
  let version = "unknown";
  try {
    version = execFileSync(executable, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {}
  let disk = "unknown";
  try {
    disk = execFileSync("df", ["-hT", os.tmpdir()], { encoding: "utf8" }).trim().split("\n").pop();
  } catch {}
  return { nproc: os.availableParallelism(), cpu, memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`, chromium: version, tmp: disk, load: os.loadavg().map((x) => x.toFixed(2)).join(" ") };
}

async function main() {
  const results = { machine: machine(), seconds };
  console.log("machine", results.machine);
  const server = await serveDist();
  const profiles = [];
  const contexts = [];
  try {
    // (a)–(d) on one profile.
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "stratus-bench-"));
    profiles.push(profile);
    const { context, page } = await openApp(profile, server.url);
    contexts.push(context);
    await createTable(page, "Bench");

    // Warm up the wasm and IndexedDB paths.
    await putThroughput(page, "Bench", 8, false, "warm");

    results.put = [];
    for (const writers of [1, 8, 64]) {
      const r = await putThroughput(page, "Bench", writers, false, `put${writers}`);
      results.put.push(r);
      console.log(`(a) PutItem via stratus_handle, ${writers} in flight: ${r.perSecond} items/s (${r.acked} in ${r.seconds.toFixed(1)} s)`);
    }
    results.batch = [];
    for (const inFlight of [1, 8]) {
      const r = await batchThroughput(page, "Bench", inFlight, `batch${inFlight}`);
      results.batch.push(r);
      console.log(`(a') BatchWriteItem x25 via stratus_handle, ${inFlight} in flight: ${r.perSecond} items/s`);
    }
    results.putLatency = await latency(page, "Bench", "PutItem", 1000, false, "lat");
    console.log(`(b) single PutItem via stratus_handle:`, results.putLatency);
    results.getLatency = await latency(page, "Bench", "GetItem", 1000, false, "lat");
    console.log(`(c) single GetItem via stratus_handle:`, results.getLatency);

    results.fetchPutLatency = await latency(page, "Bench", "PutItem", 500, true, "flat");
    console.log(`(d) single PutItem via fetch + service worker:`, results.fetchPutLatency);
    results.fetchGetLatency = await latency(page, "Bench", "GetItem", 500, true, "flat");
    console.log(`(d) single GetItem via fetch + service worker:`, results.fetchGetLatency);
    results.fetchPut = [];
    for (const writers of [1, 8, 64]) {
      const r = await putThroughput(page, "Bench", writers, true, `fput${writers}`);
      results.fetchPut.push(r);
      console.log(`(d) PutItem via fetch + service worker, ${writers} in flight: ${r.perSecond} items/s`);
    }
    // (f) Baseline without the engine: raw IndexedDB in the same page, with
    // 200-byte Uint8Array values, as many puts per transaction as a group.
    results.rawIdb = await page.evaluate(async (ms) => {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open("bench-raw", 1);
        open.onupgradeneeded = () => open.result.createObjectStore("kv");
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const value = new Uint8Array(200).fill(120);
      let key = 0;
      const txn = (n, durability) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction("kv", "readwrite", { durability });
          const store = tx.objectStore("kv");
          for (let i = 0; i < n; i++) store.put(value.slice(), `k${key++}`);
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
      const out = {};
      for (const durability of ["default", "relaxed", "strict"]) {
        const times = [];
        for (let i = 0; i < 300; i++) {
          const t0 = performance.now();
          await txn(1, durability);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const r = (x) => Math.round(x * 10) / 10;
        out[`single_${durability}`] = { p50: r(window.__pct(times, 50)), p99: r(window.__pct(times, 99)) };
      }
      for (const n of [64, 512]) {
        let puts = 0;
        const started = performance.now();
        while (performance.now() < started + ms) {
          await txn(n, "default");
          puts += n;
        }
        out[`puts_per_s_tx${n}`] = Math.round((puts * 1000) / (performance.now() - started));
      }
      // The same bytes packed into one value per transaction (64 items of 200 bytes).
      {
        const packed = new Uint8Array(64 * 200).fill(120);
        let items = 0;
        const started = performance.now();
        while (performance.now() < started + ms) {
          await new Promise((resolve, reject) => {
            const tx = db.transaction("kv", "readwrite");
            tx.objectStore("kv").put(packed.slice(), `p${key++}`);
            tx.oncomplete = resolve;
            tx.onerror = () => reject(tx.error);
          });
          items += 64;
        }
        out.items_per_s_packed64 = Math.round((items * 1000) / (performance.now() - started));
      }
      db.close();
      return out;
    }, seconds * 1000);
    console.log("(f) raw IndexedDB baseline (no engine):", results.rawIdb);
    await context.close();
    contexts.pop();

    // (e) on a fresh profile: exactly `loadItems` items in one table.
    const loadProfile = fs.mkdtempSync(path.join(os.tmpdir(), "stratus-bench-load-"));
    profiles.push(loadProfile);
    const load = await openApp(loadProfile, server.url);
    contexts.push(load.context);
    await createTable(load.page, "Load");
    const written = await load.page.evaluate(async (total) => {
      const started = performance.now();
      let next = 0;
      const loop = async () => {
        while (next < total) {
          const requests = [];
          while (requests.length < 25 && next < total) requests.push({ PutRequest: { Item: window.__item("Load", `k${next++}`).Item } });
          await window.__call("BatchWriteItem", { RequestItems: { Load: requests } });
        }
      };
      await Promise.all(Array.from({ length: 8 }, loop));
      return performance.now() - started;
    }, loadItems);
    results.loadWrite = { items: loadItems, ms: Math.round(written), perSecond: Math.round((loadItems * 1000) / written) };
    console.log(`(e) wrote ${loadItems} items (BatchWriteItem x25, 8 in flight) in ${Math.round(written)} ms`);

    results.reload = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      await load.page.reload();
      const loaded = load.page.getByText(/Loaded from this browser's storage: \d+ tables, \d+ items in \d+ ms\./);
      await loaded.waitFor({ timeout: 120000 });
      const wall = Date.now() - t0;
      const text = await loaded.innerText();
      const [, tables, items, ms] = text.match(/(\d+) tables, (\d+) items in (\d+) ms/).map(Number);
      results.reload.push({ wallMs: wall, appMs: ms, tables, items });
      console.log(`(e) reload ${i + 1}: "${text}" — ${wall} ms from reload() to the text`);
    }
    await load.context.close();
    contexts.pop();
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    await server.close();
    for (const p of profiles) fs.rmSync(p, { recursive: true, force: true });
  }
  console.log(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
