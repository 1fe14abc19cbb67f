// The fast lane (public/stratus-client.js, docs/fast-lane.md): a separate
// same-origin page imports the module and reaches the cloud in the console
// tab over a MessagePort of its own, not through the service worker. The real
// AWS SDK's DynamoDB client runs on awsRequestHandler(); an HTTP API route
// backed by a function answers fastFetch() exactly as it answers fetch().
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { serveDist, launch, repo, eventually } from "./harness.mjs";
import { sdkBundle } from "./sdk-bundle.mjs";

const TEST_PAGE = `<!doctype html><meta charset="utf-8"><title>A page of the same site</title><p>Not the console.</p>`;
// Inside the worker's scope (so fetch() from it goes through the worker), and
// outside it (so only the fast lane reaches the cloud).
const PAGES = { "/stratus/fastlane-page.html": TEST_PAGE, "/fastlane-outside.html": TEST_PAGE };

const dashboard = (page) => page.getByRole("heading", { level: 1, name: "Dashboard" });
const sample = (name) => fs.readFileSync(path.join(repo, "runtimes", "dist", `${name}.wasm`)).toString("base64");

// A browser context with the test page open first, then the console (which
// registers the worker; the worker claims the test page when it activates:
// a page loaded afterwards under the scope would be answered with the console).
async function setUp(t) {
  const server = await serveDist({ pages: PAGES });
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(server.url + "fastlane-page.html");
  const owner = await context.newPage();
  await owner.goto(server.url);
  await dashboard(owner).waitFor();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
  await page.evaluate(async () => {
    window.SC = await import("./stratus-client.js");
    performance.setResourceTimingBufferSize(10000);
  });
  return { server, browser, context, page, owner, errors };
}

// Requests under _aws/ or _api/ that this page sent through the network
// stack (so through the service worker).
function networkRequests(page) {
  return page.evaluate(() =>
    performance.getEntriesByType("resource").filter((e) => /\/_a(ws|pi)\//.test(e.name)).length,
  );
}

test("the AWS SDK's DynamoDB client works unchanged on awsRequestHandler(), not through the service worker", async (t) => {
  const { page, owner, errors } = await setUp(t);
  await page.addScriptTag({ content: await sdkBundle() });
  const result = await page.evaluate(async () => {
    const S = window.StratusSdkTest;
    const common = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 };
    // As the README shows: the endpoint is the app's _aws/dynamodb.
    const db = new S.DynamoDBClient({
      ...common,
      endpoint: new URL("_aws/dynamodb", document.baseURI).href,
      requestHandler: SC.awsRequestHandler(),
    });
    // Left on AWS's own endpoint, the handler sends it to the cloud too.
    const plain = new S.DynamoDBClient({ ...common, requestHandler: SC.awsRequestHandler() });
    const doc = S.DynamoDBDocumentClient.from(db);
    const out = {};
    const created = await db.send(
      new S.CreateTableCommand({
        TableName: "Lane",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "N" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );
    out.created = created.TableDescription.TableName;
    out.waited = (await S.waitUntilTableExists({ client: db, minDelay: 1, maxDelay: 2, maxWaitTime: 30 }, { TableName: "Lane" })).state;
    // Many in flight on the one port, matched by id.
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        doc.send(new S.doc.PutCommand({ TableName: "Lane", Item: { pk: "p", sk: i, text: `item ${i}`, bytes: new Uint8Array([i, 255 - i]) } })),
      ),
    );
    const got = await Promise.all(
      Array.from({ length: 100 }, (_, i) => doc.send(new S.doc.GetCommand({ TableName: "Lane", Key: { pk: "p", sk: i } }))),
    );
    out.gotAll = got.every((g, i) => g.Item.sk === i && g.Item.text === `item ${i}` && g.Item.bytes[0] === i && g.Item.bytes[1] === 255 - i);
    const page1 = await doc.send(
      new S.doc.QueryCommand({ TableName: "Lane", KeyConditionExpression: "pk = :p AND sk >= :s", ExpressionAttributeValues: { ":p": "p", ":s": 90 }, ScanIndexForward: false }),
    );
    out.query = page1.Items.map((i) => i.sk);
    out.consumed = (
      await db.send(new S.GetItemCommand({ TableName: "Lane", Key: { pk: { S: "p" }, sk: { N: "1" } }, ReturnConsumedCapacity: "TOTAL" }))
    ).ConsumedCapacity;
    try {
      await doc.send(new S.doc.PutCommand({ TableName: "Lane", Item: { pk: "p", sk: 1 }, ConditionExpression: "attribute_not_exists(pk)" }));
      out.conditional = "no error";
    } catch (e) {
      out.conditional = { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
    }
    out.plainTables = (await plain.send(new S.ListTablesCommand({}))).TableNames;
    try {
      await db.send(new S.DescribeTableCommand({ TableName: "Nope" }));
    } catch (e) {
      out.missing = { name: e.name, status: e.$metadata.httpStatusCode };
    }
    return out;
  });
  assert.equal(result.created, "Lane");
  assert.equal(result.waited, "SUCCESS");
  assert.ok(result.gotAll, "each of 100 concurrent GetItems got its own item back");
  assert.deepEqual(result.query, [99, 98, 97, 96, 95, 94, 93, 92, 91, 90]);
  assert.deepEqual(result.consumed, { TableName: "Lane", CapacityUnits: 0.5 });
  assert.deepEqual(result.conditional, { name: "ConditionalCheckFailedException", status: 400, message: "The conditional request failed" });
  assert.deepEqual(result.plainTables, ["Lane"]);
  assert.deepEqual(result.missing, { name: "ResourceNotFoundException", status: 400 });
  assert.equal(await networkRequests(page), 0, "no request went through the network stack or the worker");
  // The owner tab's engine answered them.
  await eventually(async () => assert.ok(Number(await owner.getByTestId("request-count").innerText()) >= 200));
  assert.deepEqual(errors, []);
});

// Creates the echo function (answers its event) and an HTTP API whose
// $default route sends every request to it (quick create); returns the apiId.
async function echoApi(page) {
  return page.evaluate(async (code) => {
    const json = (r) => r.json();
    // The management APIs through plain fetch() (so through the worker).
    const fn = await fetch("_aws/lambda/2015-03-31/functions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        FunctionName: "echo",
        Runtime: "provided.al2023",
        Role: "arn:aws:iam::000000000000:role/lane",
        Code: { ZipFile: code },
      }),
    }).then(json);
    const api = await fetch("_aws/apigateway/v2/apis", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "lane", protocolType: "HTTP", target: fn.FunctionArn }),
    }).then(json);
    return { apiId: api.apiId, endpoint: api.apiEndpoint };
  }, sample("echo"));
}

test("an HTTP API route backed by a function answers fastFetch() as it answers fetch()", async (t) => {
  const { page, server, errors } = await setUp(t);
  const { apiId, endpoint } = await echoApi(page);
  assert.equal(endpoint, `${server.url}_api/${apiId}`, "the invoke URL is the app's own _api/");

  const calls = await page.evaluate(async (apiId) => {
    const call = async (f, url, init) => {
      const r = await f(url, init);
      return { status: r.status, url: r.url, headers: Object.fromEntries(r.headers), event: await r.json() };
    };
    const init = { method: "POST", headers: { "x-test": "lane", "content-type": "application/json" }, body: '{"hello":"world"}' };
    const url = `_api/${apiId}/items/42?a=1&a=2&b=x%20y`;
    return {
      lane: await call(SC.fastFetch, url, init),
      worker: await call(fetch, url, init),
      // Anything fetch() takes: a Request with a Blob body.
      request: await call(SC.fastFetch, new Request(url, { method: "PUT", body: new Blob(["blob body"], { type: "text/plain" }) })),
    };
  }, apiId);
  for (const [how, c] of Object.entries(calls)) {
    assert.equal(c.status, 200, how);
    assert.equal(c.headers["content-type"], "application/json", how);
    assert.ok(c.headers["apigw-requestid"], how);
    assert.equal(c.url, `${server.url}_api/${apiId}/items/42?a=1&a=2&b=x%20y`, how);
    assert.equal(c.event.version, "2.0");
    assert.equal(c.event.rawPath, "/items/42");
    assert.equal(c.event.rawQueryString, "a=1&a=2&b=x%20y");
    assert.deepEqual(c.event.queryStringParameters, { a: "1,2", b: "x y" });
  }
  const { lane, worker, request } = calls;
  // The same event either way, but for what identifies the request.
  // (The browser's client hints, sec-ch-ua*, are not sent by the fast lane.)
  const same = (e) => {
    const { requestContext, headers, ...rest } = e;
    const { requestId, time, timeEpoch, ...context } = requestContext;
    const kept = Object.entries(headers).filter(([name]) => !/^(sec-ch-|x-amzn-trace-id$)/.test(name));
    return { ...rest, context, headers: Object.fromEntries(kept.sort()) };
  };
  assert.deepEqual(same(lane.event), same(worker.event));
  assert.equal(lane.event.body, '{"hello":"world"}');
  assert.equal(lane.event.requestContext.http.method, "POST");
  assert.equal(request.event.requestContext.http.method, "PUT");
  assert.equal(request.event.body, "blob body");
  assert.equal(request.event.headers["content-type"], "text/plain");

  // Only the fetch() calls went through the worker (two to create, one to call).
  assert.equal(await networkRequests(page), 3);

  // fetch()'s rules: an aborted signal, a GET with a body; other URLs go to fetch().
  const rules = await page.evaluate(async (apiId) => {
    const controller = new AbortController();
    controller.abort();
    const aborted = await SC.fastFetch(`_api/${apiId}/x`, { signal: controller.signal }).catch((e) => e.name);
    const getBody = await SC.fastFetch(`_api/${apiId}/x`, { method: "GET", body: "no" }).catch((e) => e.constructor.name);
    const other = await SC.fastFetch("icon.svg").then((r) => r.headers.get("content-type"));
    const head = await SC.fastFetch(`_api/${apiId}/x`, { method: "HEAD" }).then(async (r) => [r.status, await r.text()]);
    return { aborted, getBody, other, head };
  }, apiId);
  assert.deepEqual(rules, { aborted: "AbortError", getBody: "TypeError", other: "image/svg+xml", head: [200, ""] });
  assert.deepEqual(errors, []);
});

test("a page outside the worker's scope reaches the cloud only through the fast lane", async (t) => {
  const { page, server } = await setUp(t);
  const { apiId } = await echoApi(page);
  const outside = await page.context().newPage();
  await outside.goto(new URL("/fastlane-outside.html", server.url).href);
  const r = await outside.evaluate(async (apiId) => {
    const SC = await import("/stratus/stratus-client.js");
    const viaLane = await SC.fastFetch(`/stratus/_api/${apiId}/from-outside`);
    const viaFetch = await fetch(`/stratus/_api/${apiId}/from-outside`);
    return { controlled: navigator.serviceWorker.controller !== null, lane: [viaLane.status, (await viaLane.json()).rawPath], fetch: viaFetch.status };
  }, apiId);
  assert.deepEqual(r, { controlled: false, lane: [200, "/from-outside"], fetch: 404 });
});

test("the fast lane follows the cloud from tab to tab, and says plainly when no tab owns it", async (t) => {
  const { page, owner, context, errors } = await setUp(t);
  const second = await context.newPage();
  await second.goto(new URL(".", page.url()).href);
  await second.getByRole("heading", { name: "Stratus is open in another tab" }).waitFor();
  await page.evaluate(async () => {
    const create = await SC.fastFetch("_aws/dynamodb/", {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.CreateTable" },
      body: JSON.stringify({
        TableName: "Moves",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    });
    if (create.status !== 200) throw new Error(await create.text());
    // Writers that keep going while the cloud moves: every write must be
    // acknowledged by whichever tab owns the cloud at the time.
    window.put = (id) =>
      SC.fastFetch("_aws/dynamodb/", {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.PutItem" },
        body: JSON.stringify({ TableName: "Moves", Item: { id: { S: id } } }),
      }).then((r) => r.status);
    window.acked = [];
    window.failed = [];
    window.stop = false;
    window.writers = Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !window.stop; i++) {
          const id = `w${w}-${i}`;
          const status = await window.put(id).catch((e) => String(e.cause || e));
          (status === 200 ? window.acked : window.failed).push([id, status]);
        }
      }),
    );
  });
  await eventually(async () => assert.ok((await page.evaluate(() => window.acked.length)) > 50));
  await second.getByRole("button", { name: "Use Stratus in this tab" }).click();
  await dashboard(second).waitFor();
  await owner.getByRole("heading", { name: "Stratus moved to another tab" }).waitFor();
  const before = await page.evaluate(() => window.acked.length);
  await eventually(async () => assert.ok((await page.evaluate(() => window.acked.length)) > before + 50), 15000);
  // A take-over loses nothing: what the old owner accepted it answered, the
  // rest went to the new owner.
  assert.deepEqual(await page.evaluate(() => window.failed), [], "no request failed across the take-over");
  // The new owner closes: the first tab, waiting in line, owns the cloud again.
  await second.close();
  await dashboard(owner).waitFor();
  const later = await page.evaluate(() => window.acked.length);
  await eventually(async () => assert.ok((await page.evaluate(() => window.acked.length)) > later + 50), 15000);
  // The owner reloads: requests it had not accepted wait for it and go to it again.
  await owner.reload();
  await dashboard(owner).waitFor();
  const reloaded = await page.evaluate(() => window.acked.length);
  await eventually(async () => assert.ok((await page.evaluate(() => window.acked.length)) > reloaded + 50), 15000);
  const written = await page.evaluate(async () => {
    window.stop = true;
    await window.writers;
    const scan = await SC.fastFetch("_aws/dynamodb/", {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.Scan" },
      body: JSON.stringify({ TableName: "Moves", Select: "COUNT" }),
    }).then((r) => r.json());
    return { acked: window.acked.map(([id]) => id), failed: window.failed, count: scan.Count };
  });
  assert.deepEqual(written.failed.filter(([, why]) => !/went away/.test(why)), [], "only a tab closing mid-request may fail a request");
  // Each of the 8 writers has one request in flight: a tab going can fail at
  // most those it had accepted, twice here (a close, a reload).
  assert.ok(written.failed.length <= 16, `${written.failed.length} failed`);
  assert.ok(written.count >= written.acked.length, `every acknowledged write is there (${written.count} items, ${written.acked.length} acknowledged)`);

  // No tab owns the cloud: a clear error, not a hang.
  await owner.close();
  // Once the tab is really gone (its lock released), and the page has heard.
  await page.waitForFunction(async () => {
    const { held } = await navigator.locks.query();
    return !held.some((l) => l.name.startsWith("stratus-owner:"));
  });
  await page.waitForTimeout(200);
  const started = Date.now();
  const gone = await page.evaluate(() =>
    SC.fastFetch("_aws/dynamodb/", { method: "POST", body: "{}" }).then(
      (r) => `answered ${r.status}`,
      (e) => ({ name: e.name, message: e.message, cause: String(e.cause && e.cause.message) }),
    ),
  );
  assert.equal(gone.name, "TypeError");
  assert.equal(gone.message, "Failed to fetch");
  assert.match(gone.cause, /no tab owns the Stratus cloud|No tab owns the Stratus cloud/);
  assert.ok(Date.now() - started < 20000, "promptly");
  assert.deepEqual(errors, []);
});

test("the worker's relay reconnects after the worker restarts, and relays the old way to an owner from an earlier build", async (t) => {
  const { page, owner, errors } = await setUp(t);
  const listTables = () =>
    page.evaluate(async () => {
      const r = await fetch("_aws/dynamodb/", {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.ListTables" },
        body: "{}",
      });
      return [r.status, await r.text()];
    });
  const viaLane = () => page.evaluate(async () => (await SC.fastFetch("_aws/lambda/2015-03-31/functions")).status);
  assert.deepEqual(await listTables(), [200, '{"TableNames":[]}']);
  assert.equal(await viaLane(), 200);

  // The browser may stop an idle worker at any time; a new one connects again.
  const cdp = await owner.context().newCDPSession(owner);
  await cdp.send("ServiceWorker.enable");
  const stopWorkers = async () => {
    await cdp.send("ServiceWorker.stopAllWorkers");
    await page.waitForTimeout(100);
  };
  await stopWorkers();
  // The page's own lane does not go through the worker at all.
  assert.equal(await viaLane(), 200);
  assert.deepEqual(await listTables(), [200, '{"TableNames":[]}']);

  // An owner whose app predates the fast lane ignores the port it is handed:
  // the worker then sends each request on a channel of its own, as before.
  await owner.evaluate(() => {
    const handler = navigator.serviceWorker.onmessage;
    window.oldWay = 0;
    navigator.serviceWorker.onmessage = (event) => {
      if (event.data && event.data.type === "stratus:fastlane") return;
      if (event.data && event.data.type === "stratus:request") window.oldWay++;
      handler(event);
    };
  });
  await stopWorkers();
  assert.deepEqual(await listTables(), [200, '{"TableNames":[]}']);
  const started = Date.now();
  for (let i = 0; i < 5; i++) assert.deepEqual(await listTables(), [200, '{"TableNames":[]}']);
  assert.ok(Date.now() - started < 1000, "once known, the old way costs no wait");
  assert.equal(await owner.evaluate(() => window.oldWay), 6, "each request came the old way");
  assert.deepEqual(errors, []);
});
