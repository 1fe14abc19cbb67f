// Stratus service worker.
//
// 1. Precaches the built app, so the console loads with the network off after
//    one visit (the list and build id are written by tools/precache.sh).
// 2. Relays requests under `_aws/` and `_api/` to the tab that owns the cloud,
//    which answers them through Cloud::handle (src/host/fastlane.rs), over a
//    fast-lane connection of the worker's own. The message shapes are
//    documented in docs/service-worker.md and docs/fast-lane.md.
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
    event.waitUntil(introduce(event.ports[0], event.data, event.source && event.source.id));
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
async function findOwner(exclude) {
  if (ownerId) {
    const known = await self.clients.get(ownerId);
    if (known) return known;
    ownerId = null;
  }
  const deadline = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    const all = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const windows = all.filter((client) => client.id !== exclude);
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
async function introduce(port, data, pageId) {
  port.postMessage({ type: "connecting" });
  // A page that was told `not-owner` by the tab this worker picked asks again
  // with `fresh`: forget that tab and ask every window (but the page, which
  // would not own the cloud if it asks).
  if (data.fresh) ownerId = null;
  const owner = await findOwner(pageId);
  if (!owner) {
    port.postMessage({ type: "no-owner", message: noOwnerMessage() });
    port.close();
    return;
  }
  port.postMessage({ type: "introduced" });
  owner.postMessage({ type: "stratus:fastlane", connection: String(data.connection || "") }, [port]);
}

// The worker's own fast-lane connection to the owner tab: one MessagePort
// that every relayed request shares, each request with an id
// (docs/fast-lane.md). Made on the first request, and again when the owner
// changes or this worker was restarted.
class Lane {
  constructor(port, connection, owner) {
    this.port = port;
    this.owner = owner;
    this.pending = new Map();
    this.retired = false;
    this.byeSeen = false;
    this.lost = new Set();
    this.closed = false;
    this.watch = new AbortController();
    port.onmessage = (event) => this.receive(event.data || {});
    // The owner holds this lock while its document lives: getting it means
    // the tab went away.
    if (self.navigator.locks) {
      self.navigator.locks
        .request("stratus-fastlane:" + connection, { signal: this.watch.signal }, () => this.gone())
        .catch(() => {});
    }
  }

  // Resolves {data} (the answer), {retry} (not handled: the tab no longer
  // owns the cloud), {gone} (the tab went away before answering), {broken}
  // (its app failed) or {late}. The body is copied, not transferred, so that
  // it can be sent again.
  send(message, body, timeoutMs) {
    if (this.retired) return Promise.resolve({ retry: true });
    return new Promise((resolve) => {
      const id = nextRequestId++;
      const timer = setTimeout(() => this.settle(id, { late: true }), timeoutMs);
      this.pending.set(id, { resolve, timer });
      this.port.postMessage({ ...message, id, body });
    });
  }

  settle(id, value) {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(value);
    this.closeIfDone();
  }

  receive(data) {
    if (data.id === undefined) {
      // The tab stopped owning the cloud: it answers what it accepted and
      // hands the rest back; new requests go to the new owner.
      // When the tab's page goes, `lost` lists the requests it had accepted
      // and will not answer; it handled none of the others.
      if (data.type === "bye") {
        this.byeSeen = true;
        for (const id of data.lost || []) this.lost.add(id);
        this.retire();
      }
      if (data.type === "broken") {
        this.forgetOwner();
        for (const id of [...this.pending.keys()]) this.settle(id, { broken: true });
      }
      return;
    }
    if (data.notOwner) {
      this.forgetOwner();
      this.settle(data.id, { retry: true });
    } else {
      this.settle(data.id, { data });
    }
  }

  async gone() {
    this.forgetOwner();
    // Answers the tab posted just before it went may still be on their way.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const id of [...this.pending.keys()]) {
      // After a `bye`, what the tab did not list as lost it never handled.
      this.settle(id, this.byeSeen && !this.lost.has(id) ? { retry: true } : { gone: true });
    }
  }

  forgetOwner() {
    if (ownerId === this.owner) ownerId = null;
    this.retire();
  }

  retire() {
    if (!this.retired) {
      this.retired = true;
      if (lane === this) lane = null;
    }
    this.closeIfDone();
  }

  closeIfDone() {
    if (!this.retired || this.pending.size > 0 || this.closed) return;
    this.closed = true;
    this.port.postMessage({ type: "close" });
    this.port.close();
    this.watch.abort();
  }
}

let lane = null;
let laneConnecting = null;
let nextRequestId = 1;
// Owner tabs whose app predates the fast lane (after an update, until the
// console is reloaded): they get each request on a MessageChannel of its own
// (`stratus:request`), as before.
const legacyOwners = new Set();

// Hands `owner` a port: a Lane once it says `ready`, else "not-owner" or
// "silent".
async function connectLane(owner) {
  const connection = "sw-" + crypto.randomUUID();
  const channel = new MessageChannel();
  // What follows `ready` before the Lane listens (a `bye`, at worst).
  const early = [];
  const reply = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve("silent"), OWNER_PROBE_MS);
    let replied = false;
    channel.port1.onmessage = (event) => {
      if (replied) return early.push(event.data);
      replied = true;
      clearTimeout(timer);
      resolve((event.data && event.data.type) || "silent");
    };
    owner.postMessage({ type: "stratus:fastlane", connection, worker: true }, [channel.port2]);
  });
  if (reply === "ready") {
    const connected = new Lane(channel.port1, connection, owner.id);
    for (const data of early) connected.receive(data || {});
    return connected;
  }
  channel.port1.onmessage = null;
  channel.port1.close();
  return reply;
}

// How to reach the owner: the Lane, {legacy: client}, or null when no tab
// owns the cloud.
function way() {
  if (lane && !lane.retired) return lane;
  laneConnecting ??= (async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner = await findOwner();
      if (!owner) return null;
      if (legacyOwners.has(owner.id)) return { legacy: owner };
      const result = await connectLane(owner);
      if (result instanceof Lane) {
        lane = result;
        return lane;
      }
      // Silent: an app from before the fast lane, or one that stopped; the
      // old relay finds out which.
      if (result === "silent") return { legacy: owner };
      if (ownerId === owner.id) ownerId = null;
    }
    return null;
  })().finally(() => {
    laneConnecting = null;
  });
  return laneConnecting;
}

async function relay(request, url) {
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const body = hasBody ? await request.arrayBuffer() : null;
  const message = {
    method: request.method,
    path: "/" + url.pathname.slice(SCOPE.pathname.length),
    query: url.search.slice(1),
    headers: [...request.headers],
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    const to = await way();
    if (!to) break;
    let answer;
    if (to instanceof Lane) {
      answer = await to.send(message, body, RELAY_TIMEOUT_MS);
      if (answer.retry) continue;
      if (answer.gone) {
        return json(502, {
          message: "The tab that owned the Stratus cloud went away before answering; the request may or may not have been applied.",
        });
      }
      if (answer.broken) {
        return json(503, { message: "The tab that owns the Stratus cloud stopped answering (its app failed): reload it." });
      }
    } else {
      // Each attempt sends its own copy of the body: a transferred buffer is gone.
      const copy = body ? body.slice(0) : null;
      const legacy = to.legacy;
      answer = await ask(legacy, { type: "stratus:request", ...message, body: copy }, copy ? [copy] : [], RELAY_TIMEOUT_MS, OWNER_PROBE_MS);
      if (answer.silent) {
        // The tab is there but does not own the cloud (any more), or its app
        // is not answering: forget it and look again.
        legacyOwners.delete(legacy.id);
        if (ownerId === legacy.id) ownerId = null;
        continue;
      }
      legacyOwners.add(legacy.id);
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
