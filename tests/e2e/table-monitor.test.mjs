// The Monitor tab of a table's page: a person starts the load generator on a
// 1 WCU provisioned table, watches the write chart and the throttle chart,
// and reads a cost estimate whose price table they can edit. The figures on
// screen are checked against CloudWatch (fetch('_aws/monitoring/')).
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, dynamoOk, cloudwatch, eventually, suite } from "./harness.mjs";

const env = suite();

async function metricSum(page, name) {
  const now = Date.now() / 1000;
  const r = await cloudwatch(page, "GetMetricStatistics", {
    Namespace: "AWS/DynamoDB",
    MetricName: name,
    Dimensions: [{ Name: "TableName", Value: "Slow" }],
    StartTime: Math.floor(now - 3600),
    EndTime: Math.ceil(now + 60),
    Period: 3600,
    Statistics: ["Sum"],
  });
  assert.equal(r.status, 200, r.text);
  return r.json.Datapoints.reduce((a, d) => a + d.Sum, 0);
}

test("watch a burst use up capacity and get throttled, then estimate its cost", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await dynamoOk(page, "CreateTable", {
    TableName: "Slow",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
  });

  await page.goto(env.server.url + "tables/Slow");
  await page.getByRole("heading", { level: 1, name: "Slow" }).waitFor();
  await page.getByRole("tab", { name: "Monitor" }).click();
  const charts = page.getByTestId("capacity-charts");
  await charts.getByRole("img", { name: /Write capacity/ }).waitFor();
  await shot(page, "table-monitor-idle");

  // A burst: 1 WCU banks 300 units, so 120 writes a second runs dry in a few seconds.
  await page.getByLabel("Writes per second").fill("120");
  await page.getByLabel("Duration (seconds)").fill("4");
  await page.getByRole("button", { name: "Start load" }).click();
  const progress = page.getByTestId("load-progress");
  await progress.filter({ hasText: "Done:" }).waitFor({ timeout: 30000 });
  const [, served, throttled] = (await progress.textContent()).match(/(\d+) requests served, (\d+) throttled/).map(Number);
  assert.ok(served >= 300 && throttled > 0, `served ${served}, throttled ${throttled}`);

  // The charts show it (their accessible summaries carry the latest and peak values) ...
  await charts.getByRole("img", { name: /Write capacity: Consumed latest [\d.]+, peak [1-9]/ }).waitFor();
  await charts.getByRole("img", { name: /Throttled requests: .*Write throttle events latest [\d.]+, peak [1-9]/ }).waitFor();
  await shot(page, "table-monitor-throttled");
  // ... and CloudWatch counts exactly what the load generator saw.
  assert.equal(await metricSum(page, "ConsumedWriteCapacityUnits"), served);
  assert.equal(await metricSum(page, "WriteThrottleEvents"), throttled);

  // The cost estimate adds up the same traffic.
  const estimate = page.getByRole("region", { name: "Cost estimate" });
  await eventually(async () => assert.equal(await estimate.getByTestId("cost-write-units").textContent(), String(served)), 15000);
  const expected = `$${((served / 1e6) * 0.625).toFixed(6)}`;
  assert.equal(await estimate.getByTestId("cost-on-demand").textContent(), expected);
  // Editing the price table changes the estimate (and is kept for next time).
  await estimate.getByText("Price table (US dollars)").click();
  await estimate.getByLabel("On-demand, per million write request units").fill("1000");
  await estimate.getByLabel("On-demand, per million write request units").press("Tab");
  await estimate.getByTestId("cost-on-demand").filter({ hasText: `$${((served / 1e6) * 1000).toFixed(2)}` }).waitFor();
  await shot(page, "table-monitor-cost");
  await page.reload();
  await page.getByRole("tab", { name: "Monitor" }).click();
  await page.getByRole("region", { name: "Cost estimate" }).getByText("Price table (US dollars)").click();
  assert.equal(await page.getByLabel("On-demand, per million write request units").inputValue(), "1000");
});
