// Browser benchmark of the nodejs runtime's warm path (not part of the test
// suite):
//
//   ./x runtimes && cd tests/e2e && STRATUS_E2E_DIST=/path/to/dist node bench-nodejs.mjs
//
// Headless Chromium, the page cross-origin isolated (COOP + COEP) so that
// performance.now() is precise to microseconds and every invocation is timed
// on its own (p50, p90). Requests go in-process through
// window.wasmBindings.stratus_handle (Cloud::handle in the owner tab, the
// path the console and the fast lane take). Measures, warm, each after 200
// warm-up calls:
//   door     the front door's round trip: a Lambda request answered 404 by
//            the router, running nothing;
//   empty    a nodejs22.x handler `async () => 1` (the runtime's own cost);
//   getitem  a handler doing one GetItem through the DocumentClient, as the
//            AWS developer guide writes it (the issue's target: p50 under
//            100 µs);
//   getitem+tail  the same with X-Amz-Log-Type: Tail (the log tail decoded);
//   raw      one GetItemCommand through the low-level DynamoDBClient.
// With PROFILE=1 (or PROFILE=empty, PROFILE=raw) it also records a CPU
// profile of the getitem (or that handler's) rounds through the DevTools
// protocol, prints the functions with the most self time and writes the
// profile to $TMPDIR/stratus-nodejs.cpuprofile.
// Each figure is the median of BENCH_RERUNS runs of the set (below).
// Prints a summary and, last, one JSON line with every figure.
//
// With STRATUS_E2E_DIST_B=/path/to/another/dist it measures two builds side
// by side in one browser: each in its own tab (its own origin), the set run
// on one and then the other, BENCH_RERUNS times, so that a burst of load on
// a noisy machine moves both. (On 2026-12-02 the same build's p50 moved by
// up to 2 times between runs a minute apart, and more between browser
// starts; docs/benchmarks-functions.md.)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { serveDist, distDir, chromiumArgs, waitForServiceWorker, zipOf, cpuProfile, median } from "./harness.mjs";

const executable = process.env.CHROMIUM || "/usr/bin/chromium";
const rounds = Number(process.env.BENCH_ROUNDS || 2000);

const builds = [["a", distDir]];
if (process.env.STRATUS_E2E_DIST_B) builds.push(["b", path.resolve(process.env.STRATUS_E2E_DIST_B)]);
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "stratus-bench-js-"));
const context = await chromium.launchPersistentContext(profileDir, { executablePath: executable, headless: true, args: chromiumArgs });
const servers = [];
const pages = [];
for (const [, dir] of builds) {
  const server = await serveDist({ isolated: true, dir });
  servers.push(server);
  const page = pages.length === 0 && context.pages()[0] ? context.pages()[0] : await context.newPage();
  await page.goto(server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor({ timeout: 60000 });
  await waitForServiceWorker(page);
  if (!(await page.evaluate(() => self.crossOriginIsolated))) throw new Error("the page is not cross-origin isolated");
  pages.push(page);
}
const page = pages[0];

const handlers = {
  empty: `export const handler = async () => 1;`,
  getitem: `
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) => (await doc.send(new GetCommand({ TableName: "BenchJs", Key: { id: event.id } }))).Item;`,
  raw: `
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
const db = new DynamoDBClient({});
export const handler = async (event) => (await db.send(new GetItemCommand({ TableName: "BenchJs", Key: { id: { S: event.id } } }))).Item;`,
};

const prepare = (page) => page.evaluate(
  async ({ zips }) => {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    window.__l = async (method, path, body, headers = []) => {
      const r = await window.wasmBindings.stratus_handle({
        method, path, query: "", headers, body: enc.encode(body === undefined ? "" : JSON.stringify(body)).buffer,
      });
      return { status: r.status, headers: r.headers, text: dec.decode(r.body) };
    };
    const ddb = (op, body) => window.__l("POST", "/_aws/dynamodb/", body, [["x-amz-target", "DynamoDB_20120810." + op], ["content-type", "application/x-amz-json-1.0"]]);
    await ddb("CreateTable", { TableName: "BenchJs", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] });
    await ddb("PutItem", { TableName: "BenchJs", Item: { id: { S: "k1" }, v: { N: "1" }, name: { S: "a small item" } } });
    for (const [name, zip] of Object.entries(zips)) {
      const c = await window.__l("POST", "/_aws/lambda/2015-03-31/functions", { FunctionName: "js" + name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/b", Handler: "index.handler", Code: { ZipFile: zip } });
      if (c.status !== 201) throw new Error(c.text);
    }
    // Times `rounds` calls of `once` one by one (after 200 warm-up calls).
    window.__time = async (once, rounds) => {
      for (let i = 0; i < 200; i++) await once();
      const xs = new Float64Array(rounds);
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        await once();
        xs[i] = performance.now() - t0;
      }
      xs.sort();
      const at = (q) => Math.round(xs[Math.floor(q * (rounds - 1))] * 1000);
      return { p50_us: at(0.5), p90_us: at(0.9), p99_us: at(0.99), mean_us: Math.round((xs.reduce((a, b) => a + b, 0) / rounds) * 1000) };
    };
    window.__invoke = (name, tail) => async () => {
      const r = await window.__l("POST", `/_aws/lambda/2015-03-31/functions/js${name}/invocations`, { id: "k1" }, tail ? [["X-Amz-Log-Type", "Tail"]] : []);
      if (r.status !== 200 || r.headers.some(([k]) => k.toLowerCase() === "x-amz-function-error")) throw new Error(r.text);
      if (tail) atob(r.headers.find(([k]) => k.toLowerCase() === "x-amz-log-result")[1]);
    };
  },
  { zips: Object.fromEntries(Object.entries(handlers).map(([k, v]) => [k, zipOf({ "index.mjs": v }).toString("base64")])) },
);
for (const p of pages) await prepare(p);

// The set is measured BENCH_RERUNS times in turn (default 3), on each build
// in turn, and each figure is the median of its runs: a burst of load, or a
// run where V8 has not yet optimised some of the runtime's functions, then
// moves one run, not the result.
const reruns = Number(process.env.BENCH_RERUNS || 3);
const cases = [["door"], ["empty", "empty", false], ["getitem", "getitem", false], ["getitem_tail", "getitem", true], ["raw", "raw", false]];
const runs = builds.map(() => Object.fromEntries(cases.map(([key]) => [key, []])));
for (let run = 0; run < reruns; run++) {
  for (const [b, p] of pages.entries()) {
    for (const [key, name, tail] of cases) {
      runs[b][key].push(
        key === "door"
          ? await p.evaluate((rounds) => window.__time(() => window.__l("GET", "/_aws/lambda/2015-03-31/nothing-here", undefined), rounds), rounds)
          : await p.evaluate(({ name, tail, rounds }) => window.__time(window.__invoke(name, tail), rounds), { name, tail, rounds }),
      );
    }
  }
}
const summary = (list) => {
  const figures = {};
  for (const [key, rs] of Object.entries(list)) {
    figures[key] = Object.fromEntries(["p50_us", "p90_us", "p99_us", "mean_us"].map((f) => [f, median(rs.map((r) => r[f]))]));
    figures[key].p50_runs = rs.map((r) => r.p50_us);
  }
  return figures;
};
const figures = builds.length === 1 ? summary(runs[0]) : Object.fromEntries(builds.map(([name, dir], b) => [name, { dist: dir, ...summary(runs[b]) }]));

if (process.env.PROFILE) {
  const profiled = handlers[process.env.PROFILE] ? process.env.PROFILE : "getitem";
  await cpuProfile(context, page, `${rounds} ${profiled} invocations`, "stratus-nodejs.cpuprofile", () =>
    page.evaluate(({ name, rounds }) => window.__time(window.__invoke(name, false), rounds), { name: profiled, rounds }),
  );
}

for (const [name, dir] of builds) {
  const f = builds.length === 1 ? figures : figures[name];
  if (builds.length > 1) console.log(`build ${name}: ${dir}`);
  for (const [key] of cases) {
    const v = f[key];
    console.log(`${key.padEnd(13)} p50 ${v.p50_us} µs (runs ${v.p50_runs.join(", ")}), p90 ${v.p90_us} µs, p99 ${v.p99_us} µs, mean ${v.mean_us} µs`);
  }
}
if (builds.length > 1) {
  // Paired: each run's p50 on build a over the same run's on build b, taken
  // a few hundred milliseconds apart; the median of those ratios.
  figures.ratio_a_to_b = {};
  for (const [key] of cases) {
    const ratios = runs[0][key].map((r, i) => r.p50_us / runs[1][key][i].p50_us);
    figures.ratio_a_to_b[key] = Math.round(median(ratios) * 100) / 100;
  }
  console.log(`a / b, the median of each run's p50 ratio: ${Object.entries(figures.ratio_a_to_b).map(([k, v]) => `${k} ${v}`).join(", ")}`);
}
console.log(JSON.stringify(figures));
await context.close();
for (const server of servers) await server.close();
