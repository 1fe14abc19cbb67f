// The Tables console as a person uses it: create a table with a sort key and
// a global index from the form, add items in both JSON formats, query, scan
// with a filter, page, edit and delete items, and delete the table. Every
// result is checked against the engine with fetch('_aws/dynamodb/').
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, dynamoOk, eventually, suite } from "./harness.mjs";

const env = suite();

// A DynamoDB call that must succeed: its parsed answer.

// An engine item as the console shows it: attribute -> value text.
const plain = (item) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, String(Object.values(v)[0])]));

// The rows of the results table as attribute -> value text.
async function readRows(page) {
  const table = page.locator('table[aria-label="Items"]');
  if ((await table.count()) === 0) return [];
  return table.evaluate((t) => {
    const heads = [...t.querySelectorAll("thead th")].map((th) => th.innerText.trim());
    return [...t.querySelectorAll("tbody tr")].map((tr) => {
      const row = {};
      [...tr.children].forEach((td, i) => {
        const value = td.querySelector(".cell-value");
        if (value) row[heads[i]] = value.innerText;
      });
      return row;
    });
  });
}

// Retries an assertion until it holds (the console answers asynchronously).

async function expectRows(page, expected) {
  await eventually(async () => assert.deepEqual(await readRows(page), expected));
}

async function addItem(page, format, text) {
  await page.getByRole("button", { name: "Create item" }).click();
  const editor = page.getByRole("region", { name: "Item editor" });
  await editor.getByRole("heading", { name: "Create item" }).waitFor();
  await editor.getByRole("radio", { name: format }).check();
  await editor.getByLabel("Item JSON").fill(text);
  await editor.getByRole("button", { name: "Save item" }).click();
  await page.getByText(/^Saved the item/).waitFor();
  await editor.waitFor({ state: "detached" });
}

test("create, explore, query and edit a table from the console", async (t) => {
  const started = Date.now();
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);

  // The empty list invites creating a table.
  const nav = page.getByRole("navigation", { name: "Services" });
  await nav.getByRole("link", { name: "Tables" }).click();
  await page.getByRole("heading", { level: 1, name: "Tables" }).waitFor();
  await page.getByRole("heading", { name: "No tables yet" }).waitFor();
  await shot(page, "tables-empty");
  await page.locator(".empty-state").getByRole("link", { name: "Create table" }).click();

  // Create a table with a sort key and a global index with a numeric sort key.
  await page.getByRole("heading", { level: 1, name: "Create table" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/stratus/tables/-/create");
  await page.getByLabel("Table name").fill("Music");
  await page.getByLabel("Partition key", { exact: true }).fill("Artist");
  await page.getByLabel("Sort key (optional)").fill("SongTitle");
  await page.getByRole("button", { name: "Add global index" }).click();
  const gsi = page.getByRole("group", { name: "Global secondary index 1" });
  await gsi.getByLabel("Index name").fill("byGenre");
  await gsi.getByLabel("Index partition key", { exact: true }).fill("Genre");
  await gsi.getByLabel("Index sort key (optional)").fill("Year");
  await gsi.getByLabel("Index sort key type").selectOption("N");
  await gsi.getByLabel("Projection").selectOption("INCLUDE");
  await gsi.getByLabel("Projected attributes").fill("price");
  await shot(page, "tables-create");
  await page.getByRole("button", { name: "Create table" }).click();
  await page.getByRole("heading", { level: 1, name: "Music" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/stratus/tables/Music");
  // The table opens on a Scan of its first page: empty for now.
  await page.getByText("No items on this page.").waitFor();
  await page.getByTestId("consumed").filter({ hasText: "0 returned, 0 scanned" }).waitFor();
  const described = (await dynamoOk(page, "DescribeTable", { TableName: "Music" })).Table;
  assert.deepEqual(described.KeySchema, [
    { AttributeName: "Artist", KeyType: "HASH" },
    { AttributeName: "SongTitle", KeyType: "RANGE" },
  ]);
  assert.equal(described.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");
  assert.equal(described.GlobalSecondaryIndexes[0].IndexName, "byGenre");
  assert.deepEqual(described.GlobalSecondaryIndexes[0].KeySchema, [
    { AttributeName: "Genre", KeyType: "HASH" },
    { AttributeName: "Year", KeyType: "RANGE" },
  ]);
  assert.deepEqual(described.GlobalSecondaryIndexes[0].Projection, { ProjectionType: "INCLUDE", NonKeyAttributes: ["price"] });

  // The overview shows DescribeTable's facts and the index.
  await page.getByRole("tab", { name: "Overview" }).click();
  await page.getByRole("table", { name: "Indexes" }).getByRole("row", { name: /byGenre/ }).waitFor();
  assert.match(await page.locator(".facts").innerText(), /Artist \(S\)[\s\S]*SongTitle \(S\)[\s\S]*On-demand/);
  await shot(page, "table-overview");
  await page.getByRole("tab", { name: "Explore items" }).click();

  // Items through the editor: one in DynamoDB JSON, the rest in plain JSON.
  await addItem(page, "DynamoDB JSON", JSON.stringify({
    Artist: { S: "Acme" }, SongTitle: { S: "Song 1" }, Genre: { S: "Rock" }, Year: { N: "1999" }, price: { N: "1.50" },
  }));
  // Plain JSON converts to DynamoDB JSON with numbers kept exactly as written.
  await page.getByRole("button", { name: "Create item" }).click();
  const editor = page.getByRole("region", { name: "Item editor" });
  await editor.getByRole("radio", { name: "Plain JSON" }).check();
  await editor.getByLabel("Item JSON").fill('{"Artist": "Acme", "SongTitle": "Song 2", "Genre": "Jazz", "Year": 2005, "price": 12.000, "tags": ["a", true, null], "meta": {"bpm": 120}}');
  await editor.getByRole("radio", { name: "DynamoDB JSON" }).check();
  const converted = JSON.parse(await editor.getByLabel("Item JSON").inputValue());
  assert.deepEqual(converted.price, { N: "12.000" });
  assert.deepEqual(converted.tags, { L: [{ S: "a" }, { BOOL: true }, { NULL: true }] });
  assert.deepEqual(converted.meta, { M: { bpm: { N: "120" } } });
  await editor.getByRole("radio", { name: "Plain JSON" }).check();
  // A syntax error is reported inline and nothing is saved.
  await editor.getByLabel("Item JSON").fill('{"Artist": "Acme", "SongTitle": }');
  await editor.getByRole("button", { name: "Save item" }).click();
  await editor.getByRole("alert").filter({ hasText: /JSON syntax error at line 1, column 33/ }).waitFor();
  await shot(page, "table-editor-error");
  await editor.getByRole("button", { name: "Cancel" }).click();
  for (const item of [
    '{"Artist": "Acme", "SongTitle": "Song 2", "Genre": "Jazz", "Year": 2005, "price": 1234567890123456789012345.25}',
    '{"Artist": "Acme", "SongTitle": "Song 3", "Genre": "Rock", "Year": 2010}',
    '{"Artist": "Acme", "SongTitle": "Tune 4", "Genre": "Rock", "Year": 2001}',
    '{"Artist": "Bolt", "SongTitle": "Song 1", "Genre": "Pop", "Year": 2020}',
  ]) {
    await addItem(page, "Plain JSON", item);
  }
  const song2 = await dynamoOk(page, "GetItem", { TableName: "Music", Key: { Artist: { S: "Acme" }, SongTitle: { S: "Song 2" } } });
  // 27 significant digits survive: plain JSON numbers are not read as doubles.
  assert.deepEqual(song2.Item.price, { N: "1234567890123456789012345.25" });
  assert.deepEqual(song2.Item.Year, { N: "2005" });
  // The engine's own refusal: creating an item whose key exists.
  await page.getByRole("button", { name: "Create item" }).click();
  await editor.getByLabel("Item JSON").fill('{"Artist": "Bolt", "SongTitle": "Song 1"}');
  await editor.getByRole("button", { name: "Save item" }).click();
  await editor.getByRole("alert").filter({ hasText: "ConditionalCheckFailedException: The conditional request failed" }).waitFor();
  await editor.getByRole("button", { name: "Cancel" }).click();

  // Query by partition key with a sort key condition.
  await page.getByRole("radio", { name: "Query" }).check();
  await page.getByLabel("Partition key value").fill("Acme");
  await page.getByLabel("Sort key condition").selectOption("begins_with");
  await page.getByLabel("Sort key value", { exact: true }).fill("Song");
  await page.getByRole("button", { name: "Run Query" }).click();
  const queried = await dynamoOk(page, "Query", {
    TableName: "Music",
    KeyConditionExpression: "Artist = :a AND begins_with(SongTitle, :s)",
    ExpressionAttributeValues: { ":a": { S: "Acme" }, ":s": { S: "Song" } },
  });
  assert.deepEqual(queried.Items.map((i) => i.SongTitle.S), ["Song 1", "Song 2", "Song 3"]);
  await expectRows(page, queried.Items.map(plain));
  await page.getByTestId("consumed").filter({ hasText: /3 returned, 3 scanned · 0\.5 read capacity units consumed/ }).waitFor();
  assert.equal(await page.locator(".items-table .type-tag").first().innerText(), "S");
  await shot(page, "table-query");

  // Descending, with a comparison.
  await page.getByLabel("Sort key condition").selectOption("<");
  await page.getByLabel("Sort key value", { exact: true }).fill("Tune");
  await page.getByLabel("Sort order").selectOption("desc");
  await page.getByRole("button", { name: "Run Query" }).click();
  const descending = await dynamoOk(page, "Query", {
    TableName: "Music",
    KeyConditionExpression: "Artist = :a AND SongTitle < :s",
    ExpressionAttributeValues: { ":a": { S: "Acme" }, ":s": { S: "Tune" } },
    ScanIndexForward: false,
  });
  assert.deepEqual(descending.Items.map((i) => i.SongTitle.S), ["Song 3", "Song 2", "Song 1"]);
  await expectRows(page, descending.Items.map(plain));

  // Between on a numeric sort key, on the global index.
  await page.getByLabel("Table or index").selectOption("byGenre");
  await page.getByLabel("Partition key value").fill("Rock");
  await page.getByLabel("Sort key condition").selectOption("between");
  await page.getByLabel("Sort key value", { exact: true }).fill("2000");
  await page.getByLabel("And sort key value").fill("2010");
  await page.getByLabel("Sort order").selectOption("asc");
  await page.getByLabel("Projected attributes").fill("SongTitle, Year");
  await page.getByRole("button", { name: "Run Query" }).click();
  const byGenre = await dynamoOk(page, "Query", {
    TableName: "Music", IndexName: "byGenre",
    KeyConditionExpression: "Genre = :g AND #y BETWEEN :a AND :b",
    ProjectionExpression: "SongTitle, #y",
    ExpressionAttributeNames: { "#y": "Year" },
    ExpressionAttributeValues: { ":g": { S: "Rock" }, ":a": { N: "2000" }, ":b": { N: "2010" } },
  });
  assert.deepEqual(byGenre.Items.map((i) => i.SongTitle.S), ["Tune 4", "Song 3"]);
  await expectRows(page, byGenre.Items.map(plain));
  assert.deepEqual(await page.getByRole("table", { name: "Items" }).locator("thead th").allInnerTexts(), ["SongTitle", "Year", "Actions"]);
  await shot(page, "table-query-index");
  await page.getByLabel("Projected attributes").fill("");

  // Scan the table with a filter on a number.
  await page.getByLabel("Table or index").selectOption("");
  await page.getByRole("radio", { name: "Scan" }).check();
  await page.getByLabel("Filter attribute").fill("Year");
  await page.getByLabel("Filter condition").selectOption(">=");
  await page.getByLabel("Filter value", { exact: true }).fill("2005");
  await page.getByLabel("Filter value type").selectOption("N");
  await page.getByRole("button", { name: "Run Scan" }).click();
  const filtered = await dynamoOk(page, "Scan", {
    TableName: "Music", FilterExpression: "#y >= :y",
    ExpressionAttributeNames: { "#y": "Year" }, ExpressionAttributeValues: { ":y": { N: "2005" } },
  });
  assert.equal(filtered.Items.length, 3);
  await expectRows(page, filtered.Items.map(plain));
  await page.getByTestId("consumed").filter({ hasText: /3 returned, 5 scanned/ }).waitFor();
  await shot(page, "table-scan-filter");

  // Page through the whole table two items at a time.
  await page.getByLabel("Filter attribute").fill("");
  await page.getByLabel("Page size").fill("2");
  await page.getByRole("button", { name: "Run Scan" }).click();
  const all = (await dynamoOk(page, "Scan", { TableName: "Music" })).Items.map(plain);
  assert.equal(all.length, 5);
  await expectRows(page, all.slice(0, 2));
  await page.getByRole("button", { name: "Next page" }).click();
  await expectRows(page, all.slice(2, 4));
  await page.getByRole("heading", { name: "Scan results · page 2" }).waitFor();
  await shot(page, "table-page-2");
  await page.getByRole("button", { name: "Next page" }).click();
  await expectRows(page, all.slice(4));
  assert.equal(await page.getByRole("button", { name: "Next page" }).isDisabled(), true, "the last page has no next page");
  await page.getByRole("button", { name: "Previous page" }).click();
  await expectRows(page, all.slice(2, 4));

  // Edit an item and see the change.
  await page.getByLabel("Page size").fill("25");
  await page.getByRole("button", { name: "Run Scan" }).click();
  await expectRows(page, all);
  const items = page.getByRole("table", { name: "Items" });
  const row = (artist, title) => items.getByRole("row").filter({ hasText: artist }).filter({ hasText: title });
  await row("Acme", "Song 2").getByRole("button", { name: "Edit" }).click();
  await editor.getByRole("heading", { name: "Edit item" }).waitFor();
  const before = await editor.getByLabel("Item JSON").inputValue(); // plain JSON, as last used
  assert.match(before, /"price": 1234567890123456789012345\.25\n/);
  assert.match(before, /"Year": 2005/);
  await editor.getByLabel("Item JSON").fill(before.replace('"Year": 2005', '"Year": 2006, "note": "edited"'));
  await shot(page, "table-edit");
  await editor.getByRole("button", { name: "Save item" }).click();
  // The write's consumed capacity: 1 on the table, 2 on the global index
  // (its sort key Year changed: the old index entry goes, a new one comes).
  await page.getByText(/^Saved the item Artist = "Acme", SongTitle = "Song 2" · 3 write capacity units consumed\.$/).waitFor();
  await row("Acme", "Song 2").filter({ hasText: "edited" }).waitFor();
  const edited = await dynamoOk(page, "GetItem", { TableName: "Music", Key: { Artist: { S: "Acme" }, SongTitle: { S: "Song 2" } } });
  assert.deepEqual(edited.Item.Year, { N: "2006" });
  assert.deepEqual(edited.Item.note, { S: "edited" });
  assert.deepEqual(edited.Item.price, { N: "1234567890123456789012345.25" });

  // Delete an item: the console asks first.
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    d.accept();
  });
  await row("Acme", "Tune 4").getByRole("button", { name: "Delete" }).click();
  await row("Acme", "Tune 4").waitFor({ state: "detached" });
  assert.match(asked, /Delete the item Artist = "Acme", SongTitle = "Tune 4"/);
  await page.getByText(/^Deleted the item Artist = "Acme", SongTitle = "Tune 4" · 2 write capacity units consumed\.$/).waitFor();
  const gone = await dynamoOk(page, "GetItem", { TableName: "Music", Key: { Artist: { S: "Acme" }, SongTitle: { S: "Tune 4" } } });
  assert.equal(gone.Item, undefined);
  await expectRows(page, (await dynamoOk(page, "Scan", { TableName: "Music" })).Items.map(plain));
  // And from the editor.
  await row("Bolt", "Song 1").getByRole("button", { name: "Edit" }).click();
  await editor.getByRole("heading", { name: "Edit item" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), "TEXTAREA", "the editor takes the focus");
  page.once("dialog", (d) => d.accept());
  await editor.getByRole("button", { name: "Delete item" }).click();
  await row("Bolt", "Song 1").waitFor({ state: "detached" });
  await editor.waitFor({ state: "detached" });
  const remaining = (await dynamoOk(page, "Scan", { TableName: "Music" })).Items.map(plain);
  assert.equal(remaining.length, 3);
  await expectRows(page, remaining);
  await shot(page, "table-items");

  // The list shows the table, its keys, items and capacity mode; search filters it.
  await page.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link", { name: "Tables" }).click();
  const listed = page.getByRole("table", { name: "Tables" }).getByRole("row", { name: /Music/ });
  await listed.waitFor();
  assert.match(await listed.innerText(), /Music\s+ACTIVE\s+Artist \(S\)\s+SongTitle \(S\)\s+3\s+[\d.]+ B\s+On-demand/);
  await shot(page, "tables-list");
  await page.getByLabel("Search tables by name").fill("zzz");
  await page.getByText("No table name contains “zzz”.").waitFor();
  await page.getByLabel("Search tables by name").fill("mus");
  await listed.waitFor();

  // A refused CreateTable shows DynamoDB's own message.
  await page.getByRole("link", { name: "Create table" }).click();
  await page.getByLabel("Table name").fill("Music");
  await page.getByLabel("Partition key", { exact: true }).fill("Artist");
  await page.getByRole("button", { name: "Create table" }).click();
  await page.getByRole("alert").filter({ hasText: "ResourceInUseException: Table already exists: Music" }).waitFor();
  await page.getByLabel("Table name").fill("ab");
  await page.getByRole("button", { name: "Create table" }).click();
  await page.getByRole("alert").filter({
    hasText: "ValidationException: 1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
  }).waitFor();
  await shot(page, "tables-create-error");

  // Provisioned capacity and a local index.
  await page.getByLabel("Table name").fill("Orders");
  await page.getByLabel("Partition key", { exact: true }).fill("customer");
  await page.getByLabel("Sort key (optional)").fill("orderId");
  await page.getByLabel("Sort key type").selectOption("N");
  await page.getByRole("radio", { name: "Provisioned" }).check();
  await page.getByLabel("Read capacity units").fill("3");
  await page.getByLabel("Write capacity units").fill("2");
  await page.getByRole("button", { name: "Add local index" }).click();
  const lsi = page.getByRole("group", { name: "Local secondary index 1" });
  await lsi.getByLabel("Index name").fill("byPlaced");
  await lsi.getByLabel("Index sort key", { exact: true }).fill("placed");
  await lsi.getByLabel("Index sort key type").selectOption("N");
  await lsi.getByLabel("Projection").selectOption("KEYS_ONLY");
  await page.getByRole("button", { name: "Create table" }).click();
  await page.getByRole("heading", { level: 1, name: "Orders" }).waitFor();
  const orders = (await dynamoOk(page, "DescribeTable", { TableName: "Orders" })).Table;
  assert.equal(orders.ProvisionedThroughput.ReadCapacityUnits, 3);
  assert.equal(orders.ProvisionedThroughput.WriteCapacityUnits, 2);
  assert.deepEqual(orders.LocalSecondaryIndexes[0].KeySchema, [
    { AttributeName: "customer", KeyType: "HASH" },
    { AttributeName: "placed", KeyType: "RANGE" },
  ]);
  assert.deepEqual(orders.LocalSecondaryIndexes[0].Projection, { ProjectionType: "KEYS_ONLY" });
  await page.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link", { name: "Tables" }).click();
  const ordersRow = page.getByRole("table", { name: "Tables" }).getByRole("row", { name: /Orders/ });
  assert.match(await ordersRow.innerText(), /customer \(S\)\s+orderId \(N\)\s+0\s+0 B\s+Provisioned \(3 RCU, 2 WCU\)/);
  await page.getByRole("status").filter({ hasText: "2 tables" }).waitFor();
  await shot(page, "tables-list-two");

  // Delete the table, after confirming.
  await page.goto(env.server.url + "tables/Music");
  await page.getByRole("heading", { level: 1, name: "Music" }).waitFor();
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete table" }).click();
  await page.getByRole("heading", { level: 1, name: "Tables" }).waitFor();
  await page.getByRole("table", { name: "Tables" }).getByRole("row", { name: /Orders/ }).waitFor();
  assert.equal(await page.getByRole("table", { name: "Tables" }).getByRole("row", { name: /Music/ }).count(), 0);
  await waitForServiceWorker(page);
  assert.deepEqual((await dynamoOk(page, "ListTables", {})).TableNames, ["Orders"]);
  await page.getByRole("link", { name: "Orders" }).click();
  await page.getByRole("heading", { level: 1, name: "Orders" }).waitFor();
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete table" }).click();
  await page.getByRole("heading", { name: "No tables yet" }).waitFor();
  assert.deepEqual((await dynamoOk(page, "ListTables", {})).TableNames, []);
  page.assertNoErrors();
  console.log(`tables console test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test("the table page fits a phone and works in the dark theme", async (t) => {
  const { context, page } = await openPage(env.browser, { viewport: { width: 390, height: 844 }, colorScheme: "dark" });
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await dynamoOk(page, "CreateTable", {
    TableName: "Phones", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  });
  await dynamoOk(page, "PutItem", { TableName: "Phones", Item: { id: { S: "p1" }, model: { S: "Pixel" }, specs: { M: { ram: { N: "8" } } }, tags: { SS: ["a", "b"] } } });
  // A table may be called "new": its page is not the create form.
  await dynamoOk(page, "CreateTable", {
    TableName: "new", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  });
  await page.goto(env.server.url + "tables/new");
  await page.getByRole("heading", { level: 1, name: "new" }).waitFor();
  await page.getByRole("tab", { name: "Explore items" }).waitFor();
  await page.goto(env.server.url + "tables/Phones");
  await page.getByRole("heading", { level: 1, name: "Phones" }).waitFor();
  await expectRows(page, [{ id: "p1", model: "Pixel", specs: '{"ram": 8}', tags: "{a, b}" }]);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling (page is ${width}px wide)`);
  // A string set has no plain JSON form: the editor says so and stays in DynamoDB JSON.
  await page.getByRole("row", { name: /p1/ }).getByRole("button", { name: "Edit" }).click();
  const editor = page.getByRole("region", { name: "Item editor" });
  await editor.getByRole("radio", { name: "DynamoDB JSON" }).check();
  await editor.getByRole("radio", { name: "Plain JSON" }).click();
  await editor.getByRole("alert").filter({ hasText: "tags is a SS value, which plain JSON cannot show" }).waitFor();
  assert.equal(await editor.getByRole("radio", { name: "DynamoDB JSON" }).isChecked(), true);
  await shot(page, "phone-table-dark");
  page.assertNoErrors();
});
