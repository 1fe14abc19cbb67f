// Browser benchmark of functions (not part of the test suite):
//
//   ./x runtimes && cd tests/e2e && STRATUS_E2E_DIST=/path/to/dist node bench-functions.mjs
//
// Headless Chromium. Requests go in-process through
// window.wasmBindings.stratus_handle (Cloud::handle in the owner tab, the
// path the console and the fast lane take). Measures, with the browser's own
// WebAssembly engine:
//   (a) compile: WebAssembly.compile of the sample module (paid once per
//       deployment, then cached);
//   (b) cold start with the compiled module cached: an Invoke whose
//       environment is new (instantiate + _initialize + stratus_init + run),
//       end to end, and the REPORT line's Init Duration;
//   (c) warm invocation: an Invoke of a warm environment, end to end (mean of
//       a batch: performance.now() is clamped to 100 µs in a page that is not
//       cross-origin isolated), and the overhead: that minus the same module's
//       stratus_handle called directly in the page (unmetered, stub imports);
//   (d) fuel metering: the CPU-bound primes sample run by Stratus (metered)
//       against the same module instantiated directly in the page (no
//       metering), same engine, same input.
// Prints a summary and, last, one JSON line with every figure.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import zlib from "node:zlib";
import { serveDist, chromiumArgs, waitForServiceWorker, repo, zipOf, median } from "./harness.mjs";

const executable = process.env.CHROMIUM || "/usr/bin/chromium";
const rounds = Number(process.env.BENCH_ROUNDS || 200);
const sample = (name) => fs.readFileSync(path.join(repo, "runtimes", "dist", `${name}.wasm`)).toString("base64");

const server = await serveDist();
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "stratus-bench-fn-"));
const context = await chromium.launchPersistentContext(profile, { executablePath: executable, headless: true, args: chromiumArgs });
const page = context.pages()[0] || (await context.newPage());
await page.goto(server.url);
await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor({ timeout: 60000 });
await waitForServiceWorker(page);

let figures = await page.evaluate(
  async ({ hello, primes, noop, rounds }) => {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const call = async (method, path, body, headers = []) => {
      const r = await window.wasmBindings.stratus_handle({
        method,
        path: "/_aws/lambda/" + path,
        query: "",
        headers,
        body: enc.encode(body === undefined ? "" : JSON.stringify(body)).buffer,
      });
      const h = Object.fromEntries(r.headers.map(([k, v]) => [k.toLowerCase(), v]));
      return { status: r.status, headers: h, text: dec.decode(r.body) };
    };
    const create = async (name, code, extra = {}) => {
      const r = await call("POST", "2015-03-31/functions", {
        FunctionName: name, Runtime: "provided.al2023", Role: "arn:aws:iam::000000000000:role/bench", Code: { ZipFile: code }, ...extra,
      });
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
    };
    const invoke = async (name, event) => {
      const t0 = performance.now();
      const r = await call("POST", `2015-03-31/functions/${name}/invocations`, event, [["X-Amz-Log-Type", "Tail"]]);
      const total = performance.now() - t0;
      if (r.status !== 200 || r.headers["x-amz-function-error"]) throw new Error(`invoke ${name}: ${r.status} ${r.text}`);
      const log = atob(r.headers["x-amz-log-result"] || "");
      const num = (re) => { const m = log.match(re); return m ? Number(m[1]) : null; };
      return { total, duration: num(/\tDuration: ([\d.]+) ms/), init: num(/Init Duration: ([\d.]+) ms/), body: r.text };
    };
    // Imports for running a sample directly, without Stratus: the context is
    // "{}", remaining time a minute, everything else does nothing.
    const stubsFor = (module, instance) => {
      const stubs = {};
      for (const imp of WebAssembly.Module.imports(module)) {
        stubs[imp.module] ??= {};
        stubs[imp.module][imp.name] =
          imp.module === "stratus" && imp.name === "context"
            ? (ptr, len) => { if (len >= 2) new Uint8Array(instance().exports.memory.buffer, ptr, 2).set([123, 125]); return 2; }
            : imp.module === "stratus" && imp.name === "remaining_ms" ? () => 60000n
            : imp.name === "fd_write" ? (fd, iovs, n, written) => {
                const m = new DataView(instance().exports.memory.buffer);
                let total = 0;
                for (let i = 0; i < n; i++) total += m.getUint32(iovs + i * 8 + 4, true);
                m.setUint32(written, total, true);
                return 0;
              }
            : () => 0;
      }
      return stubs;
    };
    const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
    const r3 = (x) => Math.round(x * 1000) / 1000;

    // (a) compile
    const helloBytes = bytes(hello);
    const compiles = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await WebAssembly.compile(helloBytes);
      compiles.push(performance.now() - t0);
    }

    await create("hello", hello);
    await invoke("hello", {}); // compiled and warmed once

    // (b) cold starts: a configuration change retires the warm environment;
    // the compiled module stays cached (same code, same memory size).
    const cold = [], coldInit = [];
    for (let i = 0; i < Math.min(rounds, 100); i++) {
      const u = await call("PUT", "2015-03-31/functions/hello/configuration", { Description: `round ${i}` });
      if (u.status !== 200) throw new Error(u.text);
      const r = await invoke("hello", {});
      if (r.init === null) throw new Error("expected a cold start");
      cold.push(r.total);
      coldInit.push(r.init);
    }

    // (c) warm invocations. performance.now() is coarse (100 µs in a page
    // that is not cross-origin isolated), so batches are timed and divided.
    const batch = rounds * 5;
    // The front door's own cost: a Lambda request that runs nothing (an
    // unknown path, answered 404 by the same router).
    let t0 = performance.now();
    for (let i = 0; i < batch; i++) await call("GET", "2015-03-31/layers", undefined);
    const doorMean = (performance.now() - t0) / batch;
    const warmOf = async (name, code) => {
      for (let i = 0; i < 50; i++) await invoke(name, {});
      let t0 = performance.now();
      for (let i = 0; i < batch; i++) {
        const r = await call("POST", `2015-03-31/functions/${name}/invocations`, {});
        if (r.status !== 200) throw new Error(r.text);
      }
      const mean = (performance.now() - t0) / batch;
      // The guest's own time: the same module, unmetered, called directly.
      const module = await WebAssembly.compile(bytes(code));
      let direct;
      direct = await WebAssembly.instantiate(module, stubsFor(module, () => direct));
      direct.exports._initialize?.();
      const ev = enc.encode("{}");
      t0 = performance.now();
      for (let i = 0; i < batch; i++) {
        const ptr = direct.exports.stratus_alloc(ev.length);
        new Uint8Array(direct.exports.memory.buffer, ptr, ev.length).set(ev);
        if (direct.exports.stratus_handle(ptr, ev.length) !== 0) throw new Error(`direct ${name} failed`);
      }
      const guest = (performance.now() - t0) / batch;
      return {
        end_to_end_us: r3(mean * 1000),
        guest_us: r3(guest * 1000),
        overhead_us: r3((mean - guest) * 1000),
        invocation_overhead_us: r3((mean - guest - doorMean) * 1000),
        count: batch,
      };
    };
    await create("noop", noop);
    const warmNoop = await warmOf("noop", noop);
    const warmHello = await warmOf("hello", hello);

    // (d) fuel metering on a CPU-bound function
    const n = 300000;
    await create("primes", primes, { Timeout: 60 });
    await invoke("primes", { n: 1000 });
    const metered = [];
    for (let i = 0; i < 7; i++) metered.push((await invoke("primes", { n })).duration);
    // The same module, not metered, instantiated directly with stub imports.
    const module = await WebAssembly.compile(bytes(primes));
    let instance;
    instance = await WebAssembly.instantiate(module, stubsFor(module, () => instance));
    const memory = instance.exports.memory;
    instance.exports._initialize?.();
    const event = enc.encode(JSON.stringify({ n }));
    const raw = [];
    for (let i = 0; i < 7; i++) {
      const ptr = instance.exports.stratus_alloc(event.length);
      new Uint8Array(memory.buffer, ptr, event.length).set(event);
      const t0 = performance.now();
      const status = instance.exports.stratus_handle(ptr, event.length);
      raw.push(performance.now() - t0);
      if (status !== 0) throw new Error("the unmetered run failed");
    }
    const med = (xs) => pct(xs, 50);
    return {
      compile_ms: { p50: r3(med(compiles)), module_bytes: helloBytes.length },
      cold_start_ms: { p50: r3(med(cold)), p99: r3(pct(cold, 99)), init_duration_p50: r3(med(coldInit)), count: cold.length },
      front_door_us: { mean: r3(doorMean * 1000) },
      warm_noop: warmNoop,
      warm_hello: warmHello,
      fuel: { n, metered_ms: r3(med(metered)), unmetered_ms: r3(med(raw)), overhead_percent: r3((med(metered) / med(raw) - 1) * 100) },
    };
  },
  { hello: sample("hello"), primes: sample("primes"), noop: sample("noop"), rounds },
);

// (e) JavaScript: a nodejs22.x handler doing one DynamoDB GetItem through
// the SDK-shaped DocumentClient. First invocation (runtime fetched on first
// use, compiled, initialised, snapshotted) and cold starts from the
// snapshot (warm invocations have their own benchmark, bench-nodejs.mjs): the engine clock is fast-forwarded an
// hour from Settings so the idle environment is shut down.
await page.evaluate(() => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  window.__l = async (method, path, body, headers = []) => {
    const r = await window.wasmBindings.stratus_handle({
      method, path, query: "", headers, body: enc.encode(body === undefined ? "" : JSON.stringify(body)).buffer,
    });
    const h = Object.fromEntries(r.headers.map(([k, v]) => [k.toLowerCase(), v]));
    return { status: r.status, headers: h, text: dec.decode(r.body) };
  };
  window.__jsInvoke = async () => {
    const t0 = performance.now();
    const r = await window.__l("POST", "/_aws/lambda/2015-03-31/functions/jsget/invocations", { id: "k1" }, [["X-Amz-Log-Type", "Tail"]]);
    const total = performance.now() - t0;
    if (r.status !== 200 || r.headers["x-amz-function-error"]) throw new Error(r.text);
    const m = atob(r.headers["x-amz-log-result"]).match(/Init Duration: ([\d.]+) ms/);
    return { total, init: m ? Number(m[1]) : null };
  };
});
const jsSource = `
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) => (await doc.send(new GetCommand({ TableName: "BenchJs", Key: { id: event.id } }))).Item;`;
const js = await page.evaluate(
  async ({ zip }) => {
    const table = { TableName: "BenchJs", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] };
    const ddb = (op, body) => window.__l("POST", "/_aws/dynamodb/", body, [["x-amz-target", "DynamoDB_20120810." + op], ["content-type", "application/x-amz-json-1.0"]]);
    await ddb("CreateTable", table);
    await ddb("PutItem", { TableName: "BenchJs", Item: { id: { S: "k1" }, v: { N: "1" } } });
    const t0 = performance.now();
    const c = await window.__l("POST", "/_aws/lambda/2015-03-31/functions", { FunctionName: "jsget", Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/b", Handler: "index.handler", Code: { ZipFile: zip } });
    const createMs = performance.now() - t0;
    if (c.status !== 201) throw new Error(c.text);
    const first = await window.__jsInvoke();
    return { create_ms: createMs, first_invoke_ms: first.total, first_init_ms: first.init };
  },
  { zip: zipOf({ "index.mjs": jsSource }).toString("base64") },
);
const jsCold = [];
const jsInit = [];
await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "Settings" }).click();
for (let i = 0; i < 20; i++) {
  await page.getByRole("button", { name: "+1 hour" }).click();
  const r = await page.evaluate(() => window.__jsInvoke());
  if (r.init === null) throw new Error("expected a cold start after an hour idle");
  jsCold.push(r.total);
  jsInit.push(r.init);
}
const nodejsWasm = fs.readFileSync(path.join(repo, "runtimes", "dist", "nodejs.wasm"));
figures.nodejs = {
  module_bytes: nodejsWasm.length,
  module_gzip_bytes: zlib.gzipSync(nodejsWasm, { level: 9 }).length,
  create_ms: Math.round(js.create_ms * 10) / 10,
  first_invoke_ms: Math.round(js.first_invoke_ms * 10) / 10,
  first_init_ms: js.first_init_ms,
  snapshot_cold_start_ms_p50: Math.round(median(jsCold) * 100) / 100,
  snapshot_init_ms_p50: median(jsInit),
};

console.log(`compile hello.wasm (${figures.compile_ms.module_bytes} bytes): ${figures.compile_ms.p50} ms p50`);
console.log(`cold start, compiled module cached: ${figures.cold_start_ms.p50} ms p50 end to end (Init Duration ${figures.cold_start_ms.init_duration_p50} ms)`);
for (const [name, w] of [["noop", figures.warm_noop], ["hello", figures.warm_hello]]) {
  console.log(`warm ${name}: ${w.end_to_end_us} µs mean end to end; guest alone ${w.guest_us} µs; overhead ${w.overhead_us} µs, of which the front door (stratus_handle round trip) ${figures.front_door_us.mean} µs and the invocation ${w.invocation_overhead_us} µs`);
}
console.log(`fuel metering on primes(n=${figures.fuel.n}): ${figures.fuel.metered_ms} ms metered vs ${figures.fuel.unmetered_ms} ms unmetered: +${figures.fuel.overhead_percent}%`);
console.log(`nodejs runtime: ${figures.nodejs.module_bytes} bytes (${figures.nodejs.module_gzip_bytes} gzip); CreateFunction ${figures.nodejs.create_ms} ms (includes fetching, compiling and a trial start on first use); first invocation ${figures.nodejs.first_invoke_ms} ms (init ${figures.nodejs.first_init_ms} ms); cold start from the snapshot ${figures.nodejs.snapshot_cold_start_ms_p50} ms p50 (Init Duration ${figures.nodejs.snapshot_init_ms_p50} ms)`);
console.log(JSON.stringify({ machine: { nproc: os.availableParallelism(), load: os.loadavg().map((x) => x.toFixed(2)).join(" ") }, ...figures }));
await context.close();
await server.close();
fs.rmSync(profile, { recursive: true, force: true });
