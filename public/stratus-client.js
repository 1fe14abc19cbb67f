// Stratus fast lane: reach the cloud from any page of this origin without the
// network stack or the service worker.
//
//   import { fastFetch, awsRequestHandler } from "<app base>/stratus-client.js";
//   const r = await fastFetch("_api/<apiId>/items");          // a real Response
//   const db = new DynamoDBClient({ endpoint: new URL("_aws/dynamodb", base).href,
//     region: "us-east-1", credentials, requestHandler: awsRequestHandler() });
//
// How: the service worker hands one end of a MessageChannel to the tab that
// owns the cloud, once; afterwards every request and answer goes over that
// port, tab to tab (answers' bodies transferred). The protocol, the failure rules and
// why the worker is the introducer are in docs/fast-lane.md.
//
// Requests that are not for the cloud (other URLs) go to plain fetch().

const BASE = new URL(".", import.meta.url); // the app's base: https://host/stratus/
const CLOUD_PREFIXES = ["_aws/", "_api/"];
const NULL_BODY_STATUS = [101, 103, 204, 205, 304];
// How long the service worker has to say it knows the fast lane.
const WORKER_ACK_MS = 3000;
// How long a search for the owner may take (the worker waits up to 15 s for a
// tab that is taking the cloud over or loading it).
const CONNECT_MS = 20000;
// How long the tab the worker picked has to take the port.
const OWNER_ACK_MS = 3000;
// After the owner tab went away, how long its last answers may still arrive.
const GONE_GRACE_MS = 50;
// How long a request waits for a tab to own the cloud when none does (the
// console being reloaded takes about a second to say it is starting).
const NO_OWNER_WAIT_MS = 3000;

const encoder = new TextEncoder();

// The error fetch() rejects with when it cannot reach a server: a TypeError.
// `cause` says why in words; the AWS SDK treats these as network errors.
function networkError(why) {
  return new TypeError("Failed to fetch", { cause: new Error("Stratus fast lane: " + why) });
}

function abortError(signal) {
  const reason = signal && signal.reason;
  if (reason !== undefined) return reason;
  return new DOMException("The operation was aborted.", "AbortError");
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function newConnectionId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
}

// One connection to the owner tab: a MessagePort, the requests sent on it
// and not answered yet (by id), and whether it still takes new requests.
class Lane {
  constructor(port, connection) {
    this.port = port;
    this.connection = connection;
    this.pending = new Map();
    this.retired = false;
    this.byeSeen = false;
    this.lost = new Set();
    this.watch = new AbortController();
    port.onmessage = (event) => this.receive(event.data);
    // The owner holds the lock `stratus-fastlane:<connection>` while its
    // document lives: when we get it, the owner is gone.
    if (globalThis.navigator && navigator.locks) {
      navigator.locks
        .request("stratus-fastlane:" + connection, { signal: this.watch.signal }, () => this.gone())
        .catch(() => {});
    }
  }

  // Resolves to the answer, or to {retry: true} when the request was not
  // handled and should go to the next owner. The body is copied, not
  // transferred, so that it can be sent again.
  send(message, body) {
    // Retired while the caller waited: send it on the next connection.
    if (this.retired) return Promise.resolve({ retry: true });
    return new Promise((resolve, reject) => {
      const id = nextId++;
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ ...message, id, body });
    });
  }

  receive(data) {
    if (!data) return;
    if (data.id === undefined) {
      // The owner stopped owning the cloud: what it accepted, it answers;
      // the rest comes back `notOwner`. New requests go to the new owner.
      // When the owner's page goes, `lost` lists the requests it had
      // accepted and will not answer; it handled none of the others.
      if (data.type === "bye") {
        this.byeSeen = true;
        for (const id of data.lost || []) this.lost.add(id);
        this.retire();
      }
      // Its app failed: no answer is coming for what is pending.
      if (data.type === "broken") {
        this.retire();
        for (const entry of this.pending.values()) {
          entry.reject(networkError("the app in the tab that owns the Stratus cloud failed; reload that tab"));
        }
        this.pending.clear();
        this.closeIfDone();
      }
      return;
    }
    const entry = this.pending.get(data.id);
    if (!entry) return;
    this.pending.delete(data.id);
    if (data.notOwner) {
      this.retire();
      entry.resolve({ retry: true });
    } else {
      entry.resolve(data);
    }
    this.closeIfDone();
  }

  // The owner's document went away: answers it posted just before may still
  // be on their way; after that, what is pending has no answer coming.
  async gone() {
    this.retire();
    await sleep(GONE_GRACE_MS);
    for (const [id, entry] of this.pending) {
      // After a `bye`, what the owner did not list as lost it never handled.
      if (this.byeSeen && !this.lost.has(id)) entry.resolve({ retry: true });
      else entry.reject(networkError("the tab that owned the Stratus cloud went away before answering; the request may or may not have been applied"));
    }
    this.pending.clear();
    this.closeIfDone();
  }

  retire() {
    if (this.retired) return;
    this.retired = true;
    if (current && current.lane === this) current = null;
    this.closeIfDone();
  }

  closeIfDone() {
    if (!this.retired || this.pending.size > 0 || this.closed) return;
    this.closed = true;
    try {
      this.port.postMessage({ type: "close" });
    } catch {}
    this.port.close();
    this.watch.abort();
  }
}

let nextId = 1;
// The connection in use: { lane } once connected, { connecting: Promise }
// while connecting, or null.
let current = null;

function laneNow() {
  if (current && current.lane) {
    if (!current.lane.retired) return current.lane;
    current = null;
  }
  if (!current) {
    const attempt = { connecting: null };
    attempt.connecting = connect().then(
      (lane) => {
        // (Retired already, if the owner said `bye` right after `ready`.)
        if (current === attempt) current = lane.retired ? null : { lane };
        return lane;
      },
      (error) => {
        if (current === attempt) current = null;
        throw error;
      },
    );
    current = attempt;
  }
  return current.connecting;
}

async function worker() {
  if (!globalThis.navigator || !navigator.serviceWorker) {
    throw networkError("this page has no service worker API (not a secure context?), so it cannot find the tab that owns the cloud");
  }
  const registration = await navigator.serviceWorker.getRegistration(BASE.href);
  if (!registration) {
    throw networkError(`no Stratus service worker is registered for ${BASE.href}: open the Stratus console there once, and keep it open`);
  }
  if (registration.active) return registration.active;
  // Installing: wait until it is active.
  const deadline = Date.now() + CONNECT_MS;
  while (!registration.active && Date.now() < deadline) await sleep(50);
  if (!registration.active) throw networkError("the Stratus service worker did not become active");
  return registration.active;
}

// Asks the service worker to hand a new port to the owner tab; resolves to a
// Lane once the owner says `ready`.
async function connect() {
  const sw = await worker();
  const deadline = Date.now() + NO_OWNER_WAIT_MS;
  for (let attempt = 0; attempt < 3; attempt++) {
    const connection = newConnectionId();
    const channel = new MessageChannel();
    // What the owner says right after `ready`, before the Lane listens.
    const early = [];
    const outcome = await new Promise((resolve) => {
      let timer = setTimeout(() => resolve({ type: "silent-worker" }), WORKER_ACK_MS);
      let settled = false;
      channel.port1.onmessage = (event) => {
        const data = event.data || {};
        if (settled) return early.push(data);
        clearTimeout(timer);
        if (data.type === "connecting") {
          timer = setTimeout(() => resolve({ type: "no-owner", message: "no tab answered as the owner of the Stratus cloud in time" }), CONNECT_MS);
        } else if (data.type === "introduced") {
          timer = setTimeout(() => resolve({ type: "silent-owner" }), OWNER_ACK_MS);
        } else {
          settled = true;
          resolve(data);
        }
      };
      sw.postMessage({ type: "stratus:fastlane-connect", connection, fresh: attempt > 0 }, [channel.port2]);
    });
    if (outcome.type === "ready") {
      const lane = new Lane(channel.port1, connection);
      for (const data of early) lane.receive(data);
      return lane;
    }
    channel.port1.onmessage = null;
    channel.port1.close();
    if (outcome.type === "no-owner") {
      if (Date.now() >= deadline) throw networkError(outcome.message || "no tab owns the Stratus cloud");
      // Perhaps the owner is reloading: ask again shortly.
      await sleep(200);
      attempt--;
      continue;
    }
    if (outcome.type === "silent-worker") {
      throw networkError("the service worker did not answer: it may be an older Stratus build without the fast lane; reload the console");
    }
    // not-owner or silent-owner: the worker's idea of the owner was stale; ask again.
  }
  throw networkError(`no tab owns the Stratus cloud: open the Stratus console at ${BASE.href} and keep it open`);
}

// Sends one request {method, path, query, headers: [[name, value]...]} with
// `body` (an ArrayBuffer this module owns, or null) to the owner tab; resolves
// to {status, headers: [[name, value]...], body: ArrayBuffer}.
async function exchange(message, body, signal) {
  // In the tab that owns the cloud itself, call it in-process.
  const inPage = globalThis.wasmBindings && globalThis.wasmBindings.stratus_handle;
  if (inPage) {
    try {
      return await inPage({ ...message, body });
    } catch (e) {
      if (!/does not own/.test(String(e))) throw e;
    }
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    if (signal && signal.aborted) throw abortError(signal);
    const lane = await laneNow();
    const sent = lane.send(message, body);
    const answer = signal ? await raceAbort(sent, signal) : await sent;
    // Not handled by a tab that no longer owns the cloud: to the next one.
    if (!answer.retry) return answer;
  }
  throw networkError("the cloud kept changing tabs; try again");
}

function raceAbort(promise, signal) {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

// The Stratus path (`/_aws/...`, `/_api/...`, relative to the app's base) of
// a URL of this origin, or null when it is not the cloud's.
function cloudPath(url) {
  if (url.origin !== BASE.origin || !url.pathname.startsWith(BASE.pathname)) return null;
  const rest = url.pathname.slice(BASE.pathname.length);
  if (!CLOUD_PREFIXES.some((p) => rest.startsWith(p))) return null;
  return "/" + rest;
}

// A body as an ArrayBuffer of this module's own (never the caller's, which
// could change before a request is sent again).
function ownBytes(body) {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") return encoder.encode(body).buffer;
  if (body instanceof ArrayBuffer) return body.slice(0);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice().buffer;
  return undefined; // anything else: let a Request read it
}

function headerPairs(headers) {
  const pairs = [];
  headers.forEach((value, name) => pairs.push([name, value]));
  return pairs;
}

function toResponse(answer, method, url) {
  const status = answer.status;
  if (!(status >= 200 && status <= 599)) throw networkError(`the cloud answered status ${status}`);
  const nullBody = NULL_BODY_STATUS.includes(status) || method === "HEAD";
  const response = new Response(nullBody ? null : answer.body, { status, headers: answer.headers });
  Object.defineProperty(response, "url", { value: url });
  return response;
}

/**
 * fetch(), for the cloud's URLs without the service worker: `_aws/...` and
 * `_api/...` under the app's base (relative URLs resolve against the page, as
 * fetch does). Any other URL goes to fetch() itself. Resolves to a Response;
 * rejects with a TypeError when the cloud cannot be reached (`cause` says
 * why), and honours `init.signal`.
 */
export async function fastFetch(input, init = {}) {
  const simple = typeof input === "string" || input instanceof URL;
  const url = new URL(simple ? String(input) : input.url, globalThis.document ? document.baseURI : location.href);
  const path = cloudPath(url);
  if (path === null) return fetch(input, init);
  let method, headers, body;
  let bytes = simple ? ownBytes(init.body) : undefined;
  if (bytes !== undefined) {
    // The common case, without building a Request.
    method = (init.method || "GET").toUpperCase();
    if (bytes && (method === "GET" || method === "HEAD")) throw new TypeError("Request with GET/HEAD method cannot have body.");
    headers = new Headers(init.headers);
    if (typeof init.body === "string" && !headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
    body = bytes;
  } else {
    // Anything else fetch() accepts (a Request, FormData, a Blob, a stream...).
    const request = new Request(input, init);
    method = request.method.toUpperCase();
    headers = new Headers(request.headers);
    body = method === "GET" || method === "HEAD" ? null : await request.arrayBuffer();
  }
  // What the browser adds to a fetch() (and the worker sees): Accept and
  // User-Agent, unless the caller set them. (Client hints, sec-ch-ua*, are not.)
  if (!headers.has("accept")) headers.set("accept", "*/*");
  if (!headers.has("user-agent") && globalThis.navigator) headers.set("user-agent", navigator.userAgent);
  const signal = init.signal || (simple ? undefined : input.signal);
  if (signal && signal.aborted) throw abortError(signal);
  const answer = await exchange({ method, path, query: url.search.slice(1), headers: headerPairs(headers) }, body, signal);
  return toResponse(answer, method, url.href);
}

// Query strings exactly as the SDK's own fetch handler builds them.
function escapeUri(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function queryString(query) {
  const parts = [];
  for (const name of Object.keys(query || {}).sort()) {
    const value = query[name];
    const key = escapeUri(name);
    if (Array.isArray(value)) {
      for (const v of value) parts.push(`${key}=${escapeUri(v)}`);
    } else {
      parts.push(value || typeof value === "string" ? `${key}=${escapeUri(value)}` : key);
    }
  }
  return parts.join("&");
}

// An AWS host name as the cloud's path: `dynamodb.<region>.amazonaws.com` ->
// `/_aws/dynamodb`, `<apiId>.execute-api.<region>.amazonaws.com` ->
// `/_api/<apiId>`; null for other hosts.
function awsHostPath(hostname) {
  if (!hostname.endsWith(".amazonaws.com")) return null;
  const labels = hostname.split(".");
  if (labels[1] === "execute-api") return "/_api/" + labels[0];
  if (labels[0] === "streams" && labels[1] === "dynamodb") return "/_aws/dynamodb";
  return "/_aws/" + labels[0];
}

function timeoutError(ms) {
  const error = new Error(`Request did not complete within ${ms} ms`);
  error.name = "TimeoutError";
  return error;
}

/**
 * A request handler for every AWS SDK for JavaScript v3 client
 * (`requestHandler: awsRequestHandler()`). Set the client's `endpoint` to the
 * app's `_aws/<service>` URL, as for fetch(); a client left on AWS's own
 * endpoints (`<service>.<region>.amazonaws.com`, and
 * `<apiId>.execute-api.<region>.amazonaws.com`) is sent to the cloud too.
 * Other endpoints go to fetch(). Answers what the SDK's FetchHttpHandler
 * answers: {response: {statusCode, reason, headers, body: ReadableStream}}.
 * Option: `requestTimeout` in ms (none by default).
 */
export function awsRequestHandler(options = {}) {
  const config = { ...options };
  return {
    metadata: { handlerProtocol: "h1" },
    async handle(request, { abortSignal, requestTimeout } = {}) {
      if (abortSignal && abortSignal.aborted) throw abortError(abortSignal);
      const query = queryString(request.query);
      let path = request.path;
      const hostPath = awsHostPath(request.hostname);
      let url;
      if (hostPath !== null) {
        url = new URL(hostPath.slice(1) + (path === "/" ? "/" : path) + (query ? "?" + query : ""), BASE);
      } else {
        const port = request.port ? `:${request.port}` : "";
        url = new URL(`${request.protocol}//${request.hostname}${port}${path}${query ? "?" + query : ""}`);
      }
      const method = request.method;
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers || {})) {
        // What a browser's fetch() would not send either.
        if (/^(host|content-length|connection|expect|transfer-encoding)$/i.test(name)) continue;
        headers.set(name, value);
      }
      const body = method === "GET" || method === "HEAD" ? undefined : request.body;
      const init = { method, headers, body, signal: abortSignal };
      if (body && ownBytes(body) === undefined) init.duplex = "half";
      const timeoutMs = requestTimeout ?? config.requestTimeout;
      let timer;
      const responding = fastFetch(url, init);
      const response = await (timeoutMs > 0
        ? Promise.race([
            responding,
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(timeoutError(timeoutMs)), timeoutMs);
            }),
          ]).finally(() => clearTimeout(timer))
        : responding);
      const out = {};
      for (const [name, value] of response.headers.entries()) out[name] = value;
      return {
        response: {
          statusCode: response.status,
          reason: response.statusText,
          headers: out,
          body: response.body ?? (await response.blob()),
        },
      };
    },
    updateHttpClientConfig(key, value) {
      config[key] = value;
    },
    httpHandlerConfigs() {
      return config;
    },
    destroy() {},
  };
}
