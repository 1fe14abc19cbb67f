// The "Indexes and settings" tab of a table's page, as a person uses it: add
// a global index from the form and query it, delete it, switch the capacity
// mode, enable time to live and a stream, and read the stream's records.
// Every change is checked against the engine with fetch('_aws/dynamodb/').
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, dynamoOk, eventually, suite } from "./harness.mjs";

const env = suite();



test("indexes, capacity, time to live and stream from a table's settings tab", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);

  // Setup: an on-demand table with two items.
  await dynamoOk(page, "CreateTable", {
    TableName: "Orders",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });
  for (const [id, status, total] of [["o1", "open", "10"], ["o2", "shipped", "25"]]) {
    await dynamoOk(page, "PutItem", { TableName: "Orders", Item: { id: { S: id }, status: { S: status }, total: { N: total } } });
  }

  // Open the table's page and the new tab.
  await page.goto(env.server.url + "tables/Orders");
  await page.getByRole("heading", { level: 1, name: "Orders" }).waitFor();
  await page.getByRole("tab", { name: "Indexes and settings" }).click();
  const indexes = page.getByRole("region", { name: "Global secondary indexes" });
  await indexes.getByTestId("no-gsi").waitFor();
  await page.getByTestId("capacity-current").filter({ hasText: "On-demand" }).waitFor();
  await page.getByTestId("ttl-status").filter({ hasText: "DISABLED" }).waitFor();
  await page.getByTestId("stream-status").filter({ hasText: "Disabled" }).waitFor();
  await shot(page, "table-settings-initial");

  // Add a global index from the form.
  const form = page.getByRole("form", { name: "Add index" });
  await form.getByLabel("Index name").fill("byStatus");
  await form.getByLabel("Index partition key", { exact: true }).fill("status");
  await form.getByLabel("Index sort key (optional)").fill("total");
  await form.getByLabel("Index sort key type").selectOption("N");
  await form.getByLabel("Projection").selectOption("INCLUDE");
  await form.getByLabel("Projected attributes").fill("total");
  await shot(page, "table-settings-gsi-form");
  await form.getByRole("button", { name: "Add index" }).click();
  await page.getByText("Added the index byStatus.").waitFor();
  const row = indexes.getByRole("table", { name: "Global secondary indexes" }).getByRole("row", { name: /byStatus/ });
  await row.waitFor();
  assert.match(await row.innerText(), /status \(S\)[\s\S]*total \(N\)[\s\S]*INCLUDE \(total\)[\s\S]*On-demand/);
  let table = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.equal(table.GlobalSecondaryIndexes.length, 1);
  const gsi = table.GlobalSecondaryIndexes[0];
  assert.equal(gsi.IndexName, "byStatus");
  assert.deepEqual(gsi.KeySchema, [
    { AttributeName: "status", KeyType: "HASH" },
    { AttributeName: "total", KeyType: "RANGE" },
  ]);
  assert.deepEqual(gsi.Projection, { ProjectionType: "INCLUDE", NonKeyAttributes: ["total"] });
  await shot(page, "table-settings-gsi-added");

  // A second index of the same name: DynamoDB's refusal, inline under the form.
  await form.getByLabel("Index name").fill("byStatus");
  await form.getByLabel("Index partition key", { exact: true }).fill("status");
  await form.getByRole("button", { name: "Add index" }).click();
  await form.getByRole("alert").filter({ hasText: "ValidationException: One or more parameter values were invalid: Index already exists: byStatus" }).waitFor();
  await shot(page, "table-settings-gsi-error");

  // The index answers queries (it is backfilled with the existing items).
  const q = await eventually(async () => {
    const r = await dynamoOk(page, "Query", {
      TableName: "Orders",
      IndexName: "byStatus",
      KeyConditionExpression: "#s = :s",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":s": { S: "shipped" } },
    });
    assert.equal(r.Count, 1);
    return r;
  });
  assert.deepEqual(q.Items[0].id, { S: "o2" });
  // The item explorer offers the new index at once, without a reload.
  await page.getByRole("tab", { name: "Explore items" }).click();
  await page.getByLabel("Table or index").locator("option", { hasText: "byStatus" }).waitFor({ state: "attached" });
  await page.getByRole("tab", { name: "Indexes and settings" }).click();

  // Delete it, confirming the dialog.
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Delete index byStatus" }).click();
  await page.getByText("Deleted the index byStatus.").waitFor();
  await indexes.getByTestId("no-gsi").waitFor();
  table = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.equal((table.GlobalSecondaryIndexes || []).length, 0);

  // Capacity: provisioned 5/5, the "will not change" refusal inline, then back.
  const capacity = page.getByRole("region", { name: "Capacity" });
  await capacity.getByRole("radio", { name: "Provisioned" }).check();
  await capacity.getByLabel("Read capacity units").fill("5");
  await capacity.getByLabel("Write capacity units").fill("5");
  await capacity.getByRole("button", { name: "Save capacity" }).click();
  await page.getByTestId("capacity-current").filter({ hasText: "Provisioned (5 RCU, 5 WCU)" }).waitFor();
  table = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.equal(table.BillingModeSummary?.BillingMode ?? "PROVISIONED", "PROVISIONED");
  assert.equal(table.ProvisionedThroughput.ReadCapacityUnits, 5);
  assert.equal(table.ProvisionedThroughput.WriteCapacityUnits, 5);
  await shot(page, "table-settings-provisioned");
  await capacity.getByRole("button", { name: "Save capacity" }).click();
  await capacity.getByRole("alert").filter({ hasText: /will not change/ }).waitFor();
  await shot(page, "table-settings-capacity-error");
  // On a provisioned table a new index asks for its own capacity.
  await form.getByLabel("Index name").fill("byTotal");
  await form.getByLabel("Index partition key", { exact: true }).fill("total");
  await form.getByLabel("Index partition key type").selectOption("N");
  await form.getByLabel("Projection").selectOption("KEYS_ONLY");
  await form.getByLabel("Index read capacity units").fill("2");
  await form.getByLabel("Index write capacity units").fill("3");
  await form.getByRole("button", { name: "Add index" }).click();
  await indexes.getByRole("row", { name: /byTotal/ }).filter({ hasText: "2 RCU, 3 WCU" }).waitFor();
  table = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.equal(table.GlobalSecondaryIndexes[0].IndexName, "byTotal");
  assert.deepEqual(table.GlobalSecondaryIndexes[0].Projection, { ProjectionType: "KEYS_ONLY" });
  assert.equal(table.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits, 2);
  assert.equal(table.GlobalSecondaryIndexes[0].ProvisionedThroughput.WriteCapacityUnits, 3);
  await capacity.getByRole("radio", { name: "On-demand" }).check();
  await capacity.getByRole("button", { name: "Save capacity" }).click();
  await page.getByTestId("capacity-current").filter({ hasText: "On-demand" }).waitFor();
  table = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.equal(table.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");
  await indexes.getByRole("row", { name: /byTotal/ }).filter({ hasText: "On-demand" }).waitFor();
  // Leaving on-demand again, the index gets the table's new capacity too.
  await capacity.getByRole("radio", { name: "Provisioned" }).check();
  await capacity.getByLabel("Read capacity units").fill("4");
  await capacity.getByLabel("Write capacity units").fill("6");
  await capacity.getByRole("button", { name: "Save capacity" }).click();
  await page.getByTestId("capacity-current").filter({ hasText: "Provisioned (4 RCU, 6 WCU)" }).waitFor();
  await indexes.getByRole("row", { name: /byTotal/ }).filter({ hasText: "4 RCU, 6 WCU" }).waitFor();
  table = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.equal(table.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits, 4);
  assert.equal(table.GlobalSecondaryIndexes[0].ProvisionedThroughput.WriteCapacityUnits, 6);
  await shot(page, "table-settings-provisioned-with-index");
  page.once("dialog", (d) => d.accept());
  await indexes.getByRole("button", { name: "Delete index byTotal" }).click();
  await indexes.getByTestId("no-gsi").waitFor();
  await capacity.getByRole("radio", { name: "On-demand" }).check();
  await capacity.getByRole("button", { name: "Save capacity" }).click();
  await page.getByTestId("capacity-current").filter({ hasText: "On-demand" }).waitFor();

  // Time to live.
  const ttl = page.getByRole("region", { name: "Time to live" });
  await ttl.getByLabel("TTL attribute name").fill("expiresAt");
  await ttl.getByRole("button", { name: "Enable TTL" }).click();
  await page.getByTestId("ttl-status").filter({ hasText: "ENABLED" }).waitFor();
  const ttlDesc = (await dynamoOk(page, "DescribeTimeToLive", { TableName: "Orders" })).TimeToLiveDescription;
  assert.equal(ttlDesc.TimeToLiveStatus, "ENABLED");
  assert.equal(ttlDesc.AttributeName, "expiresAt");
  await ttl.getByRole("button", { name: "Disable TTL" }).waitFor();
  await shot(page, "table-settings-ttl");

  // Stream: enable with NEW_AND_OLD_IMAGES, write two items, refresh the records.
  const stream = page.getByRole("region", { name: "Stream" });
  await stream.getByLabel("Stream view type").selectOption("NEW_AND_OLD_IMAGES");
  await stream.getByRole("button", { name: "Enable stream" }).click();
  await page.getByTestId("stream-status").filter({ hasText: "Enabled" }).waitFor();
  table = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.deepEqual(table.StreamSpecification, { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
  await stream.getByTestId("no-records").waitFor();
  await dynamoOk(page, "PutItem", { TableName: "Orders", Item: { id: { S: "o3" }, status: { S: "open" }, total: { N: "7" } } });
  await dynamoOk(page, "PutItem", { TableName: "Orders", Item: { id: { S: "o4" }, status: { S: "open" }, total: { N: "9" } } });
  await stream.getByRole("button", { name: "Refresh records" }).click();
  const records = stream.getByRole("table", { name: "Stream records" });
  await records.waitFor();
  const rows = await records.locator("tbody tr").allInnerTexts();
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^INSERT\s+\{id: "o3"\}[\s\S]*total: 7/);
  assert.match(rows[1], /^INSERT\s+\{id: "o4"\}[\s\S]*total: 9/);
  await shot(page, "table-settings-stream-records");

  // An update shows as MODIFY with both images after another refresh.
  await dynamoOk(page, "PutItem", { TableName: "Orders", Item: { id: { S: "o3" }, status: { S: "shipped" }, total: { N: "7" } } });
  await stream.getByRole("button", { name: "Refresh records" }).click();
  await records.locator("tbody tr").nth(2).waitFor();
  const modify = await records.locator("tbody tr").nth(2).innerText();
  assert.match(modify, /^MODIFY[\s\S]*status: "shipped"[\s\S]*status: "open"/);

  // Turn the stream and time to live off again.
  await stream.getByRole("button", { name: "Disable stream" }).click();
  await page.getByTestId("stream-status").filter({ hasText: "Disabled" }).waitFor();
  table = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.ok(!table.StreamSpecification?.StreamEnabled, JSON.stringify(table.StreamSpecification));
  await ttl.getByRole("button", { name: "Disable TTL" }).click();
  await page.getByTestId("ttl-status").filter({ hasText: "DISABLED" }).waitFor();
  const ttlOff = (await dynamoOk(page, "DescribeTimeToLive", { TableName: "Orders" })).TimeToLiveDescription;
  assert.equal(ttlOff.TimeToLiveStatus, "DISABLED");
  await shot(page, "table-settings-off");

  page.assertNoErrors();
});
