// Shared pieces of the end-to-end tests: a static server for the built app
// (under a sub-path, as on GitHub Pages), Debian's Chromium through
// playwright-core, and screenshots saved under test-output/.
import { before, after } from "node:test";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../..");
export const distDir = path.resolve(repo, process.env.STRATUS_E2E_DIST || "target/e2e-dist");
export const base = "/stratus/";
export const screenshotDir = path.join(repo, "test-output", "screenshots");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".png": "image/png",
};

// Serves `distDir` at `base` on a free loopback port. Like a static host, an
// unknown path gets 404.html with status 404.
// Options: `pages`, extra HTML pages by absolute path (`{"/stratus/t.html":
// html}`), for tests that need a same-origin page that is not the console;
// `isolated`, to send the headers that make pages cross-origin isolated
// (COOP and COEP), so that performance.now() is precise to microseconds
// instead of 100 µs (benchmarks); `dir`, another built app (a changed copy).
export async function serveDist({ pages = {}, isolated = false, dir = distDir } = {}) {
  if (!fs.existsSync(path.join(dir, "index.html"))) {
    throw new Error(`no built app in ${dir}: run ./x test, which builds it first`);
  }
  const isolation = isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (Object.hasOwn(pages, url.pathname)) {
      res.writeHead(200, { "content-type": types[".html"], "cache-control": "no-cache", ...isolation }).end(pages[url.pathname]);
      return;
    }
    if (!url.pathname.startsWith(base)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(base.length)) || "index.html";
    let file = path.join(dir, rel);
    let status = 200;
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      file = path.join(dir, "404.html");
      status = 404;
    }
    res.writeHead(status, {
      "content-type": types[path.extname(file)] || "application/octet-stream",
      "cache-control": "no-cache",
      ...isolation,
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${base}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: chromiumArgs,
  });
}

// A new page that fails the test on any uncaught page error.
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.assertNoErrors = () => {
    if (errors.length) throw new Error("page errors: " + errors.map((e) => e.stack || e.message).join("\n"));
  };
  return { context, page };
}

export async function shot(page, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  // A full-page capture of a scrolled page draws the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

// Waits until the service worker is active and controls the page, so that
// fetch() under _aws/ and _api/ goes through it.
export async function waitForServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, {
    timeout: 20000,
  });
}

// fetch() from inside the page; returns status, headers and the body text.
export async function pageFetch(page, url, init = {}) {
  return page.evaluate(
    async ([url, init]) => {
      const response = await fetch(url, init);
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers.entries()),
        text: await response.text(),
      };
    },
    [url, init],
  );
}

// A DynamoDB operation through fetch() from the page (so through the service
// worker): status, headers, body text and the parsed body.
export async function dynamo(page, operation, body) {
  return awsJson(page, "_aws/dynamodb/", "DynamoDB_20120810." + operation, body);
}

// A CloudWatch metrics operation (awsJson 1.0 at _aws/monitoring/).
export async function cloudwatch(page, operation, body) {
  return awsJson(page, "_aws/monitoring/", "GraniteServiceVersion20100801." + operation, body);
}

// A DynamoDB operation that must succeed; returns the parsed body.
export async function dynamoOk(page, operation, body) {
  const r = await dynamo(page, operation, body);
  if (r.status !== 200) throw new Error(`${operation}: ${r.status} ${r.text}`);
  return r.json;
}

// Retries `check` until it stops throwing (or `timeout` ms pass).
// Deploys a sample function (a module of runtimes/dist) with the Lambda API.
export async function createSampleFunction(page, name, file) {
  const zip = fs.readFileSync(path.join(repo, "runtimes", "dist", file)).toString("base64");
  const r = await pageFetch(page, "_aws/lambda/2015-03-31/functions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      FunctionName: name,
      Runtime: "provided.al2023",
      Role: "arn:aws:iam::000000000000:role/lambda-role",
      Handler: "main",
      Code: { ZipFile: zip },
    }),
  });
  if (r.status !== 201) throw new Error(`CreateFunction ${name}: ${r.status} ${r.text}`);
}

export async function eventually(check, timeout = 10000) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function awsJson(page, url, target, body) {
  const r = await pageFetch(page, url, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": target },
    body: JSON.stringify(body),
  });
  let json = null;
  try {
    json = JSON.parse(r.text || "null");
  } catch {}
  return { ...r, json };
}

// A Lambda REST call through fetch() from the page: `path` is under
// _aws/lambda (e.g. "/2015-03-31/functions/hello"); status, headers, text
// and the parsed body (null when it is not JSON).
export async function lambda(page, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["content-type"] ??= "application/json";
  }
  const r = await pageFetch(page, "_aws/lambda" + path, init);
  let json = null;
  try {
    json = JSON.parse(r.text || "null");
  } catch {}
  return { ...r, json };
}

// A CloudWatch Logs operation (awsJson 1.1 at _aws/logs/).
export async function logs(page, operation, body) {
  const r = await pageFetch(page, "_aws/logs/", {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Logs_20140328." + operation },
    body: JSON.stringify(body),
  });
  let json = null;
  try {
    json = JSON.parse(r.text || "null");
  } catch {}
  return { ...r, json };
}

// A test file's browser and server: launched before its tests, closed after.
// Use as `const env = suite();` then `env.browser`, `env.server.url`.
export function suite() {
  const env = {};
  before(async () => {
    env.browser = await launch();
    env.server = await serveDist();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

// A zip archive of text files, stored without compression (what a Lambda
// deployment package of a few source files needs; no npm package required).
export function zipOf(files) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text, "utf8");
    const nameBytes = Buffer.from(name, "utf8");
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, data);
    central.push(entry, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}

// For the benchmarks: the median of numbers (the upper one of an even count).
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// For the benchmarks: a CPU profile (DevTools protocol, 50 µs sampling) of
// `page` while `run()` runs. Prints the 40 functions with the most self time
// (each with its file, so the app's wasm, the guest's and the glue are told
// apart; build them with names to see more than wasm-function[N]) and writes
// the whole profile to $TMPDIR/`file`, for DevTools or a script.
export async function cpuProfile(context, page, what, file, run) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  await run();
  const { profile } = await cdp.send("Profiler.stop");
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) || 0) + (profile.timeDeltas[i] || 0)));
  const self = new Map();
  let total = 0;
  for (const [id, t] of dt) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}`;
    self.set(key, (self.get(key) || 0) + t);
    total += t;
  }
  console.log(`CPU profile of ${what}, self time:`);
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${((t / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  const out = path.join(os.tmpdir(), file);
  fs.writeFileSync(out, JSON.stringify(profile));
  console.log(`whole profile: ${out}`);
}
