// Stratus service worker.
//
// 1. Precaches the built app, so the console loads with the network off after
//    one visit (the list and build id are written by tools/precache.sh).
// 2. Relays requests under `_aws/` and `_api/` to the tab that owns the cloud,
//    which answers them through Cloud::handle (src/host/bridge.rs). The message
//    shapes are documented in docs/service-worker.md.
// 3. Introduces pages that use the fast lane (stratus-client.js) to that tab:
//    it hands the page's MessagePort over once, and is not on the path of the
//    requests that follow (docs/fast-lane.md).
// 4. Answers `_stratus/ping` with a constant, from memory: the floor of what
//    any fetch() answered by a service worker costs (docs/benchmarks-browser.md).
"use strict";

const BUILD = "__STRATUS_BUILD__";
const PRECACHE = __STRATUS_PRECACHE__;
const CACHE = "stratus-app-" + BUILD;
const SCOPE = new URL(self.registration.scope);
const CLOUD_PREFIXES = ["_aws/", "_api/"].map((p) => new URL(p, SCOPE).pathname);
const PING = new URL("_stratus/ping", SCOPE).pathname;
// How long a relayed request may take before the worker gives up (a function
// invocation can be slow; the engine enforces its own timeouts first).
const RELAY_TIMEOUT_MS = 15 * 60 * 1000;
// How long a tab has to say whether it owns the cloud.
const OWNER_PROBE_MS = 1500;
// How long a request waits for a tab that is taking the cloud over (or
// loading it) to become the owner.
const STARTING_WAIT_MS = 15000;

let ownerId = null;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((path) => new Request(new URL(path, SCOPE), { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("stratus-app-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "stratus:owner" && event.source) {
    ownerId = event.source.id;
  } else if (event.data && event.data.type === "stratus:fastlane-connect" && event.ports[0]) {
    event.waitUntil(introduce(event.ports[0], event.data));
  }
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== SCOPE.origin) return;
  if (CLOUD_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) {
    event.respondWith(relay(event.request, url));
    return;
  }
  if (url.pathname === PING) {
    event.respondWith(new Response("pong", { headers: { "content-type": "text/plain", "cache-control": "no-store" } }));
    return;
  }
  if (event.request.method !== "GET") return;
  if (event.request.mode === "navigate") {
    // Every console route is the same single-page app.
    event.respondWith(fromCache(new URL("index.html", SCOPE).href, event.request));
    return;
  }
  event.respondWith(fromCache(event.request, event.request));
});

async function fromCache(key, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  return hit || fetch(request);
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

// Posts `message` to `client` with a fresh MessageChannel. Resolves with
// `{ data }` when the client answers, `{ silent: true }` when it neither answered
// nor acknowledged in time, `{ late: true }` when it acknowledged and then did
// not answer within `timeoutMs`. With `ackMs`, the client must acknowledge
// (`{accepted: true}`) within `ackMs`: a tab whose app has stopped never does,
// and is not waited on for long.
function ask(client, message, transfer, timeoutMs, ackMs) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const finish = (value) => {
      clearTimeout(timer);
      channel.port1.close();
      resolve(value);
    };
    let timer = setTimeout(() => finish({ silent: true }), ackMs || timeoutMs);
    channel.port1.onmessage = (event) => {
      if (event.data && event.data.notOwner === true) {
        finish({ silent: true });
        return;
      }
      if (event.data && event.data.accepted === true) {
        clearTimeout(timer);
        timer = setTimeout(() => finish({ late: true }), timeoutMs);
        return;
      }
      finish({ data: event.data });
    };
    client.postMessage(message, [channel.port2, ...transfer]);
  });
}

// The window that owns the cloud: the last one that said so, or the first
// that answers yes when asked (this worker may have been restarted since).
// While no tab owns it but one is becoming the owner (a take-over, or
// loading), waits for that tab, up to STARTING_WAIT_MS.
async function findOwner() {
  if (ownerId) {
    const known = await self.clients.get(ownerId);
    if (known) return known;
    ownerId = null;
  }
  const deadline = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    // The first window that says it owns the cloud ends the search; windows
    // that do not run the app never answer, and are waited for only when no
    // window says yes.
    const found = await new Promise((resolve) => {
      let left = windows.length;
      let starting = false;
      if (left === 0) resolve({ client: null, starting });
      for (const client of windows) {
        ask(client, { type: "stratus:who-owns" }, [], OWNER_PROBE_MS).then((answer) => {
          const data = answer.data || {};
          if (data.owner) resolve({ client, starting });
          starting = starting || Boolean(data.starting);
          if (--left === 0) resolve({ client: null, starting });
        });
      }
    });
    if (found.client) {
      ownerId = found.client.id;
      return found.client;
    }
    if (!found.starting || Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function noOwnerMessage() {
  return (
    "No tab owns the Stratus cloud. Open the Stratus console at " +
    SCOPE.href +
    " and keep it open: requests to _aws/ and _api/ are answered by that tab."
  );
}

// The fast lane: a page sent one end of a MessageChannel; hand it to the tab
// that owns the cloud, which then answers on it directly. The page hears
// `connecting` at once (this worker knows the fast lane), then `introduced`
// (the port went to a tab, which should say `ready`) or `no-owner`.
async function introduce(port, data) {
  port.postMessage({ type: "connecting" });
  // A page that was told `not-owner` by the tab this worker picked asks again
  // with `fresh`: forget that tab and ask every window.
  if (data.fresh) ownerId = null;
  const owner = await findOwner();
  if (!owner) {
    port.postMessage({ type: "no-owner", message: noOwnerMessage() });
    port.close();
    return;
  }
  port.postMessage({ type: "introduced" });
  owner.postMessage({ type: "stratus:fastlane", connection: String(data.connection || "") }, [port]);
}

async function relay(request, url) {
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const body = hasBody ? await request.arrayBuffer() : null;
  const message = {
    type: "stratus:request",
    method: request.method,
    path: "/" + url.pathname.slice(SCOPE.pathname.length),
    query: url.search.slice(1),
    headers: [...request.headers],
    body: null,
  };
  // Try the known owner first; if it does not acknowledge, look for another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const owner = await findOwner();
    if (!owner) break;
    // Each attempt sends its own copy of the body: a transferred buffer is gone.
    message.body = body ? body.slice(0) : null;
    const answer = await ask(owner, message, message.body ? [message.body] : [], RELAY_TIMEOUT_MS, OWNER_PROBE_MS);
    if (answer.silent) {
      // The tab is there but does not own the cloud (any more), or its app
      // is not answering: forget it and look again.
      if (ownerId === owner.id) ownerId = null;
      continue;
    }
    if (answer.late) {
      return json(504, { message: "The tab that owns the Stratus cloud did not answer in time." });
    }
    const { status, headers, body: answerBody } = answer.data;
    const nullBody = [101, 204, 205, 304].includes(status) || request.method === "HEAD";
    return new Response(nullBody ? null : answerBody, { status, headers });
  }
  return json(503, { message: noOwnerMessage() });
}
