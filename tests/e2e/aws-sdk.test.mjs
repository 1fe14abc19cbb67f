// The real AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb and
// @aws-sdk/lib-dynamodb), bundled for the browser and run in the console's own
// page, calls the cloud unchanged: its browser fetch handler posts to
// `_aws/dynamodb`, the service worker relays the request to the tab, and the
// engine answers in DynamoDB's JSON 1.0 protocol. Every result is checked
// against what DynamoDB answers.
import { test } from "node:test";
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, pageFetch, repo, suite } from "./harness.mjs";
import { sdkBundle } from "./sdk-bundle.mjs";

const TABLE = "SdkOrders";

const env = suite();

// Set up in the page once the SDK is loaded: the clients, and helpers that
// turn what the SDK returns into values that cross page.evaluate unchanged.
function setUpPage() {
  const S = window.StratusSdkTest;
  const client = new S.DynamoDBClient({
    endpoint: new URL("_aws/dynamodb", document.baseURI).href,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 1,
  });
  const doc = S.DynamoDBDocumentClient.from(client);
  // Uint8Array -> {$bytes}, Set -> {$set} (sorted), Date -> {$date}.
  const plain = (v) => {
    if (v instanceof Uint8Array) return { $bytes: Array.from(v) };
    if (v instanceof Set) {
      const items = Array.from(v, plain);
      items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      return { $set: items };
    }
    if (v instanceof Date) return { $date: v.toISOString() };
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") {
      const out = {};
      for (const [k, x] of Object.entries(v)) if (k !== "$metadata") out[k] = plain(x);
      return out;
    }
    return v;
  };
  // Sends a command; resolves to {ok} or to {err} with what a caller sees of a failure.
  const send = async (c, command) => {
    try {
      return { ok: plain(await c.send(command)) };
    } catch (e) {
      return {
        err: {
          name: e.name,
          message: e.message,
          status: e.$metadata?.httpStatusCode,
          fault: e.$fault,
          reasons: e.CancellationReasons && plain(e.CancellationReasons),
          item: e.Item && plain(e.Item),
        },
      };
    }
  };
  performance.setResourceTimingBufferSize(10000);
  window.T = { S, client, doc, plain, send };
  return Object.keys(S).length;
}

// Fails with the SDK's error when a command did not succeed.
function ok(result, what) {
  if (result.err) assert.fail(`${what} failed: ${result.err.name}: ${result.err.message}`);
  return result.ok;
}

test("the AWS SDK v3 DynamoDB clients work unchanged from a page, through the service worker", async (t) => {
  const started = Date.now();
  const { context, page } = await openPage(env.browser);
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);

  const bundle = await sdkBundle();
  await page.addScriptTag({ content: bundle });
  const exported = await page.evaluate(setUpPage);
  assert.ok(exported > 50, `the bundle exposes the SDK (${exported} exports)`);
  assert.equal(
    await page.evaluate(() => navigator.serviceWorker.controller?.state),
    "activated",
    "a service worker controls the page",
  );
  const requestsBefore = Number(await page.getByTestId("request-count").innerText());

  await t.test("CreateTable, waitUntilTableExists, DescribeTable, ListTables", async () => {
    const created = ok(
      await page.evaluate(
        (TableName) =>
          T.send(
            T.client,
            new T.S.CreateTableCommand({
              TableName,
              BillingMode: "PAY_PER_REQUEST",
              AttributeDefinitions: [
                { AttributeName: "customer", AttributeType: "S" },
                { AttributeName: "orderId", AttributeType: "S" },
                { AttributeName: "status", AttributeType: "S" },
                { AttributeName: "total", AttributeType: "N" },
              ],
              KeySchema: [
                { AttributeName: "customer", KeyType: "HASH" },
                { AttributeName: "orderId", KeyType: "RANGE" },
              ],
              GlobalSecondaryIndexes: [
                {
                  IndexName: "byStatus",
                  KeySchema: [
                    { AttributeName: "status", KeyType: "HASH" },
                    { AttributeName: "total", KeyType: "RANGE" },
                  ],
                  Projection: { ProjectionType: "ALL" },
                },
              ],
            }),
          ),
        TABLE,
      ),
      "CreateTable",
    );
    const d = created.TableDescription;
    assert.equal(d.TableName, TABLE);
    assert.ok(["CREATING", "ACTIVE"].includes(d.TableStatus), d.TableStatus);
    assert.equal(d.TableArn, `arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}`);
    assert.deepEqual(d.KeySchema, [
      { AttributeName: "customer", KeyType: "HASH" },
      { AttributeName: "orderId", KeyType: "RANGE" },
    ]);
    assert.equal(d.BillingModeSummary?.BillingMode, "PAY_PER_REQUEST");
    assert.equal(d.GlobalSecondaryIndexes?.length, 1);
    assert.equal(d.GlobalSecondaryIndexes[0].IndexName, "byStatus");
    assert.ok(d.CreationDateTime?.$date, "CreationDateTime parses as a date");
    assert.ok(Math.abs(Date.parse(d.CreationDateTime.$date) - Date.now()) < 60000, "CreationDateTime is now");

    const waited = await page.evaluate(async (TableName) => {
      const r = await T.S.waitUntilTableExists({ client: T.client, minDelay: 1, maxDelay: 2, maxWaitTime: 30 }, { TableName });
      return { state: r.state };
    }, TABLE);
    assert.equal(waited.state, "SUCCESS");

    const described = ok(
      await page.evaluate((TableName) => T.send(T.client, new T.S.DescribeTableCommand({ TableName })), TABLE),
      "DescribeTable",
    ).Table;
    assert.equal(described.TableStatus, "ACTIVE");
    assert.equal(described.ItemCount, 0);
    assert.deepEqual(
      [...described.AttributeDefinitions].sort((a, b) => (a.AttributeName < b.AttributeName ? -1 : 1)),
      [
        { AttributeName: "customer", AttributeType: "S" },
        { AttributeName: "orderId", AttributeType: "S" },
        { AttributeName: "status", AttributeType: "S" },
        { AttributeName: "total", AttributeType: "N" },
      ],
    );
    const gsi = described.GlobalSecondaryIndexes[0];
    assert.equal(gsi.IndexName, "byStatus");
    assert.equal(gsi.IndexStatus, "ACTIVE");
    assert.equal(gsi.IndexArn, `arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}/index/byStatus`);
    assert.deepEqual(gsi.Projection, { ProjectionType: "ALL" });
    assert.deepEqual(gsi.KeySchema, [
      { AttributeName: "status", KeyType: "HASH" },
      { AttributeName: "total", KeyType: "RANGE" },
    ]);

    const listed = ok(await page.evaluate(() => T.send(T.client, new T.S.ListTablesCommand({}))), "ListTables");
    assert.ok(listed.TableNames.includes(TABLE), JSON.stringify(listed.TableNames));
  });

  await t.test("PutItem / GetItem keep every attribute type and exact numbers", async () => {
    const got = await page.evaluate(async (TableName) => {
      const Item = {
        customer: { S: "alice" },
        orderId: { S: "types" },
        text: { S: "héllo 👋" },
        big: { N: "123456789012345678901234567890.12345678" },
        tiny: { N: "-0.000000000000000000000000000000000000001" },
        n: { N: "0.1" },
        bin: { B: new Uint8Array([0, 1, 2, 250, 255]) },
        yes: { BOOL: true },
        no: { BOOL: false },
        nothing: { NULL: true },
        map: { M: { a: { S: "x" }, b: { L: [{ N: "1" }, { S: "two" }] } } },
        list: { L: [{ S: "one" }, { N: "2" }, { BOOL: false }, { NULL: true }] },
        strings: { SS: ["b", "a", "c"] },
        numbers: { NS: ["10", "2.5", "-3"] },
        blobs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
      };
      const put = await T.send(T.client, new T.S.PutItemCommand({ TableName, Item }));
      const get = await T.send(
        T.client,
        new T.S.GetItemCommand({ TableName, Key: { customer: { S: "alice" }, orderId: { S: "types" } }, ConsistentRead: true }),
      );
      const add = await T.send(
        T.client,
        new T.S.UpdateItemCommand({
          TableName,
          Key: { customer: { S: "alice" }, orderId: { S: "types" } },
          UpdateExpression: "ADD n :inc, numbers :more",
          ExpressionAttributeValues: { ":inc": { N: "0.2" }, ":more": { NS: ["7"] } },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      const missing = await T.send(
        T.client,
        new T.S.GetItemCommand({ TableName, Key: { customer: { S: "alice" }, orderId: { S: "nope" } } }),
      );
      const small = { customer: { S: "alice" }, orderId: { S: "small" }, v: { N: "1" } };
      const putSmall = await T.send(
        T.client,
        new T.S.PutItemCommand({ TableName, Item: small, ReturnConsumedCapacity: "TOTAL" }),
      );
      const overwrite = await T.send(
        T.client,
        new T.S.PutItemCommand({ TableName, Item: { ...small, v: { N: "2" } }, ReturnValues: "ALL_OLD" }),
      );
      const strong = await T.send(
        T.client,
        new T.S.GetItemCommand({
          TableName,
          Key: { customer: small.customer, orderId: small.orderId },
          ConsistentRead: true,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      const eventual = await T.send(
        T.client,
        new T.S.GetItemCommand({ TableName, Key: { customer: small.customer, orderId: small.orderId }, ReturnConsumedCapacity: "TOTAL" }),
      );
      const deleted = await T.send(
        T.client,
        new T.S.DeleteItemCommand({ TableName, Key: { customer: small.customer, orderId: small.orderId }, ReturnValues: "ALL_OLD" }),
      );
      return { put, get, add, missing, putSmall, overwrite, strong, eventual, deleted };
    }, TABLE);
    ok(got.put, "PutItem");
    const item = ok(got.get, "GetItem").Item;
    assert.deepEqual(item.text, { S: "héllo 👋" });
    assert.deepEqual(item.big, { N: "123456789012345678901234567890.12345678" });
    assert.deepEqual(item.tiny, { N: "-0.000000000000000000000000000000000000001" });
    assert.deepEqual(item.bin, { B: { $bytes: [0, 1, 2, 250, 255] } });
    assert.deepEqual(item.yes, { BOOL: true });
    assert.deepEqual(item.no, { BOOL: false });
    assert.deepEqual(item.nothing, { NULL: true });
    assert.deepEqual(item.map, { M: { a: { S: "x" }, b: { L: [{ N: "1" }, { S: "two" }] } } });
    assert.deepEqual(item.list, { L: [{ S: "one" }, { N: "2" }, { BOOL: false }, { NULL: true }] });
    assert.deepEqual([...item.strings.SS].sort(), ["a", "b", "c"]);
    assert.deepEqual([...item.numbers.NS].sort(), ["-3", "10", "2.5"]);
    assert.deepEqual(
      item.blobs.BS.map((b) => b.$bytes).sort(),
      [[1], [2, 3]],
    );
    assert.equal(Object.keys(item).length, 15, Object.keys(item).join(","));

    const added = ok(got.add, "UpdateItem ADD").Attributes;
    assert.deepEqual(added.n, { N: "0.3" }, "0.1 ADD 0.2 is exactly 0.3");
    assert.deepEqual([...added.numbers.NS].sort(), ["-3", "10", "2.5", "7"]);
    assert.deepEqual(Object.keys(added).sort(), ["n", "numbers"], "UPDATED_NEW returns only the updated attributes");

    const missing = ok(got.missing, "GetItem of a missing item");
    assert.equal(missing.Item, undefined, "no Item for a missing key");

    assert.deepEqual(ok(got.overwrite, "PutItem ALL_OLD").Attributes, {
      customer: { S: "alice" },
      orderId: { S: "small" },
      v: { N: "1" },
    });
    const strong = ok(got.strong, "GetItem consistent");
    assert.deepEqual(strong.Item.v, { N: "2" });
    assert.deepEqual(ok(got.deleted, "DeleteItem ALL_OLD").Attributes.v, { N: "2" });

    // ReturnConsumedCapacity TOTAL: DynamoDB gives the table and the total
    // alone for single-item operations (no Read/WriteCapacityUnits split).
    assert.deepEqual(ok(got.putSmall, "PutItem").ConsumedCapacity, { TableName: TABLE, CapacityUnits: 1 }, "a write of <1 KB is 1 WCU");
    assert.deepEqual(strong.ConsumedCapacity, { TableName: TABLE, CapacityUnits: 1 }, "a strongly consistent read of <4 KB is 1 RCU");
    assert.deepEqual(ok(got.eventual, "GetItem").ConsumedCapacity, { TableName: TABLE, CapacityUnits: 0.5 }, "an eventually consistent one is 0.5");
  });

  await t.test("UpdateItem SET/REMOVE with ALL_NEW; a failing condition is ConditionalCheckFailedException", async () => {
    const r = await page.evaluate(async (TableName) => {
      const Key = { customer: { S: "bob" }, orderId: { S: "2024-05-01#1" } };
      const put = await T.send(
        T.client,
        new T.S.PutItemCommand({
          TableName,
          Item: { ...Key, status: { S: "OPEN" }, total: { N: "10" }, note: { S: "gift" }, tags: { L: [{ S: "a" }] } },
        }),
      );
      const update = await T.send(
        T.client,
        new T.S.UpdateItemCommand({
          TableName,
          Key,
          UpdateExpression: "SET #s = :s, #t = #t + :d, tags = list_append(tags, :t), touched = if_not_exists(touched, :one) REMOVE note",
          ConditionExpression: "#s = :open",
          ExpressionAttributeNames: { "#s": "status", "#t": "total" },
          ExpressionAttributeValues: {
            ":s": { S: "SHIPPED" },
            ":open": { S: "OPEN" },
            ":d": { N: "2.5" },
            ":t": { L: [{ S: "b" }] },
            ":one": { N: "1" },
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      const failed = await T.send(
        T.client,
        new T.S.UpdateItemCommand({
          TableName,
          Key,
          UpdateExpression: "SET #t = :z",
          ConditionExpression: "#s = :open",
          ExpressionAttributeNames: { "#s": "status", "#t": "total" },
          ExpressionAttributeValues: { ":z": { N: "0" }, ":open": { S: "OPEN" } },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      const putIfAbsent = await T.send(
        T.client,
        new T.S.PutItemCommand({
          TableName,
          Item: { ...Key, status: { S: "NEW" }, total: { N: "1" } },
          ConditionExpression: "attribute_not_exists(customer)",
        }),
      );
      const after = await T.send(T.client, new T.S.GetItemCommand({ TableName, Key, ConsistentRead: true }));
      return { put, update, failed, putIfAbsent, after };
    }, TABLE);
    ok(r.put, "PutItem");
    assert.deepEqual(ok(r.update, "UpdateItem").Attributes, {
      customer: { S: "bob" },
      orderId: { S: "2024-05-01#1" },
      status: { S: "SHIPPED" },
      total: { N: "12.5" },
      tags: { L: [{ S: "a" }, { S: "b" }] },
      touched: { N: "1" },
    });

    assert.ok(r.failed.err, "a failing ConditionExpression rejects");
    assert.equal(r.failed.err.name, "ConditionalCheckFailedException");
    assert.equal(r.failed.err.status, 400);
    assert.equal(r.failed.err.fault, "client");
    assert.equal(r.failed.err.message, "The conditional request failed");
    assert.deepEqual(r.failed.err.item?.total, { N: "12.5" }, "ReturnValuesOnConditionCheckFailure ALL_OLD gives the item");

    assert.ok(r.putIfAbsent.err, "attribute_not_exists on an existing item rejects");
    assert.equal(r.putIfAbsent.err.name, "ConditionalCheckFailedException");
    assert.equal(r.putIfAbsent.err.status, 400);
    const after = ok(r.after, "GetItem").Item;
    assert.deepEqual(after.status, { S: "SHIPPED" }, "neither failed write changed the item");
    assert.deepEqual(after.total, { N: "12.5" });
  });

  await t.test("Query with begins_with, Limit and pagination; Query on the GSI; Scan with a filter", async () => {
    const r = await page.evaluate(async (TableName) => {
      const orders = [
        ["carol", "2023-12-30", "OPEN", "5"],
        ["carol", "2024-01-02", "OPEN", "20"],
        ["carol", "2024-01-15", "SHIPPED", "7.25"],
        ["carol", "2024-02-01", "OPEN", "99"],
        ["carol", "2024-02-10", "CLOSED", "3"],
        ["dave", "2024-01-05", "OPEN", "50"],
      ];
      for (const [customer, orderId, status, total] of orders) {
        const put = await T.send(
          T.client,
          new T.S.PutItemCommand({
            TableName,
            Item: { customer: { S: customer }, orderId: { S: orderId }, status: { S: status }, total: { N: total } },
          }),
        );
        if (put.err) return { put };
      }
      const q = {
        TableName,
        KeyConditionExpression: "customer = :c AND begins_with(orderId, :p)",
        ExpressionAttributeValues: { ":c": { S: "carol" }, ":p": { S: "2024-" } },
      };
      const all = await T.send(T.client, new T.S.QueryCommand(q));
      const firstPage = await T.send(T.client, new T.S.QueryCommand({ ...q, Limit: 2 }));
      const secondPage =
        firstPage.ok &&
        (await T.send(
          T.client,
          new T.S.QueryCommand({ ...q, Limit: 2, ExclusiveStartKey: firstPage.ok.LastEvaluatedKey }),
        ));
      const pages = [];
      try {
        for await (const page of T.S.paginateQuery({ client: T.client, pageSize: 3 }, { ...q, ScanIndexForward: false })) {
          pages.push(page.Items.map((i) => i.orderId.S));
          if (pages.length > 10) break;
        }
      } catch (e) {
        pages.push(`${e.name}: ${e.message}`);
      }
      const gsi = await T.send(
        T.client,
        new T.S.QueryCommand({
          TableName,
          IndexName: "byStatus",
          KeyConditionExpression: "#s = :open AND #t BETWEEN :lo AND :hi",
          ExpressionAttributeNames: { "#s": "status", "#t": "total" },
          ExpressionAttributeValues: { ":open": { S: "OPEN" }, ":lo": { N: "10" }, ":hi": { N: "60" } },
        }),
      );
      const scan = await T.send(
        T.client,
        new T.S.ScanCommand({
          TableName,
          FilterExpression: "#t > :t AND attribute_exists(#s)",
          ExpressionAttributeNames: { "#s": "status", "#t": "total" },
          ExpressionAttributeValues: { ":t": { N: "19.5" } },
          ProjectionExpression: "customer, orderId, #t",
        }),
      );
      const count = await T.send(
        T.client,
        new T.S.QueryCommand({ ...q, Select: "COUNT" }),
      );
      return { all, firstPage, secondPage, pages, gsi, scan, count };
    }, TABLE);
    if (r.put) ok(r.put, "PutItem");
    const all = ok(r.all, "Query");
    assert.deepEqual(
      all.Items.map((i) => i.orderId.S),
      ["2024-01-02", "2024-01-15", "2024-02-01", "2024-02-10"],
      "begins_with on the sort key, in sort-key order",
    );
    assert.equal(all.Count, 4);
    assert.equal(all.ScannedCount, 4);
    assert.equal(all.LastEvaluatedKey, undefined);

    const p1 = ok(r.firstPage, "Query Limit 2");
    assert.deepEqual(p1.Items.map((i) => i.orderId.S), ["2024-01-02", "2024-01-15"]);
    assert.deepEqual(p1.LastEvaluatedKey, { customer: { S: "carol" }, orderId: { S: "2024-01-15" } });
    const p2 = ok(r.secondPage, "Query from LastEvaluatedKey");
    assert.deepEqual(p2.Items.map((i) => i.orderId.S), ["2024-02-01", "2024-02-10"]);

    assert.deepEqual(
      r.pages,
      [["2024-02-10", "2024-02-01", "2024-01-15"], ["2024-01-02"]],
      "paginateQuery walks every page, backwards",
    );

    const gsi = ok(r.gsi, "Query on the GSI");
    assert.deepEqual(
      gsi.Items.map((i) => [i.customer.S, i.orderId.S, i.total.N]),
      [
        ["carol", "2024-01-02", "20"],
        ["dave", "2024-01-05", "50"],
      ],
      "the GSI is ordered by its sort key (total, numerically)",
    );

    const scan = ok(r.scan, "Scan");
    const scanned = scan.Items.map((i) => `${i.customer.S}/${i.orderId.S}/${i.total.N}`).sort();
    assert.deepEqual(scanned, ["carol/2024-01-02/20", "carol/2024-02-01/99", "dave/2024-01-05/50"]);
    assert.ok(scan.Items.every((i) => Object.keys(i).length === 3), "ProjectionExpression keeps three attributes");
    // ScannedCount counts every item read before the filter: the 6 orders, bob's and alice's.
    assert.equal(scan.ScannedCount, 8);
    assert.equal(scan.Count, 3);

    const count = ok(r.count, "Query Select COUNT");
    assert.equal(count.Count, 4);
    assert.equal(count.Items, undefined);

    // DynamoDB stops reading at Limit without looking further, so a page that
    // ends exactly at the last item still has a LastEvaluatedKey.
    assert.deepEqual(
      p2.LastEvaluatedKey,
      { customer: { S: "carol" }, orderId: { S: "2024-02-10" } },
      "a page that stops at Limit has a LastEvaluatedKey even when nothing follows",
    );
  });

  await t.test("BatchWriteItem and BatchGetItem", async () => {
    const r = await page.evaluate(async (TableName) => {
      const write = await T.send(
        T.client,
        new T.S.BatchWriteItemCommand({
          RequestItems: {
            [TableName]: [
              { PutRequest: { Item: { customer: { S: "erin" }, orderId: { S: "1" }, total: { N: "1" } } } },
              { PutRequest: { Item: { customer: { S: "erin" }, orderId: { S: "2" }, total: { N: "2" } } } },
              { PutRequest: { Item: { customer: { S: "erin" }, orderId: { S: "3" }, total: { N: "3" } } } },
              { DeleteRequest: { Key: { customer: { S: "dave" }, orderId: { S: "2024-01-05" } } } },
            ],
          },
        }),
      );
      const read = await T.send(
        T.client,
        new T.S.BatchGetItemCommand({
          RequestItems: {
            [TableName]: {
              Keys: [
                { customer: { S: "erin" }, orderId: { S: "1" } },
                { customer: { S: "erin" }, orderId: { S: "3" } },
                { customer: { S: "dave" }, orderId: { S: "2024-01-05" } },
                { customer: { S: "erin" }, orderId: { S: "9" } },
              ],
              ProjectionExpression: "orderId, #t",
              ExpressionAttributeNames: { "#t": "total" },
              ConsistentRead: true,
            },
          },
        }),
      );
      return { write, read };
    }, TABLE);
    const write = ok(r.write, "BatchWriteItem");
    assert.deepEqual(write.UnprocessedItems, {});
    const read = ok(r.read, "BatchGetItem");
    assert.deepEqual(read.UnprocessedKeys, {});
    assert.deepEqual(
      read.Responses[TABLE].map((i) => [i.orderId.S, i.total.N]).sort(),
      [
        ["1", "1"],
        ["3", "3"],
      ],
      "found items only, projected; the deleted and the missing key are absent",
    );
    assert.ok(read.Responses[TABLE].every((i) => Object.keys(i).length === 2));
  });

  await t.test("TransactWriteItems: one that commits, one cancelled with reasons in order", async () => {
    const r = await page.evaluate(async (TableName) => {
      const key = (customer, orderId) => ({ customer: { S: customer }, orderId: { S: orderId } });
      const committed = await T.send(
        T.client,
        new T.S.TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName, Item: { ...key("frank", "1"), total: { N: "5" } }, ConditionExpression: "attribute_not_exists(orderId)" } },
            {
              Update: {
                TableName,
                Key: key("erin", "1"),
                UpdateExpression: "SET #t = #t + :one",
                ExpressionAttributeNames: { "#t": "total" },
                ExpressionAttributeValues: { ":one": { N: "1" } },
              },
            },
            { ConditionCheck: { TableName, Key: key("erin", "2"), ConditionExpression: "attribute_exists(#t)", ExpressionAttributeNames: { "#t": "total" } } },
            { Delete: { TableName, Key: key("erin", "3") } },
          ],
        }),
      );
      const cancelled = await T.send(
        T.client,
        new T.S.TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: key("frank", "1"),
                UpdateExpression: "SET #t = :big",
                ExpressionAttributeNames: { "#t": "total" },
                ExpressionAttributeValues: { ":big": { N: "1000" } },
              },
            },
            { Put: { TableName, Item: { ...key("erin", "1"), total: { N: "0" } }, ConditionExpression: "attribute_not_exists(orderId)" } },
            { ConditionCheck: { TableName, Key: key("erin", "2"), ConditionExpression: "attribute_exists(#t)", ExpressionAttributeNames: { "#t": "total" } } },
            { Delete: { TableName, Key: key("erin", "3"), ConditionExpression: "attribute_exists(orderId)" } },
          ],
        }),
      );
      const after = await T.send(
        T.client,
        new T.S.BatchGetItemCommand({
          RequestItems: { [TableName]: { Keys: [key("frank", "1"), key("erin", "1"), key("erin", "3")], ConsistentRead: true } },
        }),
      );
      const transactGet = await T.send(
        T.client,
        new T.S.TransactGetItemsCommand({
          TransactItems: [
            { Get: { TableName, Key: key("frank", "1") } },
            { Get: { TableName, Key: key("nobody", "0") } },
            { Get: { TableName, Key: key("erin", "2"), ProjectionExpression: "orderId" } },
          ],
        }),
      );
      return { committed, cancelled, after, transactGet };
    }, TABLE);
    ok(r.committed, "TransactWriteItems");
    assert.ok(r.cancelled.err, "the second transaction is cancelled");
    assert.equal(r.cancelled.err.name, "TransactionCanceledException");
    assert.equal(r.cancelled.err.status, 400);
    assert.deepEqual(
      r.cancelled.err.reasons?.map((x) => x.Code),
      ["None", "ConditionalCheckFailed", "None", "ConditionalCheckFailed"],
    );
    assert.equal(
      r.cancelled.err.message,
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None, ConditionalCheckFailed]",
    );
    const after = Object.fromEntries(
      ok(r.after, "BatchGetItem").Responses[TABLE].map((i) => [`${i.customer.S}/${i.orderId.S}`, i.total.N]),
    );
    assert.deepEqual(after, { "frank/1": "5", "erin/1": "2" }, "the first committed whole, the second changed nothing");

    assert.deepEqual(ok(r.transactGet, "TransactGetItems").Responses, [
      { Item: { customer: { S: "frank" }, orderId: { S: "1" }, total: { N: "5" } } },
      {},
      { Item: { orderId: { S: "2" } } },
    ]);
  });

  await t.test("DynamoDBDocumentClient with plain JavaScript values", async () => {
    const r = await page.evaluate(async (TableName) => {
      const put = await T.send(
        T.doc,
        new T.S.doc.PutCommand({
          TableName,
          Item: {
            customer: "gina",
            orderId: "2024-03-01",
            status: "OPEN",
            total: 42.5,
            paid: false,
            cart: [{ sku: "A-1", qty: 2 }, { sku: "B-7", qty: 1 }],
            address: { city: "Lyon", zip: "69001" },
            labels: new Set(["gift", "fragile"]),
            nothing: null,
          },
        }),
      );
      const get = await T.send(T.doc, new T.S.doc.GetCommand({ TableName, Key: { customer: "gina", orderId: "2024-03-01" } }));
      const update = await T.send(
        T.doc,
        new T.S.doc.UpdateCommand({
          TableName,
          Key: { customer: "gina", orderId: "2024-03-01" },
          UpdateExpression: "SET paid = :t, cart[1].qty = cart[1].qty + :n, address.country = :c REMOVE nothing",
          ExpressionAttributeValues: { ":t": true, ":n": 4, ":c": "FR" },
          ReturnValues: "ALL_NEW",
        }),
      );
      await T.send(T.doc, new T.S.doc.PutCommand({ TableName, Item: { customer: "gina", orderId: "2024-03-09", total: 1 } }));
      const query = await T.send(
        T.doc,
        new T.S.doc.QueryCommand({
          TableName,
          KeyConditionExpression: "customer = :c AND orderId > :after",
          ExpressionAttributeValues: { ":c": "gina", ":after": "2024-03-01" },
        }),
      );
      const del = await T.send(
        T.doc,
        new T.S.doc.DeleteCommand({ TableName, Key: { customer: "gina", orderId: "2024-03-09" }, ReturnValues: "ALL_OLD" }),
      );
      return { put, get, update, query, del };
    }, TABLE);
    ok(r.put, "PutCommand");
    assert.deepEqual(ok(r.get, "GetCommand").Item, {
      customer: "gina",
      orderId: "2024-03-01",
      status: "OPEN",
      total: 42.5,
      paid: false,
      cart: [
        { sku: "A-1", qty: 2 },
        { sku: "B-7", qty: 1 },
      ],
      address: { city: "Lyon", zip: "69001" },
      labels: { $set: ["fragile", "gift"] },
      nothing: null,
    });
    const updated = ok(r.update, "UpdateCommand").Attributes;
    assert.equal(updated.paid, true);
    assert.deepEqual(updated.cart[1], { sku: "B-7", qty: 5 });
    assert.deepEqual(updated.address, { city: "Lyon", zip: "69001", country: "FR" });
    assert.ok(!("nothing" in updated), "REMOVE took the attribute away");
    assert.deepEqual(ok(r.query, "QueryCommand").Items, [{ customer: "gina", orderId: "2024-03-09", total: 1 }]);
    assert.deepEqual(ok(r.del, "DeleteCommand").Attributes, { customer: "gina", orderId: "2024-03-09", total: 1 });
  });

  await t.test("engine errors surface as the SDK's exceptions", async () => {
    const r = await page.evaluate(async (TableName) => {
      const wrongKey = await T.send(
        T.client,
        new T.S.GetItemCommand({ TableName, Key: { customer: { S: "alice" } } }),
      );
      const badExpression = await T.send(
        T.client,
        new T.S.QueryCommand({
          TableName,
          KeyConditionExpression: "customer = :c AND",
          ExpressionAttributeValues: { ":c": { S: "alice" } },
        }),
      );
      const reserved = await T.send(
        T.client,
        new T.S.UpdateItemCommand({
          TableName,
          Key: { customer: { S: "alice" }, orderId: { S: "types" } },
          UpdateExpression: "SET total = :z",
          ExpressionAttributeValues: { ":z": { N: "0" } },
        }),
      );
      const noTable = await T.send(T.client, new T.S.DescribeTableCommand({ TableName: "NoSuchTable" }));
      const noTableGet = await T.send(
        T.client,
        new T.S.GetItemCommand({ TableName: "NoSuchTable", Key: { id: { S: "1" } } }),
      );
      return { wrongKey, badExpression, reserved, noTable, noTableGet };
    }, TABLE);
    assert.ok(r.wrongKey.err, "GetItem with half a key rejects");
    assert.equal(r.wrongKey.err.name, "ValidationException");
    assert.equal(r.wrongKey.err.status, 400);
    assert.equal(r.wrongKey.err.fault, "client");
    assert.equal(r.wrongKey.err.message, "The provided key element does not match the schema");

    assert.equal(r.badExpression.err?.name, "ValidationException");
    assert.match(r.badExpression.err.message, /^Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND"$/);

    assert.equal(r.reserved.err?.name, "ValidationException");
    assert.equal(
      r.reserved.err.message,
      "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: total",
    );

    assert.equal(r.noTable.err?.name, "ResourceNotFoundException");
    assert.equal(r.noTable.err.status, 400);
    assert.equal(r.noTable.err.message, "Requested resource not found: Table: NoSuchTable not found");
    assert.equal(r.noTableGet.err?.name, "ResourceNotFoundException");
    assert.equal(r.noTableGet.err.message, "Requested resource not found");
  });

  await t.test("DeleteTable", async () => {
    const r = await page.evaluate(async (TableName) => {
      const deleted = await T.send(T.client, new T.S.DeleteTableCommand({ TableName }));
      let waited;
      try {
        waited = (await T.S.waitUntilTableNotExists({ client: T.client, minDelay: 1, maxDelay: 2, maxWaitTime: 30 }, { TableName })).state;
      } catch (e) {
        waited = `${e.name}: ${e.message}`;
      }
      const describe = await T.send(T.client, new T.S.DescribeTableCommand({ TableName }));
      const list = await T.send(T.client, new T.S.ListTablesCommand({}));
      return { deleted, waited, describe, list };
    }, TABLE);
    const d = ok(r.deleted, "DeleteTable").TableDescription;
    assert.equal(d.TableName, TABLE);
    assert.equal(d.TableStatus, "DELETING");
    assert.equal(r.waited, "SUCCESS");
    assert.equal(r.describe.err?.name, "ResourceNotFoundException");
    assert.ok(!ok(r.list, "ListTables").TableNames.includes(TABLE));
  });

  // Every request went through the service worker (workerStart is set only
  // for a fetch a worker handled) and was answered by the engine in the tab.
  const relayed = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .filter((e) => new URL(e.name).pathname.includes("/_aws/dynamodb"))
      .map((e) => ({ path: new URL(e.name).pathname, worker: e.workerStart > 0 })),
  );
  assert.ok(relayed.length >= 30, `the SDK sent its requests with fetch() (${relayed.length})`);
  assert.ok(relayed.every((e) => e.worker), "every SDK request went through the service worker");
  assert.equal(relayed[0].path, "/stratus/_aws/dynamodb/");
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="request-count"]').textContent) >= n,
    requestsBefore + relayed.length,
  );
  await shot(page, "aws-sdk-dashboard");
  page.assertNoErrors();
  await context.close();
  t.diagnostic(`${relayed.length} SDK requests through the service worker in ${Date.now() - started} ms`);
});

test("the AWS SDK v3 API Gateway v2 client builds an HTTP API that answers fetch()", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await page.addScriptTag({ content: await sdkBundle() });
  // A function to route to: the echo command (answers its event).
  const echo = fs.readFileSync(path.join(repo, "runtimes", "dist", "echo.wasm")).toString("base64");
  const created = await pageFetch(page, "_aws/lambda/2015-03-31/functions", {
    method: "POST",
    body: JSON.stringify({ FunctionName: "echo", Runtime: "provided.al2023", Role: "arn:aws:iam::000000000000:role/r", Code: { ZipFile: echo } }),
  });
  assert.equal(created.status, 201, created.text);
  const arn = JSON.parse(created.text).FunctionArn;

  const result = await page.evaluate(async (arn) => {
    const G = window.StratusSdkTest.apigatewayv2;
    const client = new G.ApiGatewayV2Client({
      endpoint: new URL("_aws/apigateway", document.baseURI).href,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    const api = await client.send(new G.CreateApiCommand({ Name: "shop", ProtocolType: "HTTP" }));
    const integration = await client.send(
      new G.CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "AWS_PROXY", IntegrationUri: arn, PayloadFormatVersion: "2.0" }),
    );
    await client.send(new G.CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /items/{id}", Target: `integrations/${integration.IntegrationId}` }));
    await client.send(new G.CreateStageCommand({ ApiId: api.ApiId, StageName: "$default", AutoDeploy: true }));
    const routes = await client.send(new G.GetRoutesCommand({ ApiId: api.ApiId }));
    const apis = await client.send(new G.GetApisCommand({}));
    let missing;
    try {
      await client.send(new G.GetApiCommand({ ApiId: "nosuchapi1" }));
    } catch (e) {
      missing = { name: e.name, status: e.$metadata?.httpStatusCode };
    }
    const answer = await fetch(`_api/${api.ApiId}/items/42?color=red`);
    return {
      apiId: api.ApiId,
      endpoint: api.ApiEndpoint,
      routeKeys: routes.Items.map((r) => r.RouteKey),
      names: apis.Items.map((a) => a.Name),
      missing,
      status: answer.status,
      event: await answer.json(),
    };
  }, arn);
  assert.match(result.apiId, /^[a-z0-9]{10}$/);
  assert.deepEqual(result.routeKeys, ["GET /items/{id}"]);
  assert.deepEqual(result.names, ["shop"]);
  assert.deepEqual(result.missing, { name: "NotFoundException", status: 404 });
  // The echo function answers the event it got: API Gateway's payload 2.0 event.
  assert.equal(result.status, 200);
  assert.equal(result.event.routeKey, "GET /items/{id}");
  assert.deepEqual(result.event.pathParameters, { id: "42" });
  assert.deepEqual(result.event.queryStringParameters, { color: "red" });
  assert.equal(result.event.requestContext.http.method, "GET");
});
