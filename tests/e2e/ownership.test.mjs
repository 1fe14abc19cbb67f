// Ownership: one tab owns the cloud; another can take it over, and the
// hand-over loses nothing and leaves fetch() from every page answered.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launch, openPage, shot, waitForServiceWorker, dynamo } from "./harness.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const createTable = (page, name) =>
  dynamo(page, "CreateTable", {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });

const dashboard = (page) => page.getByRole("heading", { level: 1, name: "Dashboard" });
const elsewhere = (page) => page.getByRole("heading", { name: "Stratus is open in another tab" });
const moved = (page) => page.getByRole("heading", { name: "Stratus moved to another tab" });

// Two tabs of one browser profile: the first owns the cloud, the second waits.
async function twoTabs(t) {
  const server = await serveDist();
  const { context, page: first } = await openPage(browser);
  t.after(() => Promise.all([context.close().catch(() => {}), server.close()]));
  await first.goto(server.url);
  await dashboard(first).waitFor();
  await waitForServiceWorker(first);
  const second = await context.newPage();
  const errors = [];
  second.on("pageerror", (e) => errors.push(e));
  second.assertNoErrors = () => assert.deepEqual(errors.map(String), [], "no page errors in the second tab");
  await second.goto(server.url);
  await elsewhere(second).waitFor();
  await waitForServiceWorker(second);
  return { first, second };
}

test("the second tab sees the cloud is elsewhere, takes it over, and reads what the first wrote", async (t) => {
  const { first, second } = await twoTabs(t);
  assert.equal(await dashboard(second).count(), 0, "the second tab does not show the dashboard");
  await shot(first, "ownership-1-first-owns");
  await shot(second, "ownership-2-second-elsewhere");

  assert.equal((await createTable(first, "Notes")).status, 200);
  const put = await dynamo(first, "PutItem", { TableName: "Notes", Item: { id: { S: "n1" }, text: { S: "from the first tab" } } });
  assert.equal(put.status, 200, JSON.stringify(put.json));

  // A fetch from the second tab, before the take-over, is answered by the first.
  const early = await dynamo(second, "GetItem", { TableName: "Notes", Key: { id: { S: "n1" } } });
  assert.equal(early.status, 200);
  assert.deepEqual(early.json.Item.text, { S: "from the first tab" });

  const clicked = Date.now();
  await second.getByRole("button", { name: "Use Stratus in this tab" }).click();
  await dashboard(second).waitFor();
  await moved(first).waitFor();
  t.diagnostic(`take-over: dashboard in the second tab ${Date.now() - clicked} ms after the click`);
  assert.equal(await dashboard(first).count(), 0, "the first tab no longer shows the dashboard");
  await second.getByTestId("item-count").filter({ hasText: "1" }).waitFor();
  await shot(first, "ownership-3-first-moved");
  await shot(second, "ownership-4-second-owns");

  const got = await dynamo(second, "GetItem", { TableName: "Notes", Key: { id: { S: "n1" } } });
  assert.equal(got.status, 200, JSON.stringify(got.json));
  assert.deepEqual(got.json.Item.text, { S: "from the first tab" }, "the new owner has the first tab's item");

  // The first tab's fetch still reaches the cloud: the worker relays it to the new owner.
  const asked = Date.now();
  const fromFirst = await dynamo(first, "PutItem", { TableName: "Notes", Item: { id: { S: "n2" }, text: { S: "from the first tab, after the move" } } });
  t.diagnostic(`a fetch from the old owner after the move was answered in ${Date.now() - asked} ms`);
  assert.equal(fromFirst.status, 200, JSON.stringify(fromFirst.json));
  const seen = await second.evaluate(async () => {
    const r = await window.wasmBindings.stratus_handle({
      method: "POST",
      path: "/_aws/dynamodb/",
      query: "",
      headers: [
        ["content-type", "application/x-amz-json-1.0"],
        ["x-amz-target", "DynamoDB_20120810.GetItem"],
      ],
      body: new TextEncoder().encode(JSON.stringify({ TableName: "Notes", Key: { id: { S: "n2" } } })).buffer,
    });
    return { status: r.status, json: JSON.parse(new TextDecoder().decode(r.body)) };
  });
  assert.equal(seen.status, 200);
  assert.deepEqual(seen.json.Item.text, { S: "from the first tab, after the move" }, "the write landed in the new owner");

  // The old owner no longer answers in-page either.
  const refused = await first.evaluate(() =>
    window.wasmBindings.stratus_handle({ method: "POST", path: "/_aws/dynamodb/", query: "", headers: [], body: null }).then(
      () => "answered",
      (e) => String(e),
    ),
  );
  assert.match(refused, /does not own/);

  // And it can take the cloud back.
  await first.getByRole("button", { name: "Use Stratus in this tab again" }).click();
  await dashboard(first).waitFor();
  await moved(second).waitFor();
  await first.getByTestId("item-count").filter({ hasText: "2" }).waitFor();
  first.assertNoErrors();
  second.assertNoErrors();
});

test("a take-over in the middle of a stream of writes loses no acknowledged write", async (t) => {
  const { first, second } = await twoTabs(t);
  assert.equal((await createTable(first, "Stream")).status, 200);

  // Four writers in the first tab, through fetch() and the service worker.
  await first.evaluate(() => {
    window.__acked = [];
    window.__failed = [];
    window.__stop = false;
    window.__slowest = 0;
    let next = 0;
    const loop = async () => {
      while (!window.__stop) {
        const id = `w${next++}`;
        const started = performance.now();
        const r = await fetch("_aws/dynamodb/", {
          method: "POST",
          headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.PutItem" },
          body: JSON.stringify({ TableName: "Stream", Item: { id: { S: id } } }),
        });
        window.__slowest = Math.max(window.__slowest, performance.now() - started);
        if (r.status === 200) window.__acked.push(id);
        else window.__failed.push(`${id}: ${r.status} ${await r.text()}`);
      }
    };
    window.__done = Promise.all([loop(), loop(), loop(), loop()]);
  });
  await new Promise((r) => setTimeout(r, 500));
  const before = await first.evaluate(() => window.__acked.length);
  await second.getByRole("button", { name: "Use Stratus in this tab" }).click();
  await dashboard(second).waitFor();
  await moved(first).waitFor();
  // Writes keep going to the new owner for a while, then stop.
  await new Promise((r) => setTimeout(r, 1000));
  const { acked, failed, slowest } = await first.evaluate(async () => {
    window.__stop = true;
    await window.__done;
    return { acked: window.__acked, failed: window.__failed, slowest: window.__slowest };
  });
  t.diagnostic(
    `${before} writes acknowledged before the click, ${acked.length} in all; slowest write ${Math.round(slowest)} ms`,
  );
  assert.deepEqual(failed, [], "no write failed across the take-over");
  assert.ok(acked.length > before, "writes went on after the take-over");

  const ids = new Set();
  let start;
  do {
    const r = await dynamo(second, "Scan", { TableName: "Stream", ...(start ? { ExclusiveStartKey: start } : {}) });
    assert.equal(r.status, 200);
    for (const item of r.json.Items) ids.add(item.id.S);
    start = r.json.LastEvaluatedKey;
  } while (start);
  const lost = acked.filter((id) => !ids.has(id));
  assert.deepEqual(lost, [], "the new owner has every acknowledged write");
  second.assertNoErrors();
});

// Known gap, kept visible without failing the suite: when the owner tab
// closes, a tab that is waiting keeps saying "Stratus is open in another tab"
// (it asked for the lock with ifAvailable and does not ask again), and the
// worker answers 503 "No tab owns the Stratus cloud. Open the Stratus
// console..." although a console tab is open. Expected: the waiting tab takes
// the cloud once the lock is free (or at least says that no tab owns it).
test("when the owner tab closes, a waiting tab takes the cloud", async (t) => {
  const { first, second } = await twoTabs(t);
  await first.close();
  await dashboard(second).waitFor({ timeout: 5000 });
  const answer = await dynamo(second, "ListTables", {});
  assert.equal(answer.status, 200);
});
