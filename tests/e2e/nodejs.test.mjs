// JavaScript functions in the browser: a page creates an AWS-tutorial-style
// nodejs22.x handler through fetch('_aws/lambda/...') (so through the
// service worker), the tab loads the QuickJS runtime on first use, and the
// handler reads and writes DynamoDB with the SDK-shaped modules. A syntax
// error is refused at create time; a thrown error comes back in Lambda's shape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, waitForServiceWorker, pageFetch, dynamoOk, zipOf, suite } from "./harness.mjs";

const env = suite();

const ROLE = "arn:aws:iam::000000000000:role/lambda-role";

async function lambda(page, method, path, body, headers = {}) {
  const r = await pageFetch(page, "_aws/lambda/" + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try {
    json = JSON.parse(r.text);
  } catch {}
  return { ...r, json };
}

test("a JavaScript handler with DynamoDB, through fetch()", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await dynamoOk(page, "CreateTable", {
    TableName: "Notes", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  });
  const source = `
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event, context) => {
  console.log("saving", event.id);
  await doc.send(new PutCommand({ TableName: "Notes", Item: { id: event.id, text: event.text } }));
  const { Item } = await doc.send(new GetCommand({ TableName: "Notes", Key: { id: event.id } }));
  return { item: Item, requestId: context.awsRequestId };
};`;
  const code = (files) => ({ ZipFile: zipOf(files).toString("base64") });
  const created = await lambda(page, "POST", "2015-03-31/functions", {
    FunctionName: "notes", Runtime: "nodejs22.x", Role: ROLE, Handler: "index.handler", Code: code({ "index.mjs": source }),
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.Runtime, "nodejs22.x");

  const invoked = await lambda(page, "POST", "2015-03-31/functions/notes/invocations", { id: "n1", text: "hello" }, { "X-Amz-Log-Type": "Tail" });
  assert.equal(invoked.status, 200, invoked.text);
  assert.deepEqual(invoked.json.item, { id: "n1", text: "hello" });
  const log = Buffer.from(invoked.headers["x-amz-log-result"], "base64").toString("utf8");
  assert.match(log, /\tINFO\tsaving n1/);
  assert.match(log, /Init Duration: [\d.]+ ms/);
  const item = await dynamoOk(page, "GetItem", { TableName: "Notes", Key: { id: { S: "n1" } } });
  assert.deepEqual(item.Item.text, { S: "hello" });

  // Warm: no init.
  const again = await lambda(page, "POST", "2015-03-31/functions/notes/invocations", { id: "n2", text: "again" }, { "X-Amz-Log-Type": "Tail" });
  assert.doesNotMatch(Buffer.from(again.headers["x-amz-log-result"], "base64").toString("utf8"), /Init Duration/);

  // A syntax error is refused at create time, with its line.
  const broken = await lambda(page, "POST", "2015-03-31/functions", {
    FunctionName: "broken", Runtime: "nodejs22.x", Role: ROLE, Handler: "index.handler",
    Code: code({ "index.mjs": "export const handler = async () => {\n  return 1 +;\n};" }),
  });
  assert.equal(broken.status, 400);
  assert.match(broken.json.Message, /^Runtime\.UserCodeSyntaxError/);

  // A thrown error: Lambda's error shape and X-Amz-Function-Error.
  await lambda(page, "POST", "2015-03-31/functions", {
    FunctionName: "thrower", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler",
    Code: code({ "index.js": "exports.handler = async () => { throw new RangeError('out of range'); };" }),
  });
  const failed = await lambda(page, "POST", "2015-03-31/functions/thrower/invocations", {});
  assert.equal(failed.headers["x-amz-function-error"], "Unhandled");
  assert.equal(failed.json.errorType, "RangeError");
  assert.equal(failed.json.errorMessage, "out of range");

  // Runaway recursion, plain or through a builtin's callback, is QuickJS's
  // RangeError (as in Node), not a trap of the module that would end the
  // environment: the next invocation is warm. Ordinary depths still work.
  await lambda(page, "POST", "2015-03-31/functions", {
    FunctionName: "deep", Runtime: "nodejs22.x", Role: ROLE, Handler: "index.handler",
    Code: code({
      "index.mjs": `export const handler = async (event) => {
  const plain = (n) => (n >= event.depth ? n : plain(n + 1) + 0);
  const viaMap = (n) => (n >= event.depth ? n : [0].map(() => viaMap(n + 1))[0]);
  return event.map ? viaMap(0) : plain(0);
};`,
    }),
  });
  const deep = (event) => lambda(page, "POST", "2015-03-31/functions/deep/invocations", event, { "X-Amz-Log-Type": "Tail" });
  assert.equal((await deep({ depth: 1000 })).json, 1000);
  assert.equal((await deep({ depth: 300, map: true })).json, 300);
  for (const event of [{ depth: 100000 }, { depth: 100000, map: true }]) {
    const overflow = await deep(event);
    assert.equal(overflow.headers["x-amz-function-error"], "Unhandled");
    assert.equal(overflow.json.errorType, "RangeError", JSON.stringify(event) + overflow.text);
    assert.equal(overflow.json.errorMessage, "Maximum call stack size exceeded");
    const next = await deep({ depth: 10 });
    assert.equal(next.json, 10);
    assert.doesNotMatch(Buffer.from(next.headers["x-amz-log-result"], "base64").toString("utf8"), /Init Duration/, "still warm");
  }
  page.assertNoErrors?.();
});
