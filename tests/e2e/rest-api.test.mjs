// A REST API built in the console as a person would: two JavaScript
// functions made with the Lambda API (an items handler and a TOKEN
// authorizer), then the wizard's REST path, the resource tree (/items and
// /items/{id}), a Lambda proxy method that requires an API key, a MOCK
// method with a required query string parameter, a method behind the Lambda authorizer, a deployment to prod with
// throttling, an API key in a usage plan; the invoke URL answers the page's
// fetch() (403 without the key, 200 with it, the mock's template, 401 and
// 403 from the authorizer), the built-in client calls it with x-api-key, the
// Monitor charts show the calls; an integration is edited and redeployed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, pageFetch, eventually, lambda, zipOf, suite } from "./harness.mjs";

const env = suite();
const ROLE = "arn:aws:iam::000000000000:role/lambda-role";

async function createJsFunction(page, name, source) {
  const r = await lambda(page, "POST", "/2015-03-31/functions", {
    FunctionName: name,
    Runtime: "nodejs22.x",
    Role: ROLE,
    Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": source }).toString("base64") },
  });
  assert.equal(r.status, 201, r.text);
}

const ITEMS = `
export const handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    id: event.pathParameters ? event.pathParameters.id : null,
    resource: event.resource,
    method: event.httpMethod,
    stage: event.requestContext.stage,
    principal: event.requestContext.authorizer ? event.requestContext.authorizer.principalId : null,
  }),
});`;

const AUTH = `
export const handler = async (event) => ({
  principalId: "user-1",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: event.authorizationToken === "allow" ? "Allow" : "Deny", Resource: event.methodArn }],
  },
});`;

test("a REST API in the console: resources, methods, key, authorizer, deploy, call", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await createJsFunction(page, "items", ITEMS);
  await createJsFunction(page, "auth", AUTH);

  // The wizard's REST path leads to the API's page.
  await page.goto(env.server.url + "apis/-/create");
  await page.getByRole("heading", { level: 1, name: "Create API" }).waitFor();
  await page.getByLabel("REST API (resources and methods, deployed to stages; API keys)").check();
  await page.getByLabel("API name").fill("shop-api");
  await page.getByLabel("Description (optional)").fill("Items for sale");
  await page.getByRole("button", { name: "Create API" }).click();
  await page.getByRole("heading", { level: 1, name: "shop-api" }).waitFor({ timeout: 20000 });
  const apiId = page.url().split("/").pop();
  await page.getByText(/No stages yet/).waitFor();

  // Resources: /items under the root, {id} under /items.
  const resources = page.getByRole("tabpanel", { name: "Resources" });
  const tree = resources.getByRole("navigation", { name: "Resource tree" });
  await tree.getByRole("button", { name: "Resource /", exact: true }).waitFor();
  await resources.getByLabel("Child resource path part").fill("items");
  await resources.getByRole("button", { name: "Create resource" }).click();
  await resources.getByText("Created the resource /items under /.").waitFor();
  await resources.getByRole("heading", { name: "/items", exact: true }).waitFor();
  await resources.getByLabel("Child resource path part").fill("{id}");
  await resources.getByRole("button", { name: "Create resource" }).click();
  await resources.getByText("Created the resource /items/{id} under /items.").waitFor();

  // GET /items/{id}: Lambda proxy to items, API key required.
  const create = resources.getByRole("form", { name: "Create a method on /items/{id}" });
  await create.getByLabel("HTTP method").selectOption("GET");
  await create.getByLabel("API key required").check();
  await create.getByRole("radio", { name: /Lambda proxy/ }).check();
  await eventually(async () => assert.ok((await create.getByLabel("Lambda function").locator("option").count()) > 2));
  await create.getByLabel("Lambda function").selectOption({ label: "items" });
  await create.getByRole("button", { name: "Create method" }).click();
  await resources.getByText("Created the method GET /items/{id} (Lambda proxy → items).").waitFor();
  const methods = resources.getByRole("table", { name: "Methods of /items/{id}" });
  await methods.getByText("Lambda proxy → items").waitFor();
  assert.equal(await methods.getByLabel("API key required for GET /items/{id}").isChecked(), true);

  // A refusal shows inline: a second variable path part at one level.
  await resources.getByLabel("Child resource path part").fill("{other}");
  await tree.getByRole("button", { name: "Resource /items", exact: true }).click();
  await resources.getByRole("heading", { name: "/items", exact: true }).waitFor();
  await resources.getByLabel("Child resource path part").fill("{other}");
  await resources.getByRole("button", { name: "Create resource" }).click();
  await resources.getByRole("alert").filter({ hasText: "BadRequestException: A sibling ({id}) of this resource already has a variable path part" }).waitFor();

  // GET /items: a MOCK with a template.
  const onItems = resources.getByRole("form", { name: "Create a method on /items" });
  await onItems.getByLabel("HTTP method").selectOption("GET");
  await onItems.getByLabel("Required query string parameters (comma-separated)").fill("page");
  await onItems.getByRole("radio", { name: /Mock/ }).check();
  await onItems.getByLabel("Status code").fill("200");
  await onItems.getByLabel("Response body (application/json mapping template)").fill('{"items": [], "stage": "$context.stage"}');
  await onItems.getByRole("button", { name: "Create method" }).click();
  await resources.getByText("Created the method GET /items (Mock → 200).").waitFor();
  await resources.getByRole("table", { name: "Methods of /items" }).getByText("querystring page").waitFor();
  await shot(page, "rest-resources");

  // Authorizers: a TOKEN authorizer on the Authorization header.
  await page.getByRole("tab", { name: "Authorizers" }).click();
  const authPanel = page.getByRole("tabpanel", { name: "Authorizers" });
  await authPanel.getByLabel("Authorizer name").fill("token-check");
  await authPanel.getByLabel("Type").selectOption("TOKEN");
  await eventually(async () => assert.ok((await authPanel.getByLabel("Authorizer function").locator("option").count()) > 2));
  await authPanel.getByLabel("Authorizer function").selectOption({ label: "auth" });
  assert.equal(await authPanel.getByLabel("Identity source").inputValue(), "method.request.header.Authorization");
  await authPanel.getByLabel("Cache TTL (seconds)").fill("0");
  await authPanel.getByRole("button", { name: "Create authorizer" }).click();
  await authPanel.getByText(/Created the authorizer token-check/).waitFor();
  await authPanel.getByRole("table", { name: "Authorizers" }).getByText("token-check").waitFor();
  await shot(page, "rest-authorizers");

  // POST /items behind the authorizer.
  await page.getByRole("tab", { name: "Resources" }).click();
  await tree.getByRole("button", { name: "Resource /items", exact: true }).click();
  const post = resources.getByRole("form", { name: "Create a method on /items" });
  await post.getByLabel("HTTP method").selectOption("POST");
  await post.getByLabel("Authorization").selectOption({ label: "Lambda authorizer token-check (TOKEN)" });
  await post.getByRole("radio", { name: /Lambda proxy/ }).check();
  await post.getByLabel("Lambda function").selectOption({ label: "items" });
  await post.getByRole("button", { name: "Create method" }).click();
  await resources.getByText("Created the method POST /items (Lambda proxy → items).").waitFor();
  await resources.getByRole("table", { name: "Methods of /items" }).getByText("Lambda authorizer token-check (TOKEN)").waitFor();

  // The management API agrees.
  const listed = JSON.parse((await pageFetch(page, `_aws/apigateway/restapis/${apiId}/resources?embed=methods`)).text).item;
  const byPath = Object.fromEntries(listed.map((r) => [r.path, r]));
  assert.deepEqual(Object.keys(byPath).sort(), ["/", "/items", "/items/{id}"]);
  const getId = byPath["/items/{id}"].resourceMethods.GET;
  assert.equal(getId.apiKeyRequired, true);
  assert.equal(getId.methodIntegration.type, "AWS_PROXY");
  assert.match(getId.methodIntegration.uri, /^arn:aws:apigateway:us-east-1:lambda:path\/2015-03-31\/functions\/arn:aws:lambda:us-east-1:\d+:function:items\/invocations$/);
  const mockMethod = byPath["/items"].resourceMethods.GET;
  assert.equal(mockMethod.methodIntegration.type, "MOCK");
  assert.deepEqual(mockMethod.requestParameters, { "method.request.querystring.page": true });
  const validators = JSON.parse((await pageFetch(page, `_aws/apigateway/restapis/${apiId}/requestvalidators`)).text).item;
  assert.equal(validators.find((v) => v.id === mockMethod.requestValidatorId).validateRequestParameters, true);
  assert.equal(byPath["/items"].resourceMethods.POST.authorizationType, "CUSTOM");

  // Stages: deploy to a new stage prod, then throttle it.
  await page.getByRole("tab", { name: "Stages" }).click();
  const stages = page.getByRole("tabpanel", { name: "Stages" });
  await stages.getByLabel("Stage to deploy to").selectOption("");
  await stages.getByLabel("New stage name").fill("prod");
  await stages.getByLabel("Deployment description").fill("first");
  await stages.getByRole("button", { name: "Deploy" }).click();
  await stages.getByText(/Deployed \w+ to the stage prod\./).waitFor();
  const invoke = stages.getByTestId("invoke-url");
  await invoke.waitFor();
  assert.match(await invoke.textContent(), new RegExp(`/stratus/_api/${apiId}/prod/$`));
  const prod = stages.getByRole("form", { name: "Stage prod" });
  await prod.getByLabel("Rate limit (requests per second)").fill("100");
  await prod.getByLabel("Burst limit (requests)").fill("50");
  await prod.getByRole("button", { name: "Save stage" }).click();
  await stages.getByText("Saved the stage prod.").waitFor();
  const stage = JSON.parse((await pageFetch(page, `_aws/apigateway/restapis/${apiId}/stages/prod`)).text);
  assert.equal(stage.methodSettings["*/*"].throttlingRateLimit, 100);
  assert.equal(stage.methodSettings["*/*"].throttlingBurstLimit, 50);
  await shot(page, "rest-stages");

  // The invoke URL from the page: no key, the mock, the authorizer.
  const noKey = await pageFetch(page, `_api/${apiId}/prod/items/42`);
  assert.equal(noKey.status, 403, noKey.text);
  assert.deepEqual(JSON.parse(noKey.text), { message: "Forbidden" });
  const mock = await pageFetch(page, `_api/${apiId}/prod/items?page=1`);
  assert.equal(mock.status, 200, mock.text);
  assert.deepEqual(JSON.parse(mock.text), { items: [], stage: "prod" });
  const noPage = await pageFetch(page, `_api/${apiId}/prod/items`);
  assert.equal(noPage.status, 400, noPage.text);
  assert.deepEqual(JSON.parse(noPage.text), { message: "Missing required request parameters: [page]" });
  const anonymous = await pageFetch(page, `_api/${apiId}/prod/items`, { method: "POST", body: "{}" });
  assert.equal(anonymous.status, 401, anonymous.text);
  assert.deepEqual(JSON.parse(anonymous.text), { message: "Unauthorized" });
  const denied = await pageFetch(page, `_api/${apiId}/prod/items`, { method: "POST", body: "{}", headers: { authorization: "deny" } });
  assert.equal(denied.status, 403, denied.text);
  const allowed = await pageFetch(page, `_api/${apiId}/prod/items`, { method: "POST", body: "{}", headers: { authorization: "allow" } });
  assert.equal(allowed.status, 200, allowed.text);
  assert.equal(JSON.parse(allowed.text).principal, "user-1");

  // API keys: a key, a usage plan on prod with throttle and quota, the key in it.
  await page.getByRole("tab", { name: "API keys" }).click();
  const keys = page.getByRole("tabpanel", { name: "API keys" });
  await keys.getByLabel("Key name").fill("alice");
  await keys.getByRole("button", { name: "Create API key" }).click();
  await keys.getByText(/Created the API key alice \(\w+\)\. Send it as the x-api-key header: \w{20,}/).waitFor();
  const value = (await keys.getByTestId("api-key-value").textContent()).trim();
  assert.match(value, /^\w{20,}$/);
  await keys.getByLabel("Plan name").fill("basic");
  await keys.getByLabel("Stage of this API").selectOption("prod");
  await keys.getByLabel("Rate (requests per second)").fill("10");
  await keys.getByLabel("Burst (requests)").fill("20");
  await keys.getByLabel("Quota (requests)").fill("1000");
  await keys.getByLabel("Quota period").selectOption("DAY");
  await keys.getByRole("button", { name: "Create usage plan" }).click();
  await keys.getByText(/Created the usage plan basic \(\w+\) for the stage prod\./).waitFor();
  const plan = keys.getByRole("group", { name: "Usage plan basic" });
  await plan.getByText("10 requests a second, burst 20").waitFor();
  await plan.getByText("1000 requests a day").waitFor();
  await plan.getByLabel("API key to add to basic").selectOption({ label: "alice" });
  await plan.getByRole("button", { name: "Add key to plan" }).click();
  await keys.getByText("Added the API key alice to the usage plan.").waitFor();
  await plan.getByRole("table", { name: "Keys of basic" }).getByText("alice").waitFor();
  const plans = JSON.parse((await pageFetch(page, "_aws/apigateway/usageplans")).text).item;
  assert.deepEqual(plans[0].apiStages, [{ apiId, stage: "prod" }]);
  assert.deepEqual(plans[0].throttle, { burstLimit: 20, rateLimit: 10 });
  assert.deepEqual(plans[0].quota, { limit: 1000, offset: 0, period: "DAY" });

  // With the key: 200 from the function; a wrong key: 403.
  const withKey = await pageFetch(page, `_api/${apiId}/prod/items/42`, { headers: { "x-api-key": value } });
  assert.equal(withKey.status, 200, withKey.text);
  assert.deepEqual(JSON.parse(withKey.text), { id: "42", resource: "/items/{id}", method: "GET", stage: "prod", principal: null });
  const wrongKey = await pageFetch(page, `_api/${apiId}/prod/items/42`, { headers: { "x-api-key": "not-a-key-0123456789abcdef" } });
  assert.equal(wrongKey.status, 403, wrongKey.text);
  // The plan counts the call.
  await page.getByRole("tab", { name: "Stages" }).click();
  await page.getByRole("tab", { name: "API keys" }).click();
  await keys.getByRole("group", { name: "Usage plan basic" }).getByText("1 used, 999 left").waitFor();
  await shot(page, "rest-keys");

  // Test: the built-in client on prod, with the x-api-key header.
  await page.getByRole("tab", { name: "Test" }).click();
  const client = page.getByRole("tabpanel", { name: "Test" });
  await eventually(async () => assert.equal(await client.getByLabel("Stage").inputValue(), "prod"));
  await client.getByLabel("Method").selectOption("GET");
  await client.getByLabel("Path").fill("/items/7");
  await eventually(async () => assert.equal(await client.getByLabel("Header 1 name").inputValue(), "x-api-key"));
  await client.getByLabel("Header 1 value").fill(value);
  assert.match(await client.getByTestId("test-url").textContent(), new RegExp(`/_api/${apiId}/prod/items/7$`));
  await client.getByRole("button", { name: "Send" }).click();
  await client.getByTestId("response-status").filter({ hasText: "200" }).waitFor({ timeout: 20000 });
  const body = JSON.parse(await client.getByTestId("response-body").textContent());
  assert.equal(body.id, "7");
  assert.equal(body.resource, "/items/{id}");
  await client.getByTestId("cold-start").waitFor({ timeout: 15000 });
  assert.match(await client.getByTestId("timing").textContent(), /Integration \(function duration\)[\d.]+ ms — items/);
  await shot(page, "rest-test");

  // Monitor: the calls and the refusals, by ApiName.
  await page.getByRole("tab", { name: "Monitor" }).click();
  const charts = page.getByTestId("api-charts");
  await charts.getByRole("img", { name: /Requests: Count latest [\d.]+, peak [1-9]/ }).waitFor({ timeout: 20000 });
  await charts.getByRole("img", { name: /Errors: 4XXError latest [\d.]+, peak [1-9]/ }).waitFor({ timeout: 20000 });
  await shot(page, "rest-monitor");

  // Edit the mock's integration, redeploy to prod: the stage serves it.
  await page.getByRole("tab", { name: "Resources" }).click();
  await tree.getByRole("button", { name: "Resource /items", exact: true }).click();
  await resources.getByRole("button", { name: "Edit integration of GET /items" }).click();
  const edit = resources.getByRole("form", { name: "Integration of GET /items" });
  await edit.getByLabel("Status code").fill("202");
  await edit.getByLabel("Response body (application/json mapping template)").fill('{"accepted": true}');
  await edit.getByRole("button", { name: "Save integration" }).click();
  await resources.getByText("Saved the integration of GET /items.").waitFor();
  await resources.getByRole("table", { name: "Methods of /items" }).getByText("Mock → 202").waitFor();
  const before = await pageFetch(page, `_api/${apiId}/prod/items?page=1`);
  assert.equal(before.status, 200, "the stage serves its deployment until the next one");
  await page.getByRole("tab", { name: "Stages" }).click();
  await stages.getByLabel("Stage to deploy to").selectOption("prod");
  await stages.getByLabel("Deployment description").fill("mock 202");
  await stages.getByRole("button", { name: "Deploy" }).click();
  await stages.getByText(/Deployed \w+ to the stage prod\./).waitFor();
  await stages.getByRole("table", { name: "Deployments" }).getByText("mock 202").waitFor();
  const after = await pageFetch(page, `_api/${apiId}/prod/items?page=1`);
  assert.equal(after.status, 202, after.text);
  assert.deepEqual(JSON.parse(after.text), { accepted: true });

  // Delete a method and a resource.
  await page.getByRole("tab", { name: "Resources" }).click();
  await tree.getByRole("button", { name: "Resource /items", exact: true }).click();
  page.once("dialog", (d) => d.accept());
  await resources.getByRole("button", { name: "Delete method POST /items" }).click();
  await resources.getByText("Deleted the method POST /items.").waitFor();
  await tree.getByRole("button", { name: "Resource /items/{id}", exact: true }).click();
  page.once("dialog", (d) => d.accept());
  await resources.getByRole("button", { name: "Delete resource /items/{id}" }).click();
  await resources.getByText("Deleted the resource /items/{id}.").waitFor();
  assert.equal(await tree.getByRole("button", { name: "Resource /items/{id}", exact: true }).count(), 0);
  page.assertNoErrors();
});
