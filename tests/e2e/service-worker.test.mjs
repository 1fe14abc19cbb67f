// The service worker: relays fetch() under _aws/ and _api/ to the tab that
// owns the cloud, says 503 when no tab answers, and keeps the app offline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launch, openPage, shot, waitForServiceWorker, pageFetch, dynamo } from "./harness.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("fetch() to _aws/ and _api/ is answered by the cloud in the tab", async (t) => {
  const server = await serveDist();
  const { context, page } = await openPage(browser);
  t.after(() => Promise.all([context.close().catch(() => {}), server.close()]));
  await page.goto(server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);

  const tables = await pageFetch(page, "_aws/dynamodb/", {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.ListTables" },
    body: "{}",
  });
  assert.equal(tables.status, 200);
  assert.equal(tables.headers["content-type"], "application/x-amz-json-1.0");
  assert.deepEqual(JSON.parse(tables.text), { TableNames: [] });
  assert.ok(tables.headers["x-amzn-requestid"], "AWS request id header");

  const unknown = await pageFetch(page, "_aws/dynamodb/", {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.NoSuchOperation" },
    body: "{}",
  });
  assert.equal(unknown.status, 400);
  assert.deepEqual(JSON.parse(unknown.text), { __type: "com.amazon.coral.service#UnknownOperationException" });

  const lambda = await pageFetch(page, "_aws/lambda/2015-03-31/functions/");
  assert.equal(lambda.status, 200);
  assert.deepEqual(JSON.parse(lambda.text), { Functions: [] });
  const missing = await pageFetch(page, "_aws/lambda/2015-03-31/functions/nope");
  assert.equal(missing.status, 404);
  assert.equal(missing.headers["x-amzn-errortype"], "ResourceNotFoundException");
  assert.equal(JSON.parse(missing.text).Type, "User");

  const invoke = await pageFetch(page, "_api/a1b2c3/items?id=1");
  assert.equal(invoke.status, 404);
  assert.deepEqual(JSON.parse(invoke.text), { message: "Not Found" });

  const s3 = await pageFetch(page, "_aws/s3/my-bucket/key.txt", { method: "PUT", body: "hello" });
  assert.equal(s3.status, 501);
  assert.match(s3.text, /<Code>NotImplemented<\/Code>/);

  // The dashboard counts what the engine answered.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="request-count"]').textContent) >= 5);
  assert.match(await page.getByTestId("sw-state").innerText(), /relaying/);
  await shot(page, "dashboard-after-requests");
  page.assertNoErrors();
});

test("when no tab answers for the cloud, the worker answers 503 saying what to do", async (t) => {
  const server = await serveDist();
  const { context, page } = await openPage(browser);
  t.after(() => Promise.all([context.close().catch(() => {}), server.close()]));
  await page.goto(server.url);
  await waitForServiceWorker(page);
  // The tab stops answering the worker, as a tab whose app has stopped would.
  await page.evaluate(() => {
    navigator.serviceWorker.onmessage = null;
  });
  const started = Date.now();
  const answer = await pageFetch(page, "_aws/dynamodb/", { method: "POST", body: "{}" });
  assert.equal(answer.status, 503);
  assert.equal(answer.headers["content-type"], "application/json");
  assert.match(JSON.parse(answer.text).message, /No tab owns the Stratus cloud\. Open the Stratus console at http/);
  assert.ok(Date.now() - started < 15000, "answered promptly, not after the relay timeout");
});


test("after one visit the console loads offline, with the data saved before", async (t) => {
  const server = await serveDist();
  const { context, page } = await openPage(browser);
  t.after(() => Promise.all([context.close().catch(() => {}), server.close()]));
  await page.goto(server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  const created = await dynamo(page, "CreateTable", {
    TableName: "Notes",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });
  assert.equal(created.status, 200, created.text);
  const put = await dynamo(page, "PutItem", { TableName: "Notes", Item: { id: { S: "n1" }, text: { S: "saved before going offline" } } });
  assert.equal(put.status, 200, put.text);

  // The server is gone and the browser is offline: only the worker's cache and IndexedDB are left.
  await server.close();
  await context.setOffline(true);
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await page.getByTestId("item-count").filter({ hasText: "1" }).waitFor();
  await page.goto(new URL("settings", page.url()).href);
  await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
  await shot(page, "offline-settings");

  await waitForServiceWorker(page);
  const got = await dynamo(page, "GetItem", { TableName: "Notes", Key: { id: { S: "n1" } } });
  assert.equal(got.status, 200, "the cloud still answers offline");
  assert.deepEqual(JSON.parse(got.text).Item.text, { S: "saved before going offline" }, "the item survived the reload");
  page.assertNoErrors();
});
