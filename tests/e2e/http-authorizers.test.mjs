// An HTTP API's Authorizers tab: a person makes a Lambda REQUEST authorizer
// (a JavaScript function with a simple response) and a JWT authorizer from
// the console, puts each in front of a route, and sees the invoke URL answer
// 401, 403 and 200 as API Gateway does; an authorizer a route uses cannot be
// deleted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, pageFetch, eventually, createSampleFunction, lambda, zipOf, suite } from "./harness.mjs";

const env = suite();

const GATE = `export const handler = async (event) => ({
  isAuthorized: event.headers?.authorization === "let-me-in",
  context: { who: "tester", route: event.routeKey },
});`;

test("create REQUEST and JWT authorizers in the console and guard a route with each", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await createSampleFunction(page, "echo", "echo.wasm");
  const created = await lambda(page, "POST", "/2015-03-31/functions", {
    FunctionName: "gate",
    Runtime: "nodejs22.x",
    Role: "arn:aws:iam::000000000000:role/lambda-role",
    Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": GATE }).toString("base64") },
  });
  assert.equal(created.status, 201, created.text);

  // An API with one route, from the wizard.
  await page.goto(env.server.url + "apis/-/create");
  await page.getByRole("heading", { level: 1, name: "Create API" }).waitFor();
  await page.getByLabel("API name").fill("guarded");
  await page.getByLabel("Route 1 method").selectOption("GET");
  await page.getByLabel("Route 1 path").fill("/secret");
  await eventually(async () => assert.ok((await page.getByLabel("Route 1 function").locator("option").count()) > 1));
  await page.getByLabel("Route 1 function").selectOption({ label: "echo" });
  await page.getByRole("button", { name: "Create API" }).click();
  await page.getByRole("heading", { level: 1, name: "guarded" }).waitFor({ timeout: 20000 });
  const apiId = page.url().split("/").pop();
  assert.equal((await pageFetch(page, `_api/${apiId}/secret`)).status, 200);

  // The tab, empty.
  await page.getByRole("tab", { name: "Authorizers" }).click();
  const panel = page.getByRole("tabpanel", { name: "Authorizers" });
  await panel.getByText("No authorizers yet: every route is open.").waitFor();

  // A Lambda REQUEST authorizer with simple responses, no cache.
  const form = panel.getByRole("form", { name: "Create an authorizer" });
  await form.getByLabel("Authorizer name").fill("gate-auth");
  await form.getByLabel("Type").selectOption("REQUEST");
  await eventually(async () => assert.ok((await form.getByLabel("Authorizer function").locator("option").count()) > 1));
  await form.getByLabel("Authorizer function").selectOption({ label: "gate" });
  await form.getByLabel("Cache TTL (seconds)").fill("0");
  assert.equal(await form.getByLabel(/Simple responses/).isChecked(), true);
  await form.getByRole("button", { name: "Create authorizer" }).click();
  await panel.getByText(/Created the authorizer gate-auth/).waitFor();
  const table = panel.getByRole("table", { name: "Authorizers" });
  await table.getByRole("row", { name: /gate-auth/ }).getByText("function gate, payload 2.0, simple responses").waitFor();

  // A JWT authorizer.
  await form.getByLabel("Authorizer name").fill("jwt-auth");
  await form.getByLabel("Type").selectOption("JWT");
  await form.getByRole("button", { name: "Create authorizer" }).click();
  await panel.getByText("A JWT authorizer needs the issuer URL (the iss claim its tokens carry).").waitFor();
  await form.getByLabel("Issuer URL").fill("https://issuer.example.com");
  await form.getByLabel("Audience (comma-separated)").fill("my-app, other-app");
  await form.getByRole("button", { name: "Create authorizer" }).click();
  await panel.getByText(/Created the authorizer jwt-auth/).waitFor();
  await table.getByRole("row", { name: /jwt-auth/ }).getByText("issuer https://issuer.example.com, audience my-app, other-app").waitFor();
  const listed = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}/authorizers`)).text).items;
  const gate = listed.find((a) => a.name === "gate-auth");
  const jwt = listed.find((a) => a.name === "jwt-auth");
  assert.equal(gate.authorizerType, "REQUEST");
  assert.deepEqual(gate.identitySource, ["$request.header.Authorization"]);
  assert.equal(gate.authorizerResultTtlInSeconds, 0);
  assert.match(gate.authorizerUri, /function:gate\/invocations$/);
  assert.deepEqual(jwt.jwtConfiguration, { issuer: "https://issuer.example.com", audience: ["my-app", "other-app"] });

  // The route behind the Lambda authorizer.
  const routes = panel.getByRole("table", { name: "Route authorization" });
  assert.equal(await routes.getByLabel("Scopes of GET /secret").isDisabled(), true);
  await routes.getByLabel("Authorizer of GET /secret").selectOption({ label: "gate-auth (REQUEST)" });
  await routes.getByRole("button", { name: "Save authorization of GET /secret" }).click();
  await panel.getByText(/GET \/secret is guarded by gate-auth \(REQUEST\)/).waitFor();
  await shot(page, "apis-authorizers");
  const route = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}/routes`)).text).items[0];
  assert.equal(route.authorizationType, "CUSTOM");
  assert.equal(route.authorizerId, gate.authorizerId);

  // The invoke URL: no identity source 401, refused 403, allowed 200 with
  // the authorizer's context in the event.
  const none = await pageFetch(page, `_api/${apiId}/secret`);
  assert.equal(none.status, 401, none.text);
  assert.deepEqual(JSON.parse(none.text), { message: "Unauthorized" });
  const refused = await pageFetch(page, `_api/${apiId}/secret`, { headers: { authorization: "nope" } });
  assert.equal(refused.status, 403, refused.text);
  assert.deepEqual(JSON.parse(refused.text), { message: "Forbidden" });
  const allowed = await pageFetch(page, `_api/${apiId}/secret`, { headers: { authorization: "let-me-in" } });
  assert.equal(allowed.status, 200, allowed.text);
  assert.deepEqual(JSON.parse(allowed.text).requestContext.authorizer.lambda, { who: "tester", route: "GET /secret" });

  // Then behind the JWT authorizer, with a scope: a request without a token is 401.
  await routes.getByLabel("Authorizer of GET /secret").selectOption({ label: "jwt-auth (JWT)" });
  await routes.getByLabel("Scopes of GET /secret").fill("items/read");
  await routes.getByRole("button", { name: "Save authorization of GET /secret" }).click();
  await panel.getByText(/GET \/secret is guarded by jwt-auth \(JWT\)/).waitFor();
  const jwtRoute = JSON.parse((await pageFetch(page, `_aws/apigateway/v2/apis/${apiId}/routes`)).text).items[0];
  assert.equal(jwtRoute.authorizationType, "JWT");
  assert.deepEqual(jwtRoute.authorizationScopes, ["items/read"]);
  const noToken = await pageFetch(page, `_api/${apiId}/secret`);
  assert.equal(noToken.status, 401, noToken.text);

  // The one in use cannot be deleted; the other can.
  page.once("dialog", (d) => d.accept());
  await table.getByRole("button", { name: "Delete authorizer jwt-auth" }).click();
  await panel.getByRole("alert").filter({ hasText: "the route 'GET /secret' uses it" }).waitFor();
  page.once("dialog", (d) => d.accept());
  await table.getByRole("button", { name: "Delete authorizer gate-auth" }).click();
  await panel.getByText("Deleted the authorizer gate-auth.").waitFor();
  await eventually(async () => assert.equal(await table.getByRole("row", { name: /gate-auth/ }).count(), 0));

  // Open again.
  await routes.getByLabel("Authorizer of GET /secret").selectOption({ label: "None (open)" });
  await routes.getByRole("button", { name: "Save authorization of GET /secret" }).click();
  await panel.getByText(/GET \/secret is open \(no authorizer\)/).waitFor();
  await eventually(async () => assert.equal((await pageFetch(page, `_api/${apiId}/secret`)).status, 200));
  page.assertNoErrors();
});
