// OpenAPI in the console: a person imports an OpenAPI file (YAML) with
// routes to a function, reads the import's warnings, opens the new API,
// calls its invoke URL with fetch(), exports it (YAML and JSON, through
// ExportApi), reads the generated Reference tab and runs its fetch()
// example; a broken document is refused with the place it is wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPage, shot, waitForServiceWorker, pageFetch, eventually, createSampleFunction as createFunction, suite } from "./harness.mjs";
import { sdkBundle } from "./sdk-bundle.mjs";

const env = suite();

const fn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
const shopYaml = `openapi: 3.0.1
info:
  title: shop
  version: "1.0"
  description: Items of the shop
paths:
  /items/{id}:
    get:
      summary: One item
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
        - name: fields
          in: query
          schema: {type: string}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn}/invocations
        payloadFormatVersion: "2.0"
  /items:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: ${fn}
        payloadFormatVersion: "2.0"
    trace:
      responses: {}
x-amazon-apigateway-cors:
  allowOrigins: ["https://example.com"]
`;

// The console on its dashboard, with the echo sample deployed as "echo".
async function consoleWithEcho(t) {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await createFunction(page, "echo", "echo.wasm");
  return page;
}

test("import an OpenAPI file, call it, export it, read its reference", async (t) => {
  const page = await consoleWithEcho(t);

  // From the APIs list to the import page; the file picked fills the text.
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "APIs", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "APIs" }).waitFor();
  await page.getByRole("link", { name: "Import OpenAPI" }).click();
  await page.getByRole("heading", { level: 1, name: "Import OpenAPI" }).waitFor();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "openapi-")), "shop.yaml");
  fs.writeFileSync(file, shopYaml);
  await page.getByLabel("OpenAPI file").setInputFiles(file);
  const text = page.getByLabel("OpenAPI definition (JSON or YAML)");
  await eventually(async () => assert.match(await text.inputValue(), /title: shop/));
  await shot(page, "openapi-import");
  await page.getByRole("button", { name: "Import API" }).click();

  // The TRACE operation is skipped, and said so.
  const result = page.getByRole("region", { name: "Import warnings" });
  await result.getByText(/Imported shop \(\w+\) with 1 warning/).waitFor({ timeout: 20000 });
  await result.getByText("paths./items.trace was ignored: HTTP APIs do not support the TRACE method").waitFor();
  await shot(page, "openapi-import-warnings");
  await result.getByRole("link", { name: "Open shop" }).click();

  // The new API, its routes, and a plain fetch() of its invoke URL.
  await page.getByRole("heading", { level: 1, name: "shop" }).waitFor();
  const apiId = page.url().split("/").pop();
  const routes = page.getByRole("table", { name: "Routes" });
  await routes.getByText("GET /items/{id}").waitFor();
  await routes.getByText("POST /items").waitFor();
  const api = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}`)).text);
  assert.deepEqual(api.corsConfiguration.allowOrigins, ["https://example.com"]);
  assert.equal(api.description, "Items of the shop");
  const direct = await pageFetch(page, `_api/${apiId}/items/7?fields=name`);
  assert.equal(direct.status, 200, direct.text);
  const event = JSON.parse(direct.text);
  assert.equal(event.routeKey, "GET /items/{id}");
  assert.equal(event.pathParameters.id, "7");
  assert.equal(event.queryStringParameters.fields, "name");

  // Export, YAML then JSON: ExportApi's document.
  await page.getByLabel("Export format").selectOption("YAML");
  const [yaml] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export OpenAPI" }).click()]);
  assert.equal(yaml.suggestedFilename(), "shop-openapi.yaml");
  const yamlText = fs.readFileSync(await yaml.path(), "utf8");
  assert.match(yamlText, /^---\nopenapi: 3\.0\.1\n/);
  assert.match(yamlText, /function:echo/);
  await page.getByText("Exported shop-openapi.yaml (OpenAPI 3, ExportApi).").waitFor();
  await page.getByLabel("Export format").selectOption("JSON");
  const [json] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export OpenAPI" }).click()]);
  assert.equal(json.suggestedFilename(), "shop-openapi.json");
  const doc = JSON.parse(fs.readFileSync(await json.path(), "utf8"));
  assert.equal(doc.info.title, "shop");
  assert.equal(doc["x-amazon-apigateway-importexport-version"], "1.0");
  assert.equal(doc.paths["/items/{id}"].get["x-amazon-apigateway-integration"].type, "aws_proxy");
  assert.deepEqual(Object.keys(doc.paths).sort(), ["/items", "/items/{id}"]);

  // The Reference tab: invoke URL, routes, and a fetch() example that runs.
  await page.getByRole("tab", { name: "Reference" }).click();
  const reference = page.getByRole("tabpanel", { name: "Reference" });
  const urls = reference.getByRole("list", { name: "Invoke URLs" });
  await urls.getByText(new RegExp(`_api/${apiId}/$`)).waitFor({ timeout: 20000 });
  const get = reference.getByRole("region", { name: "GET /items/{id}" });
  await get.getByText("Lambda function echo (payload format 2.0)").waitFor();
  await get.getByRole("table", { name: "Parameters of GET /items/{id}" }).getByText("id", { exact: true }).waitFor();
  await reference.getByRole("region", { name: "POST /items" }).waitFor();
  await shot(page, "openapi-reference");
  const example = await get.getByLabel("fetch() example for GET /items/{id}").textContent();
  assert.match(example, /await fetch\(/);
  const [status, body] = await page.evaluate(async (code) => {
    const run = new Function(`return (async () => { ${code}\n return [response.status, body]; })();`);
    return run();
  }, example);
  assert.equal(status, 200, body);
  assert.equal(JSON.parse(body).pathParameters.id, "<id>");
  const post = await reference.getByLabel("fetch() example for POST /items").textContent();
  assert.match(post, /method: "POST"/);
  assert.match(post, /body: JSON\.stringify/);

  // A broken document: refused, saying where, and nothing is created.
  await page.goto(env.server.url + "apis/-/import");
  await page.getByRole("heading", { level: 1, name: "Import OpenAPI" }).waitFor();
  await page.getByLabel("OpenAPI definition (JSON or YAML)").fill(
    "openapi: 3.0.1\ninfo: {title: broken, version: '1'}\npaths:\n  /health:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n",
  );
  await page.getByRole("button", { name: "Import API" }).click();
  await page
    .getByRole("alert")
    .filter({ hasText: "BadRequestException: Invalid OpenAPI definition at paths./health.get.x-amazon-apigateway-integration: unsupported integration type 'mock'" })
    .waitFor();
  await shot(page, "openapi-import-error");
  const list = JSON.parse((await pageFetch(page, "_aws/apigateway/v2/apis")).text);
  assert.deepEqual(list.items.map((a) => a.name), ["shop"]);
  page.assertNoErrors();
});

test("the real @aws-sdk/client-apigatewayv2: ImportApi, ExportApi, ReimportApi and a refused document", async (t) => {
  const page = await consoleWithEcho(t);
  await page.addScriptTag({ content: await sdkBundle() });
  const result = await page.evaluate(async (yaml) => {
    const G = window.StratusSdkTest.apigatewayv2;
    const client = new G.ApiGatewayV2Client({
      endpoint: new URL("_aws/apigateway", document.baseURI).href,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    const imported = await client.send(new G.ImportApiCommand({ Body: yaml, FailOnWarnings: false }));
    const exported = await client.send(new G.ExportApiCommand({ ApiId: imported.ApiId, Specification: "OAS30", OutputType: "YAML" }));
    const text = new TextDecoder().decode(exported.body);
    const reimported = await client.send(new G.ReimportApiCommand({ ApiId: imported.ApiId, Body: yaml.replace("title: shop", "title: shop2") }));
    let refused;
    try {
      await client.send(new G.ImportApiCommand({ Body: "openapi: 3.0.1\ninfo: {title: x}\npaths: {/a: {get: {x-amazon-apigateway-integration: {type: mock}}}}\n" }));
    } catch (e) {
      refused = { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
    }
    let strict;
    try {
      await client.send(new G.ImportApiCommand({ Body: yaml, FailOnWarnings: true }));
    } catch (e) {
      strict = e.name;
    }
    const apis = await client.send(new G.GetApisCommand({}));
    return { imported, text, reimported, refused, strict, names: apis.Items.map((a) => a.Name) };
  }, shopYaml);
  assert.equal(result.imported.Name, "shop");
  assert.deepEqual(result.imported.Warnings, ["paths./items.trace was ignored: HTTP APIs do not support the TRACE method"]);
  assert.deepEqual(result.imported.CorsConfiguration.AllowOrigins, ["https://example.com"]);
  assert.match(result.text, /^---\nopenapi: 3\.0\.1\n/);
  assert.match(result.text, /"\/items\/\{id\}":\n    get:/);
  assert.equal(result.reimported.ApiId, result.imported.ApiId);
  assert.equal(result.reimported.Name, "shop2");
  assert.deepEqual(result.refused, {
    name: "BadRequestException",
    message: "Invalid OpenAPI definition at paths./a.get.x-amazon-apigateway-integration: unsupported integration type 'mock': HTTP APIs support aws_proxy and http_proxy",
    status: 400,
  });
  assert.equal(result.strict, "BadRequestException");
  assert.deepEqual(result.names, ["shop2"]);
  page.assertNoErrors();
});
