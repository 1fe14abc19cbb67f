// JWT authorizers in the browser. First, the real @aws-sdk/client-apigatewayv2
// creates a JWT authorizer whose issuer is another API of this app. That
// issuer serves /.well-known/openid-configuration and its key set through
// HTTP_PROXY integrations to a third API, whose api-proxy function reads
// them from a DynamoDB table. Node makes the RSA key and signs the tokens;
// the page calls the protected route with fetch(), as a web app would, and
// the tab fetches the issuer's keys before it runs the request. Then an
// issuer that is another host's (here a path of the test server outside the
// app), whose keys the tab fetches with the browser's fetch().
import { test, before, after } from "node:test";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { openPage, shot, waitForServiceWorker, pageFetch, dynamoOk, lambda, repo, launch, serveDist } from "./harness.mjs";
import { sdkBundle } from "./sdk-bundle.mjs";

// The server also serves an identity provider's documents outside the app
// (`/idp/...`), filled in by the test that needs them.
const idp = {};
const env = {};
before(async () => {
  env.browser = await launch();
  env.server = await serveDist({ pages: idp });
});
after(async () => {
  await env.browser?.close();
  await env.server?.close();
});

const b64url = (data) => Buffer.from(data).toString("base64url");

function sign(privateKey, kid, claims) {
  const input = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(crypto.sign("sha256", Buffer.from(input), privateKey))}`;
}

test("a JWT authorizer checks tokens against keys an API of this app serves", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  await page.addScriptTag({ content: await sdkBundle() });

  const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "key-1", alg: "RS256", use: "sig" };

  // The issuer's documents live in a table, served by the api-proxy sample.
  await dynamoOk(page, "CreateTable", {
    TableName: "http-crud-tutorial-items",
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  });
  const role = "arn:aws:iam::000000000000:role/r";
  const code = (name) => fs.readFileSync(path.join(repo, "runtimes", "dist", `${name}.wasm`)).toString("base64");
  const proxyFn = await lambda(page, "POST", "/2015-03-31/functions", {
    FunctionName: "issuer-store", Runtime: "provided.al2023", Role: role, Code: { ZipFile: code("api-proxy") },
    Environment: { Variables: { TABLE_NAME: "http-crud-tutorial-items" } },
  });
  assert.equal(proxyFn.status, 201, proxyFn.text);
  const echoFn = await lambda(page, "POST", "/2015-03-31/functions", { FunctionName: "backend", Runtime: "provided.al2023", Role: role, Code: { ZipFile: code("echo") } });
  assert.equal(echoFn.status, 201, echoFn.text);

  const setup = await page.evaluate(
    async ({ storeArn, backendArn, jwk }) => {
      const G = window.StratusSdkTest.apigatewayv2;
      const client = new G.ApiGatewayV2Client({
        endpoint: new URL("_aws/apigateway", document.baseURI).href,
        region: "us-east-1",
        credentials: { accessKeyId: "x", secretAccessKey: "x" },
      });
      const httpApi = async (name, routes) => {
        const api = await client.send(new G.CreateApiCommand({ Name: name, ProtocolType: "HTTP" }));
        for (const [key, integration] of routes) {
          const i = await client.send(new G.CreateIntegrationCommand({ ApiId: api.ApiId, PayloadFormatVersion: "2.0", ...integration }));
          await client.send(new G.CreateRouteCommand({ ApiId: api.ApiId, RouteKey: key, Target: `integrations/${i.IntegrationId}`, ...(integration.route || {}) }));
        }
        await client.send(new G.CreateStageCommand({ ApiId: api.ApiId, StageName: "$default", AutoDeploy: true }));
        return api;
      };
      const lambdaProxy = (arn) => ({ IntegrationType: "AWS_PROXY", IntegrationUri: arn });
      const store = await httpApi("issuer-store", [["GET /items/{id}", lambdaProxy(storeArn)], ["PUT /items", lambdaProxy(storeArn)]]);
      const httpProxy = (uri) => ({ IntegrationType: "HTTP_PROXY", IntegrationMethod: "GET", IntegrationUri: uri, PayloadFormatVersion: "1.0" });
      const issuerApi = await httpApi("issuer", [
        ["GET /.well-known/openid-configuration", httpProxy(`${store.ApiEndpoint}/items/openid`)],
        ["GET /keys", httpProxy(`${store.ApiEndpoint}/items/jwks`)],
      ]);
      const issuer = issuerApi.ApiEndpoint;
      for (const item of [{ id: "openid", issuer, jwks_uri: `${issuer}/keys` }, { id: "jwks", keys: [jwk] }]) {
        const put = await fetch(`_api/${store.ApiId}/items`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(item) });
        if (put.status !== 200) throw new Error(`PUT ${item.id}: ${put.status} ${await put.text()}`);
      }
      // The protected API.
      const app = await client.send(new G.CreateApiCommand({ Name: "app", ProtocolType: "HTTP" }));
      const authorizer = await client.send(
        new G.CreateAuthorizerCommand({
          ApiId: app.ApiId, Name: "tokens", AuthorizerType: "JWT", IdentitySource: ["$request.header.Authorization"],
          JwtConfiguration: { Issuer: issuer, Audience: ["web-client"] },
        }),
      );
      const i = await client.send(new G.CreateIntegrationCommand({ ApiId: app.ApiId, ...lambdaProxy(backendArn), PayloadFormatVersion: "2.0" }));
      for (const [key, scopes] of [["GET /me", undefined], ["GET /admin", ["admin"]]]) {
        await client.send(
          new G.CreateRouteCommand({
            ApiId: app.ApiId, RouteKey: key, Target: `integrations/${i.IntegrationId}`,
            AuthorizationType: "JWT", AuthorizerId: authorizer.AuthorizerId, AuthorizationScopes: scopes,
          }),
        );
      }
      await client.send(new G.CreateStageCommand({ ApiId: app.ApiId, StageName: "$default", AutoDeploy: true }));
      const got = await client.send(new G.GetAuthorizerCommand({ ApiId: app.ApiId, AuthorizerId: authorizer.AuthorizerId }));
      return { issuer, app: app.ApiId, authorizer: { type: got.AuthorizerType, config: got.JwtConfiguration, source: got.IdentitySource } };
    },
    { storeArn: proxyFn.json.FunctionArn, backendArn: echoFn.json.FunctionArn, jwk },
  );
  assert.deepEqual(setup.authorizer, { type: "JWT", config: { Issuer: setup.issuer, Audience: ["web-client"] }, source: ["$request.header.Authorization"] });

  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: setup.issuer, aud: "web-client", sub: "ada", iat: now - 5, exp: now + 600, "cognito:groups": ["staff"] };
  const call = (route, token) => pageFetch(page, `_api/${setup.app}/${route}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  // A valid token: the function gets its claims as strings.
  const valid = await call("me", sign(privateKey, "key-1", claims));
  assert.equal(valid.status, 200, valid.text);
  const event = JSON.parse(valid.text);
  assert.equal(event.requestContext.authorizer.jwt.claims.sub, "ada");
  assert.equal(event.requestContext.authorizer.jwt.claims.exp, String(now + 600));
  assert.equal(event.requestContext.authorizer.jwt.claims["cognito:groups"], "[staff]");
  assert.equal(event.requestContext.authorizer.jwt.scopes, null);

  // No token, an expired one, another key's signature: 401 with the reason.
  for (const [token, why] of [
    [undefined, "the token is missing"],
    [sign(privateKey, "key-1", { ...claims, exp: now - 60 }), "the token has expired"],
    [sign(crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, "key-1", claims), "invalid signature"],
    [sign(privateKey, "key-1", { ...claims, aud: "someone-else" }), "the token does not have a valid audience"],
  ]) {
    const r = await call("me", token);
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(JSON.parse(r.text), { message: "Unauthorized" });
    assert.match(r.headers["www-authenticate"], new RegExp(`^Bearer scope="" error="invalid_token" error_description=".*${why}`));
  }
  // Scopes: 403 without the route's, 200 with it.
  const noScope = await call("admin", sign(privateKey, "key-1", claims));
  assert.equal(noScope.status, 403, noScope.text);
  assert.deepEqual(JSON.parse(noScope.text), { message: "Forbidden" });
  const admin = await call("admin", sign(privateKey, "key-1", { ...claims, scope: "openid admin" }));
  assert.equal(admin.status, 200, admin.text);
  assert.deepEqual(JSON.parse(admin.text).requestContext.authorizer.jwt.scopes, ["admin"]);

  // What a person sees of it: the APIs list with the three APIs.
  await page.goto(new URL("apis", env.server.url).href);
  await page.getByRole("link", { name: "app", exact: true }).waitFor();
  await shot(page, "jwt-authorizer-apis");
});

test("a JWT authorizer of another host's issuer fetches its keys with the browser's fetch()", async (t) => {
  const { context, page } = await openPage(env.browser);
  t.after(() => context.close().catch(() => {}));
  await page.goto(env.server.url);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  await waitForServiceWorker(page);
  const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const issuer = new URL("/idp", env.server.url).href;
  idp["/idp/.well-known/openid-configuration"] = JSON.stringify({ issuer, jwks_uri: `${issuer}/keys.json` });
  idp["/idp/keys.json"] = JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "idp-1", alg: "RS256", use: "sig" }] });

  const code = fs.readFileSync(path.join(repo, "runtimes", "dist", "echo.wasm")).toString("base64");
  const fn = await lambda(page, "POST", "/2015-03-31/functions", { FunctionName: "idp-backend", Runtime: "provided.al2023", Role: "arn:aws:iam::000000000000:role/r", Code: { ZipFile: code } });
  assert.equal(fn.status, 201, fn.text);
  const mgmt = async (method, p, body) => {
    const r = await pageFetch(page, `_aws/apigateway/v2${p}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${r.text}`);
    return JSON.parse(r.text);
  };
  const api = await mgmt("POST", "/apis", { name: "idp-app", protocolType: "HTTP" });
  const authorizer = await mgmt("POST", `/apis/${api.apiId}/authorizers`, {
    name: "idp", authorizerType: "JWT", identitySource: ["$request.header.Authorization"], jwtConfiguration: { issuer, audience: ["web"] },
  });
  const integration = await mgmt("POST", `/apis/${api.apiId}/integrations`, { integrationType: "AWS_PROXY", integrationUri: fn.json.FunctionArn, payloadFormatVersion: "2.0" });
  await mgmt("POST", `/apis/${api.apiId}/routes`, {
    routeKey: "GET /me", target: `integrations/${integration.integrationId}`, authorizationType: "JWT", authorizerId: authorizer.authorizerId,
  });
  await mgmt("POST", `/apis/${api.apiId}/stages`, { stageName: "$default", autoDeploy: true });

  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, aud: "web", sub: "grace", exp: now + 600 };
  const call = (token) => pageFetch(page, `_api/${api.apiId}/me`, { headers: { authorization: token } });
  const ok = await call(sign(privateKey, "idp-1", claims));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(JSON.parse(ok.text).requestContext.authorizer.jwt.claims.sub, "grace");
  const forged = await call(sign(crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, "idp-1", claims));
  assert.equal(forged.status, 401, forged.text);
  assert.match(forged.headers["www-authenticate"], /invalid signature/);
  // The provider loses its key set: a token with a new kid cannot be checked.
  delete idp["/idp/keys.json"];
  const lost = await call(sign(privateKey, "idp-2", claims));
  assert.equal(lost.status, 401, lost.text);
  assert.match(lost.headers["www-authenticate"], /keys could not be fetched: .*keys\.json: HTTP 404/);
});
