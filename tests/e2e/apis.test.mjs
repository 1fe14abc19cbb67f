// The APIs console: a person deploys a function with the Lambda API, builds
// an HTTP API in the wizard with a route to it, calls it from the Test tab,
// checks it with the management API and a plain fetch() of the invoke URL,
// watches the Monitor charts, exports OpenAPI and deletes the API.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { openPage, shot, waitForServiceWorker, pageFetch, eventually, createSampleFunction as createFunction, suite } from "./harness.mjs";

const env = suite();

test("create an HTTP API with the wizard, test it, watch it, export it, delete it", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await createFunction(page, "echo", "echo.wasm");

  // The list, empty.
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "APIs", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "APIs" }).waitFor();
  await page.getByRole("heading", { name: "No APIs yet" }).waitFor();
  await shot(page, "apis-empty");

  // The wizard: a name and one route, GET /items/{id} to the echo function.
  await page.getByRole("link", { name: "Create API" }).first().click();
  await page.getByRole("heading", { level: 1, name: "Create API" }).waitFor();
  await page.getByLabel("API name").fill("items-api");
  await page.getByLabel("Route 1 method").selectOption("GET");
  await page.getByLabel("Route 1 path").fill("/items/{id}");
  await eventually(async () => assert.ok((await page.getByLabel("Route 1 function").locator("option").count()) > 1));
  await page.getByLabel("Route 1 function").selectOption({ label: "echo" });
  await page.getByLabel("Enable CORS").check();
  await page.getByLabel("Allowed origins (comma-separated)").fill("https://example.com");
  await shot(page, "apis-create");
  await page.getByRole("button", { name: "Create API" }).click();

  // The API's page.
  await page.getByRole("heading", { level: 1, name: "items-api" }).waitFor({ timeout: 20000 });
  const apiId = page.url().split("/").pop();
  const routes = page.getByRole("table", { name: "Routes" });
  await routes.getByText("GET /items/{id}").waitFor();
  await shot(page, "apis-routes");

  // The management API agrees.
  const list = JSON.parse((await pageFetch(page, "_aws/apigateway/v2/apis")).text);
  const api = list.items.find((a) => a.apiId === apiId);
  assert.ok(api, JSON.stringify(list));
  assert.equal(api.name, "items-api");
  assert.deepEqual(api.corsConfiguration.allowOrigins, ["https://example.com"]);
  const r2 = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}/routes`)).text);
  assert.deepEqual(r2.items.map((r) => r.routeKey), ["GET /items/{id}"]);
  const st = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}/stages`)).text);
  assert.equal(st.items[0].stageName, "$default");
  assert.equal(st.items[0].autoDeploy, true);

  // Add a second route from the Routes tab, then delete it.
  await page.getByLabel("New route method").selectOption("POST");
  await page.getByLabel("New route path").fill("/items");
  await page.getByLabel("New route function").selectOption({ label: "echo" });
  await page.getByRole("button", { name: "Add route" }).click();
  await routes.getByText("POST /items").waitFor();
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete route POST /items" }).click();
  await page.getByText("Deleted the route POST /items.").waitFor();
  assert.equal(await routes.getByText("POST /items").count(), 0);

  // Stages: the invoke URL, throttling edited.
  await page.getByRole("tab", { name: "Stages" }).click();
  const invoke = page.getByTestId("invoke-url");
  await invoke.waitFor();
  assert.match(await invoke.textContent(), new RegExp(`_api/${apiId}/$`));
  await page.getByLabel("Rate limit (requests per second)").fill("50");
  await page.getByLabel("Burst limit (requests)").fill("20");
  await page.getByRole("button", { name: "Save stage" }).click();
  await page.getByText("Saved the stage $default.").waitFor();
  const st2 = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}/stages`)).text);
  assert.equal(st2.items[0].defaultRouteSettings.throttlingRateLimit, 50);
  assert.equal(st2.items[0].defaultRouteSettings.throttlingBurstLimit, 20);
  await shot(page, "apis-stages");

  // Test: GET /items/42?color=blue with a header.
  await page.getByRole("tab", { name: "Test" }).click();
  const panel = page.getByRole("tabpanel", { name: "Test" });
  await panel.getByLabel("Path").fill("/items/42");
  await panel.getByLabel("Query string").fill("color=blue");
  await panel.getByLabel("Header 1 name").fill("x-demo");
  await panel.getByLabel("Header 1 value").fill("yes");
  await panel.getByRole("button", { name: "Send" }).click();
  await page.getByTestId("response-status").filter({ hasText: "200" }).waitFor({ timeout: 20000 });
  const body = JSON.parse(await page.getByTestId("response-body").textContent());
  assert.equal(body.routeKey, "GET /items/{id}");
  assert.equal(body.pathParameters.id, "42");
  assert.equal(body.queryStringParameters.color, "blue");
  assert.equal(body.headers["x-demo"], "yes");
  await page.getByTestId("cold-start").waitFor({ timeout: 15000 });
  assert.match(await page.getByTestId("timing").textContent(), /Integration \(function duration\)[\d.]+ ms/);
  await shot(page, "apis-test");

  // A plain fetch() of the invoke URL from the page.
  const direct = await pageFetch(page, `_api/${apiId}/items/7`);
  assert.equal(direct.status, 200, direct.text);
  assert.ok(direct.headers["apigw-requestid"]);
  assert.equal(JSON.parse(direct.text).pathParameters.id, "7");
  const missing = await pageFetch(page, `_api/${apiId}/nothing-here`);
  assert.equal(missing.status, 404);

  // Monitor: the requests show in the charts.
  await page.getByRole("tab", { name: "Monitor" }).click();
  const charts = page.getByTestId("api-charts");
  await charts.getByRole("img", { name: /Requests: Count latest [\d.]+, peak [1-9]/ }).waitFor({ timeout: 20000 });
  await charts.getByRole("img", { name: /Errors: 4xx latest [\d.]+, peak [1-9]/ }).waitFor({ timeout: 20000 });
  await shot(page, "apis-monitor");

  // Export OpenAPI.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export OpenAPI" }).click()]);
  assert.equal(download.suggestedFilename(), "items-api-openapi.json");
  const doc = JSON.parse(fs.readFileSync(await download.path(), "utf8"));
  assert.equal(doc.openapi, "3.0.1");
  assert.equal(doc.info.title, "items-api");
  const op = doc.paths["/items/{id}"].get;
  assert.equal(op["x-amazon-apigateway-integration"].type, "aws_proxy");
  assert.match(op["x-amazon-apigateway-integration"].uri, /function:echo$/);
  assert.equal(op.parameters[0].name, "id");

  // The list shows it; then delete it.
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "APIs", exact: true }).click();
  await page.getByRole("table", { name: "APIs" }).getByRole("link", { name: "items-api" }).waitFor();
  await shot(page, "apis-list");
  await page.getByRole("table", { name: "APIs" }).getByRole("link", { name: "items-api" }).click();
  await page.getByRole("heading", { level: 1, name: "items-api" }).waitFor();
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete API" }).click();
  await page.getByRole("heading", { name: "No APIs yet" }).waitFor();
  const gone = await pageFetch(page, `_api/${apiId}/items/7`);
  assert.equal(gone.status, 404);
  page.assertNoErrors();
});

test("the wizard shows API Gateway's refusal and removes the unfinished API; a REST API; changing a route's function", async (t) => {
  // In the dark theme (the system's), so its screenshots show that one.
  const { context, page } = await openPage(env.browser, { colorScheme: "dark" });
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url + "apis/-/create");
  await page.getByRole("heading", { level: 1, name: "Create API" }).waitFor();
  await waitForServiceWorker(page);
  await createFunction(page, "one", "echo.wasm");
  await createFunction(page, "two", "noop.wasm");
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "Create API" }).waitFor();

  // A greedy parameter must end the path: the engine refuses, as AWS words it.
  await page.getByLabel("API name").fill("bad");
  await page.getByLabel("Route 1 path").fill("/{proxy+}/x");
  await eventually(async () => assert.ok((await page.getByLabel("Route 1 function").locator("option").count()) > 2));
  await page.getByRole("button", { name: "Create API" }).click();
  await page.getByRole("alert").filter({ hasText: "BadRequestException: Invalid route key" }).waitFor();
  await page.getByText(/Deleted the unfinished API/).waitFor();
  await shot(page, "apis-create-error");
  const list = JSON.parse((await pageFetch(page, "_aws/apigateway/v2/apis")).text);
  assert.equal(list.items.length, 0);

  // Two routes, the second a $default route to the other function.
  await page.getByLabel("API name").fill("two-routes");
  await page.getByLabel("Route 1 path").fill("/hello");
  await page.getByLabel("Route 1 function").selectOption({ label: "one" });
  await page.getByRole("button", { name: "Add route" }).click();
  await page.getByLabel("Route 2 method").selectOption("$default");
  await page.getByLabel("Route 2 function").selectOption({ label: "two" });
  await page.getByRole("button", { name: "Create API" }).click();
  await page.getByRole("heading", { level: 1, name: "two-routes" }).waitFor({ timeout: 20000 });
  const apiId = page.url().split("/").pop();
  const routes = page.getByRole("table", { name: "Routes" });
  await routes.getByText("$default").waitFor();
  // Point GET /hello at "two".
  await page.getByLabel("Function of GET /hello").selectOption({ label: "two" });
  await page.getByText("GET /hello now calls two.").waitFor();
  const ints = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}/integrations`)).text).items;
  const rs = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}/routes`)).text).items;
  const hello = rs.find((r) => r.routeKey === "GET /hello");
  const target = ints.find((i) => `integrations/${i.integrationId}` === hello.target);
  assert.match(target.integrationUri, /function:two$/);
  await shot(page, "apis-routes-two");

  // A REST API: name only.
  await page.goto(env.server.url + "apis/-/create");
  await page.getByLabel("REST API (resources and methods, deployed to stages; API keys)").check();
  await page.getByLabel("API name").fill("legacy");
  await page.getByRole("button", { name: "Create API" }).click();
  await page.getByRole("heading", { level: 1, name: "legacy" }).waitFor({ timeout: 20000 });
  await page.getByText("REST API", { exact: true }).waitFor();
  await page.getByText(/No stages yet/).waitFor();
  await shot(page, "apis-rest");
  await page.goto(env.server.url + "apis");
  const table = page.getByRole("table", { name: "APIs" });
  await table.getByRole("link", { name: "legacy" }).waitFor();
  await table.getByRole("link", { name: "two-routes" }).waitFor();
  await page.getByLabel("Search APIs by name or id").fill("leg");
  await page.getByText("1 of 2 APIs").waitFor();
  await shot(page, "apis-list-search");
  page.assertNoErrors();
});
