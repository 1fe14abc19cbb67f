// Fast-forwarding the engine's clock from Settings makes time to live expire
// items, as a class would watch it happen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, dynamo, suite } from "./harness.mjs";

const env = suite();


test("fast-forwarding the engine clock expires items with a time to live", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url + "settings");
  await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
  await waitForServiceWorker(page);
  assert.equal((await dynamo(page, "CreateTable", {
    TableName: "Sessions", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  })).status, 200);
  assert.equal((await dynamo(page, "UpdateTimeToLive", { TableName: "Sessions", TimeToLiveSpecification: { Enabled: true, AttributeName: "expires" } })).status, 200);
  const inHalfAnHour = String(Math.floor(Date.now() / 1000) + 1800);
  assert.equal((await dynamo(page, "PutItem", { TableName: "Sessions", Item: { id: { S: "s1" }, expires: { N: inHalfAnHour } } })).status, 200);
  assert.ok(JSON.parse((await dynamo(page, "GetItem", { TableName: "Sessions", Key: { id: { S: "s1" } } })).text).Item, "not expired yet");

  await page.getByRole("button", { name: "+1 hour" }).click();
  await page.getByTestId("clock-offset").filter({ hasText: "1 h 0 min ahead" }).waitFor();
  await shot(page, "settings-clock");
  const after = JSON.parse((await dynamo(page, "GetItem", { TableName: "Sessions", Key: { id: { S: "s1" } } })).text);
  assert.equal(after.Item, undefined, "expired an hour later");

  await page.getByRole("button", { name: "Back to real time" }).click();
  await page.getByTestId("clock-offset").filter({ hasText: "follows this browser's clock" }).waitFor();

  // How long function environments stay warm is a setting too.
  const idle = page.getByLabel("Function environments stay warm for (minutes idle)");
  assert.equal(await idle.inputValue(), "5");
  await idle.fill("2");
  await idle.press("Tab");
  await page.getByText("Idle environments now shut down after 2 min").waitFor();
  page.assertNoErrors();
});
