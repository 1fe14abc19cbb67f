// The whole account as one file: export, reset, import, and refusal of
// corrupt or newer files, as a person does it from Settings.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { openPage, shot, waitForServiceWorker, dynamo, suite } from "./harness.mjs";

const env = suite();


// Opens the dashboard and waits until it shows these counts of tables and items.
async function expectCounts(page, tables, items) {
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "Dashboard" }).click();
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await page.getByTestId("table-count").filter({ hasText: new RegExp(`^${tables}$`) }).waitFor({ timeout: 10000 });
  await page.getByTestId("item-count").filter({ hasText: new RegExp(`^${items}$`) }).waitFor({ timeout: 10000 });
}

test("export, reset and import the whole account from Settings", async (t) => {
  const { context, page } = await openPage(env.browser, { acceptDownloads: true });
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  const made = await dynamo(page, "CreateTable", {
    TableName: "Books",
    AttributeDefinitions: [{ AttributeName: "isbn", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "isbn", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });
  assert.equal(made.status, 200, made.text);
  for (const [isbn, title] of [["1", "Dune"], ["2", "Emma"], ["3", "Ulysses"]]) {
    const put = await dynamo(page, "PutItem", { TableName: "Books", Item: { isbn: { S: isbn }, title: { S: title }, price: { N: "9.99" } } });
    assert.equal(put.status, 200, put.text);
  }
  await expectCounts(page, 1, 3);

  // Export: a gzip file whose header names the format.
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "Settings" }).click();
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export account" }).click();
  const download = await downloading;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stratus-export-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  assert.match(download.suggestedFilename(), /^stratus-account-.*\.stratus\.gz$/);
  const lines = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8").trim().split("\n");
  const header = JSON.parse(lines[0]);
  assert.equal(header.format, "stratus-export");
  assert.equal(header.version, 1);
  assert.equal(header.entries, lines.length - 1);
  await page.getByText(/Exported \d+ entries/).waitFor();
  await shot(page, "settings-exported");

  // Reset asks first, then empties the account.
  page.once("dialog", (d) => d.accept());
  // Listen before clicking: the reload can finish before a later listener is attached.
  const reloaded = page.waitForEvent("load");
  await page.getByRole("button", { name: "Reset account" }).click();
  await reloaded;
  await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
  await expectCounts(page, 0, 0);

  // A corrupt file is refused and changes nothing.
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "Settings" }).click();
  const corrupt = path.join(dir, "corrupt.stratus.gz");
  fs.writeFileSync(corrupt, fs.readFileSync(file).subarray(0, 40));
  await page.locator('input[type="file"]').setInputFiles(corrupt);
  await page.getByText(/Nothing was changed: /).waitFor();
  // So is one from a newer Stratus.
  const newer = path.join(dir, "newer.stratus.gz");
  fs.writeFileSync(newer, zlib.gzipSync('{"format":"stratus-export","version":7,"entries":0}\n'));
  await page.locator('input[type="file"]').setInputFiles(newer);
  await page.getByText(/newer Stratus/).waitFor();
  await shot(page, "settings-import-refused");

  // Importing the export brings everything back.
  page.once("dialog", (d) => {
    assert.match(d.message(), /1 tables, 3 items/);
    d.accept();
  });
  const imported = page.waitForEvent("load");
  await page.locator('input[type="file"]').setInputFiles(file);
  await imported;
  await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
  await expectCounts(page, 1, 3);
  await waitForServiceWorker(page);
  const got = await dynamo(page, "GetItem", { TableName: "Books", Key: { isbn: { S: "2" } } });
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(JSON.parse(got.text).Item, { isbn: { S: "2" }, title: { S: "Emma" }, price: { N: "9.99" } });
  page.assertNoErrors();
});
