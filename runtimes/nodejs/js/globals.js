// The globals that Node.js has and QuickJS does not: console (in Lambda's
// log format), timers, process, TextEncoder/TextDecoder, Buffer, URL and
// URLSearchParams, structuredClone, crypto, atob/btoa, AbortController,
// performance, and a fetch that explains there is no outbound network.
//
// `native` is the Rust side (src/lib.rs): write(fd, text), monotonic(),
// skip(ms), random(n), env(), exit(code), memory().
(function (native, internal) {
  "use strict";

  const g = globalThis;
  const define = (obj, name, value) =>
    Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });

  // ---------------------------------------------------------------- console
  // Lambda's Node.js runtime writes "<ISO time>\t<request id>\t<LEVEL>\t<message>";
  // a message's own newlines become carriage returns so that it stays one log event.
  internal.requestId = undefined;
  function logLine(level, args) {
    const message = internal.util.format(...args);
    const line = `${new Date().toISOString()}\t${internal.requestId}\t${level}\t${message}`;
    native.write(2, line.replace(/\r?\n/g, "\r") + "\n");
  }
  internal.logLine = logLine;

  const counts = new Map();
  const times = new Map();
  let groupIndent = "";
  const withGroup = (args) => (groupIndent ? [groupIndent + internal.util.format(...args)] : args);
  const console = {
    log: (...a) => logLine("INFO", withGroup(a)),
    info: (...a) => logLine("INFO", withGroup(a)),
    warn: (...a) => logLine("WARN", withGroup(a)),
    error: (...a) => logLine("ERROR", withGroup(a)),
    debug: (...a) => logLine("DEBUG", withGroup(a)),
    trace: (...a) => {
      const stack = new Error().stack || "";
      logLine("TRACE", withGroup(["Trace: " + internal.util.format(...a) + "\n" + stack.split("\n").slice(1).join("\n")]));
    },
    dir: (obj, opts) => logLine("INFO", [internal.util.inspect(obj, opts)]),
    table: (data) => logLine("INFO", [data]),
    assert: (cond, ...a) => {
      if (!cond) logLine("ERROR", ["Assertion failed" + (a.length ? ": " + internal.util.format(...a) : "")]);
    },
    count: (label = "default") => {
      const n = (counts.get(label) || 0) + 1;
      counts.set(label, n);
      logLine("INFO", [`${label}: ${n}`]);
    },
    countReset: (label = "default") => counts.delete(label),
    time: (label = "default") => times.set(label, native.monotonic()),
    timeLog: (label = "default", ...a) => {
      if (times.has(label)) logLine("INFO", [`${label}: ${(native.monotonic() - times.get(label)).toFixed(3)}ms`, ...a]);
    },
    timeEnd: (label = "default") => {
      if (!times.has(label)) return;
      logLine("INFO", [`${label}: ${(native.monotonic() - times.get(label)).toFixed(3)}ms`]);
      times.delete(label);
    },
    group: (...a) => {
      if (a.length) console.log(...a);
      groupIndent += "  ";
    },
    groupEnd: () => {
      groupIndent = groupIndent.slice(2);
    },
  };
  console.groupCollapsed = console.group;
  define(g, "console", console);

  // ---------------------------------------------------------------- timers
  // A timer queue in virtual time: when the event loop has nothing else to
  // do, the runtime (src/lib.rs) runs the earliest timer at once and moves
  // the clocks forward by the time it skipped, so a handler that awaits
  // setTimeout(r, 1000) sees Date.now() advance by 1000 without blocking.
  const timers = new Map();
  let nextTimerId = 1;
  let timerSeq = 0;

  class Timeout {
    constructor(id) {
      this._id = id;
    }
    ref() {
      const t = timers.get(this._id);
      if (t) t.ref = true;
      return this;
    }
    unref() {
      const t = timers.get(this._id);
      if (t) t.ref = false;
      return this;
    }
    hasRef() {
      const t = timers.get(this._id);
      return !!(t && t.ref);
    }
    refresh() {
      const t = timers.get(this._id);
      if (t) t.due = native.monotonic() + t.delay;
      return this;
    }
    close() {
      timers.delete(this._id);
      return this;
    }
    [Symbol.toPrimitive]() {
      return this._id;
    }
  }

  function addTimer(fn, ms, args, repeat) {
    if (typeof fn !== "function") throw new TypeError('The "callback" argument must be of type function');
    let delay = Number(ms);
    if (!(delay >= 1 && delay <= 2147483647)) delay = 1;
    const id = nextTimerId++;
    timers.set(id, { fn, args, delay, due: native.monotonic() + delay, seq: timerSeq++, repeat, ref: true });
    return new Timeout(id);
  }
  const clearTimer = (t) => {
    if (t instanceof Timeout) timers.delete(t._id);
    else if (t != null) timers.delete(Number(t));
  };
  define(g, "setTimeout", (fn, ms, ...args) => addTimer(fn, ms, args, false));
  define(g, "setInterval", (fn, ms, ...args) => addTimer(fn, ms, args, true));
  define(g, "setImmediate", (fn, ...args) => addTimer(fn, 0, args, false));
  define(g, "clearTimeout", clearTimer);
  define(g, "clearInterval", clearTimer);
  define(g, "clearImmediate", clearTimer);
  if (typeof g.queueMicrotask !== "function") {
    define(g, "queueMicrotask", (fn) => {
      Promise.resolve().then(() => fn());
    });
  }

  internal.timers = {
    clear() {
      timers.clear();
    },
    // How many timers keep the event loop alive (not unref'd).
    pending() {
      let n = 0;
      for (const t of timers.values()) if (t.ref) n++;
      return n;
    },
    // Runs the earliest timer, first moving time forward to its due time.
    // Returns "none" (no timer), "late" (its due time is after the
    // deadline: waiting for it would time out) or "ran".
    runNext(remainingMs) {
      let id = 0;
      let best = null;
      for (const [k, t] of timers) {
        if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) {
          best = t;
          id = k;
        }
      }
      if (!best) return "none";
      const wait = best.due - native.monotonic();
      // The remaining time is asked of the host only when a timer is due.
      if (wait > (remainingMs === undefined ? native.remaining() : remainingMs)) return "late";
      if (wait > 0) native.skip(wait);
      if (best.repeat) {
        best.due = Math.max(best.due + best.delay, native.monotonic());
        best.seq = timerSeq++;
      } else {
        timers.delete(id);
      }
      try {
        best.fn.apply(undefined, best.args);
      } catch (err) {
        internal.uncaught = internal.uncaught || { error: err };
      }
      return "ran";
    },
  };

  // ---------------------------------------------------------------- UTF-8
  function utf8Encode(str) {
    str = String(str);
    const out = new Uint8Array(str.length * 3);
    let n = 0;
    for (let i = 0; i < str.length; i++) {
      let c = str.charCodeAt(i);
      if (c < 0x80) {
        out[n++] = c;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
        const d = str.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[n++] = 0xf0 | (c >> 18);
          out[n++] = 0x80 | ((c >> 12) & 0x3f);
          out[n++] = 0x80 | ((c >> 6) & 0x3f);
          out[n++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate
      if (c < 0x800) {
        out[n++] = 0xc0 | (c >> 6);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0xe0 | (c >> 12);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      }
    }
    return out.slice(0, n);
  }

  function utf8Length(str) {
    let n = 0;
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  function utf8Decode(bytes, fatal) {
    let out = "";
    let chunk = [];
    const bad = () => {
      if (fatal) throw new TypeError("The encoded data was not valid for encoding utf-8");
      chunk.push(0xfffd);
    };
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i];
      let cp = -1;
      let need = 0;
      if (b < 0x80) {
        cp = b;
      } else if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        cp = b & 0x07;
      } else {
        bad();
        i++;
        continue;
      }
      let j = 1;
      for (; j <= need; j++) {
        const c = bytes[i + j];
        if (c === undefined || (c & 0xc0) !== 0x80) break;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (j <= need || (need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff))) {
        bad();
        i += Math.max(1, j === need + 1 ? j : j);
        continue;
      }
      i += need + 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else chunk.push(cp);
      if (chunk.length > 4096) {
        out += String.fromCharCode.apply(null, chunk);
        chunk = [];
      }
    }
    return out + String.fromCharCode.apply(null, chunk);
  }

  function toBytes(input) {
    if (input instanceof Uint8Array) return input;
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView');
  }

  class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(input = "") {
      return utf8Encode(input);
    }
    encodeInto(src, dest) {
      const bytes = utf8Encode(src);
      const n = Math.min(bytes.length, dest.length);
      dest.set(bytes.subarray(0, n));
      return { read: n === bytes.length ? src.length : utf8Decode(bytes.subarray(0, n)).length, written: n };
    }
  }

  class TextDecoder {
    constructor(label = "utf-8", options = {}) {
      const l = String(label).toLowerCase();
      if (l !== "utf-8" && l !== "utf8" && l !== "unicode-1-1-utf-8") throw new RangeError(`The "${label}" encoding is not supported`);
      this.fatal = !!options.fatal;
      this.ignoreBOM = !!options.ignoreBOM;
    }
    get encoding() {
      return "utf-8";
    }
    decode(input) {
      if (input === undefined) return "";
      let bytes = toBytes(input);
      if (!this.ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      return utf8Decode(bytes, this.fatal);
    }
  }
  define(g, "TextEncoder", TextEncoder);
  define(g, "TextDecoder", TextDecoder);

  // ---------------------------------------------------------------- base64, hex
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64_INDEX = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;
  B64_INDEX[45] = 62; // '-' (base64url)
  B64_INDEX[95] = 63; // '_'

  function base64Encode(bytes, url) {
    let out = "";
    let i = 0;
    for (; i + 2 < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
    }
    if (i < bytes.length) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8);
      out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=") + "=";
    }
    return url ? out.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") : out;
  }

  // Lenient, as Node's Buffer.from(s, "base64") is: skips what is not base64.
  function base64Decode(str) {
    const out = new Uint8Array(Math.ceil((str.length * 3) / 4));
    let n = 0;
    let acc = 0;
    let bits = 0;
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c === 61) break; // '='
      const v = c < 128 ? B64_INDEX[c] : -1;
      if (v < 0) continue;
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[n++] = (acc >> bits) & 0xff;
      }
    }
    return out.slice(0, n);
  }

  function hexEncode(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function hexDecode(str) {
    const out = new Uint8Array(str.length >> 1);
    let n = 0;
    for (; n < out.length; n++) {
      const v = parseInt(str.substr(n * 2, 2), 16);
      if (Number.isNaN(v)) break;
      out[n] = v;
    }
    return out.slice(0, n);
  }

  function latin1Encode(str) {
    const out = new Uint8Array(str.length);
    for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i) & 0xff;
    return out;
  }

  function latin1Decode(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096));
    return out;
  }

  define(g, "btoa", (s) => {
    s = String(s);
    if (/[^\u0000-\u00ff]/.test(s)) throw new DOMException("Invalid character", "InvalidCharacterError");
    return base64Encode(latin1Encode(s));
  });
  define(g, "atob", (s) => latin1Decode(base64Decode(String(s).replace(/[\t\n\f\r ]/g, ""))));

  class DOMException extends Error {
    constructor(message = "", name = "Error") {
      super(message);
      Object.defineProperty(this, "name", { value: name, configurable: true, writable: true });
    }
  }
  if (typeof g.DOMException !== "function") define(g, "DOMException", DOMException);

  // ---------------------------------------------------------------- Buffer
  function normEncoding(enc) {
    const e = String(enc || "utf8").toLowerCase();
    switch (e) {
      case "utf8":
      case "utf-8":
        return "utf8";
      case "hex":
      case "base64":
      case "base64url":
      case "ascii":
      case "latin1":
        return e;
      case "binary":
        return "latin1";
      case "ucs2":
      case "ucs-2":
      case "utf16le":
      case "utf-16le":
        return "utf16le";
    }
    throw new TypeError(`Unknown encoding: ${enc}`);
  }

  function encode(str, enc) {
    switch (normEncoding(enc)) {
      case "utf8":
        return utf8Encode(str);
      case "hex":
        return hexDecode(str);
      case "base64":
      case "base64url":
        return base64Decode(str);
      case "ascii":
      case "latin1":
        return latin1Encode(str);
      case "utf16le": {
        const out = new Uint8Array(str.length * 2);
        for (let i = 0; i < str.length; i++) {
          out[i * 2] = str.charCodeAt(i) & 0xff;
          out[i * 2 + 1] = str.charCodeAt(i) >> 8;
        }
        return out;
      }
    }
  }

  function decode(bytes, enc) {
    switch (normEncoding(enc)) {
      case "utf8":
        return utf8Decode(bytes);
      case "hex":
        return hexEncode(bytes);
      case "base64":
        return base64Encode(bytes, false);
      case "base64url":
        return base64Encode(bytes, true);
      case "ascii":
        return latin1Decode(bytes.map((b) => b & 0x7f));
      case "latin1":
        return latin1Decode(bytes);
      case "utf16le": {
        let out = "";
        for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
        return out;
      }
    }
  }

  class Buffer extends Uint8Array {
    static from(value, encOrOffset, length) {
      if (typeof value === "string") return Buffer._wrap(encode(value, encOrOffset));
      if (value instanceof ArrayBuffer) {
        const off = encOrOffset === undefined ? 0 : Number(encOrOffset);
        return new Buffer(value, off, length === undefined ? value.byteLength - off : Number(length));
      }
      if (ArrayBuffer.isView(value)) return Buffer._wrap(new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice());
      if (value && value.type === "Buffer" && Array.isArray(value.data)) return Buffer._wrap(Uint8Array.from(value.data));
      if (Array.isArray(value) || (value && typeof value.length === "number")) return Buffer._wrap(Uint8Array.from(value));
      if (value && typeof value[Symbol.iterator] === "function") return Buffer._wrap(Uint8Array.from(value));
      throw new TypeError("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.");
    }
    static _wrap(u8) {
      return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength);
    }
    static alloc(size, fill, enc) {
      const b = new Buffer(size);
      if (fill !== undefined) b.fill(typeof fill === "string" ? encode(fill, enc)[0] || 0 : fill);
      return b;
    }
    static allocUnsafe(size) {
      return new Buffer(size);
    }
    static allocUnsafeSlow(size) {
      return new Buffer(size);
    }
    static isBuffer(v) {
      return v instanceof Buffer;
    }
    static isEncoding(enc) {
      try {
        normEncoding(enc);
        return true;
      } catch (e) {
        return false;
      }
    }
    static byteLength(v, enc) {
      if (typeof v !== "string") return v.byteLength;
      const e = normEncoding(enc);
      return e === "utf8" ? utf8Length(v) : encode(v, e).length;
    }
    static concat(list, total) {
      if (total === undefined) total = list.reduce((n, b) => n + b.length, 0);
      const out = Buffer.alloc(total);
      let at = 0;
      for (const b of list) {
        if (at >= total) break;
        const part = b.length > total - at ? b.subarray(0, total - at) : b;
        out.set(part, at);
        at += part.length;
      }
      return out;
    }
    static compare(a, b) {
      return a.compare(b);
    }
    toString(enc, start = 0, end = this.length) {
      return decode(this.subarray(start, end), enc);
    }
    toJSON() {
      return { type: "Buffer", data: Array.from(this) };
    }
    equals(other) {
      return this.compare(other) === 0;
    }
    compare(other) {
      const n = Math.min(this.length, other.length);
      for (let i = 0; i < n; i++) if (this[i] !== other[i]) return this[i] < other[i] ? -1 : 1;
      return this.length === other.length ? 0 : this.length < other.length ? -1 : 1;
    }
    slice(start, end) {
      return this.subarray(start, end);
    }
    write(str, offset = 0, length, enc) {
      if (typeof offset === "string") {
        enc = offset;
        offset = 0;
      } else if (typeof length === "string") {
        enc = length;
        length = undefined;
      }
      const bytes = encode(str, enc);
      const n = Math.min(bytes.length, this.length - offset, length === undefined ? Infinity : length);
      this.set(bytes.subarray(0, n), offset);
      return n;
    }
    copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
      const part = this.subarray(sourceStart, Math.min(sourceEnd, sourceStart + target.length - targetStart));
      target.set(part, targetStart);
      return part.length;
    }
    indexOf(value, from = 0, enc) {
      if (typeof value === "number") return Uint8Array.prototype.indexOf.call(this, value, from);
      const needle = typeof value === "string" ? encode(value, enc) : value;
      outer: for (let i = from < 0 ? Math.max(0, this.length + from) : from; i <= this.length - needle.length; i++) {
        for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
        return i;
      }
      return -1;
    }
    includes(value, from, enc) {
      return this.indexOf(value, from, enc) !== -1;
    }
    readUInt8(o = 0) {
      return this[o];
    }
    readUInt16BE(o = 0) {
      return (this[o] << 8) | this[o + 1];
    }
    readUInt16LE(o = 0) {
      return this[o] | (this[o + 1] << 8);
    }
    readUInt32BE(o = 0) {
      return this[o] * 0x1000000 + ((this[o + 1] << 16) | (this[o + 2] << 8) | this[o + 3]);
    }
    readUInt32LE(o = 0) {
      return this[o + 3] * 0x1000000 + ((this[o + 2] << 16) | (this[o + 1] << 8) | this[o]);
    }
    readInt32BE(o = 0) {
      return (this[o] << 24) | (this[o + 1] << 16) | (this[o + 2] << 8) | this[o + 3];
    }
    writeUInt8(v, o = 0) {
      this[o] = v;
      return o + 1;
    }
    writeUInt32BE(v, o = 0) {
      this[o] = v >>> 24;
      this[o + 1] = v >>> 16;
      this[o + 2] = v >>> 8;
      this[o + 3] = v;
      return o + 4;
    }
  }
  Buffer.poolSize = 8192;
  // readUint8 and friends are aliases in Node.
  for (const k of Object.getOwnPropertyNames(Buffer.prototype)) {
    if (/^(read|write)UInt/.test(k)) Buffer.prototype[k.replace("UInt", "Uint")] = Buffer.prototype[k];
  }
  define(g, "Buffer", Buffer);

  // ---------------------------------------------------------------- URL
  const SPECIAL_PORTS = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21", "file:": "" };
  const URL_RE = /^([a-zA-Z][a-zA-Z0-9+.\-]*:)(?:\/\/(?:([^:@\/?#]*)(?::([^@\/?#]*))?@)?(\[[^\]]*\]|[^:\/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/;

  function removeDotSegments(path) {
    const out = [];
    const parts = path.split("/");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p === "..") {
        if (out.length > 1) out.pop();
        if (i === parts.length - 1) out.push("");
      } else if (p === ".") {
        if (i === parts.length - 1) out.push("");
      } else out.push(p);
    }
    return out.join("/");
  }

  function encodePath(p) {
    return p.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@\/%]/g, (c) => encodeURIComponent(c));
  }

  class URLSearchParams {
    constructor(init) {
      this._list = [];
      this._url = null;
      if (init == null) return;
      if (typeof init === "string") this._parse(init);
      else if (init instanceof URLSearchParams) this._list = init._list.map((p) => p.slice());
      else if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const [k, v] = Array.from(pair);
          this._list.push([String(k), String(v)]);
        }
      } else for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
    }
    _parse(s) {
      this._list = [];
      if (s.startsWith("?")) s = s.slice(1);
      for (const part of s.split("&")) {
        if (!part) continue;
        const i = part.indexOf("=");
        const k = i < 0 ? part : part.slice(0, i);
        const v = i < 0 ? "" : part.slice(i + 1);
        this._list.push([formDecode(k), formDecode(v)]);
      }
    }
    _update() {
      if (this._url) {
        const s = this.toString();
        this._url._search = s ? "?" + s : "";
      }
    }
    get size() {
      return this._list.length;
    }
    append(k, v) {
      this._list.push([String(k), String(v)]);
      this._update();
    }
    delete(k, v) {
      this._list = this._list.filter(([a, b]) => a !== String(k) || (v !== undefined && b !== String(v)));
      this._update();
    }
    get(k) {
      const p = this._list.find(([a]) => a === String(k));
      return p ? p[1] : null;
    }
    getAll(k) {
      return this._list.filter(([a]) => a === String(k)).map(([, b]) => b);
    }
    has(k, v) {
      return this._list.some(([a, b]) => a === String(k) && (v === undefined || b === String(v)));
    }
    set(k, v) {
      k = String(k);
      const i = this._list.findIndex(([a]) => a === k);
      if (i < 0) this._list.push([k, String(v)]);
      else {
        this._list[i][1] = String(v);
        this._list = this._list.filter(([a], j) => a !== k || j === i);
      }
      this._update();
    }
    sort() {
      this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      this._update();
    }
    forEach(fn, thisArg) {
      for (const [k, v] of this._list) fn.call(thisArg, v, k, this);
    }
    *entries() {
      for (const [k, v] of this._list) yield [k, v];
    }
    *keys() {
      for (const [k] of this._list) yield k;
    }
    *values() {
      for (const [, v] of this._list) yield v;
    }
    [Symbol.iterator]() {
      return this.entries();
    }
    toString() {
      return this._list.map(([k, v]) => formEncode(k) + "=" + formEncode(v)).join("&");
    }
    get [Symbol.toStringTag]() {
      return "URLSearchParams";
    }
  }

  function formDecode(s) {
    s = s.replace(/\+/g, " ");
    try {
      return decodeURIComponent(s);
    } catch (e) {
      return s.replace(/%([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    }
  }
  function formEncode(s) {
    return encodeURIComponent(s)
      .replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
      .replace(/%20/g, "+");
  }

  class URL {
    constructor(input, base) {
      input = String(input).trim();
      let m = URL_RE.exec(input);
      if (!m) {
        if (base === undefined) throw new TypeError(`Invalid URL: ${input}`);
        const b = base instanceof URL ? base : new URL(base);
        m = URL_RE.exec(resolveRelative(input, b));
        if (!m) throw new TypeError(`Invalid URL: ${input}`);
      }
      const protocol = m[1].toLowerCase();
      const special = protocol in SPECIAL_PORTS;
      if (special && m[4] === undefined && protocol !== "file:") {
        // "http:foo" without "//": resolve against a base of the same scheme, or fail.
        throw new TypeError(`Invalid URL: ${input}`);
      }
      this._protocol = protocol;
      this._username = m[2] || "";
      this._password = m[3] || "";
      this._hostname = (m[4] || "").toLowerCase();
      if (special && protocol !== "file:" && !this._hostname) throw new TypeError(`Invalid URL: ${input}`);
      this._port = m[5] && m[5] !== SPECIAL_PORTS[protocol] ? String(Number(m[5])) : "";
      let path = m[6] || "";
      if (special || m[4] !== undefined) {
        path = removeDotSegments(path.replace(/\\/g, "/"));
        if (!path.startsWith("/")) path = "/" + path;
      }
      this._pathname = encodePath(path);
      this._hasAuthority = m[4] !== undefined;
      this._search = m[7] && m[7] !== "?" ? m[7].replace(/[ "<>`#]/g, (c) => encodeURIComponent(c)) : "";
      this._hash = m[8] && m[8] !== "#" ? m[8].replace(/[ "<>`]/g, (c) => encodeURIComponent(c)) : "";
      this._params = new URLSearchParams(this._search);
      this._params._url = this;
    }
    static canParse(input, base) {
      try {
        new URL(input, base);
        return true;
      } catch (e) {
        return false;
      }
    }
    get protocol() {
      return this._protocol;
    }
    set protocol(v) {
      this._protocol = String(v).replace(/:?$/, ":").toLowerCase();
    }
    get username() {
      return this._username;
    }
    set username(v) {
      this._username = encodeURIComponent(v);
    }
    get password() {
      return this._password;
    }
    set password(v) {
      this._password = encodeURIComponent(v);
    }
    get hostname() {
      return this._hostname;
    }
    set hostname(v) {
      this._hostname = String(v).toLowerCase();
    }
    get port() {
      return this._port;
    }
    set port(v) {
      v = String(v);
      this._port = v === "" || v === SPECIAL_PORTS[this._protocol] ? "" : String(parseInt(v, 10));
    }
    get host() {
      return this._hostname + (this._port ? ":" + this._port : "");
    }
    set host(v) {
      const [h, p] = String(v).split(":");
      this.hostname = h;
      if (p !== undefined) this.port = p;
    }
    get origin() {
      return this._protocol in SPECIAL_PORTS && this._protocol !== "file:" ? this._protocol + "//" + this.host : "null";
    }
    get pathname() {
      return this._pathname;
    }
    set pathname(v) {
      v = String(v);
      this._pathname = encodePath(v.startsWith("/") ? v : "/" + v);
    }
    get search() {
      return this._search;
    }
    set search(v) {
      v = String(v);
      this._search = v && v !== "?" ? (v.startsWith("?") ? v : "?" + v) : "";
      this._params._parse(this._search);
    }
    get searchParams() {
      return this._params;
    }
    get hash() {
      return this._hash;
    }
    set hash(v) {
      v = String(v);
      this._hash = v && v !== "#" ? (v.startsWith("#") ? v : "#" + v) : "";
    }
    get href() {
      const auth = this._username ? this._username + (this._password ? ":" + this._password : "") + "@" : "";
      const authority = this._hasAuthority ? "//" + auth + this.host : "";
      return this._protocol + authority + this._pathname + this._search + this._hash;
    }
    set href(v) {
      Object.assign(this, new URL(v));
      this._params._url = this;
    }
    toString() {
      return this.href;
    }
    toJSON() {
      return this.href;
    }
    get [Symbol.toStringTag]() {
      return "URL";
    }
  }

  function resolveRelative(input, base) {
    const auth = base._username ? base._username + (base._password ? ":" + base._password : "") + "@" : "";
    const root = base._protocol + "//" + auth + base.host;
    if (input.startsWith("//")) return base._protocol + input;
    if (input.startsWith("/")) return root + input;
    if (input.startsWith("?")) return root + base._pathname + input;
    if (input.startsWith("#")) return root + base._pathname + base._search + input;
    if (input === "") return root + base._pathname + base._search;
    const dir = base._pathname.slice(0, base._pathname.lastIndexOf("/") + 1);
    return root + dir + input;
  }
  define(g, "URL", URL);
  define(g, "URLSearchParams", URLSearchParams);

  // ---------------------------------------------------------------- structuredClone
  function structuredClone(value, options) {
    const seen = new Map();
    const fail = (what) => {
      throw new DOMException(`${what} could not be cloned.`, "DataCloneError");
    };
    function clone(v) {
      if (typeof v === "function") fail(String(v).slice(0, 40));
      if (typeof v === "symbol") fail(String(v));
      if (typeof v !== "object" || v === null) return v;
      if (seen.has(v)) return seen.get(v);
      let out;
      if (Array.isArray(v)) {
        out = new Array(v.length);
        seen.set(v, out);
        for (let i = 0; i < v.length; i++) if (i in v) out[i] = clone(v[i]);
        return out;
      }
      if (v instanceof Date) out = new Date(v.getTime());
      else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
      else if (v instanceof ArrayBuffer) out = v.slice(0);
      else if (ArrayBuffer.isView(v)) {
        const Ctor = v instanceof Buffer ? Uint8Array : v.constructor;
        out = v instanceof DataView ? new DataView(v.buffer.slice(0)) : new Ctor(v);
      } else if (v instanceof Map) {
        out = new Map();
        seen.set(v, out);
        for (const [k, val] of v) out.set(clone(k), clone(val));
        return out;
      } else if (v instanceof Set) {
        out = new Set();
        seen.set(v, out);
        for (const val of v) out.add(clone(val));
        return out;
      } else if (v instanceof Error) {
        const Ctor = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[v.name] || Error;
        out = new Ctor(v.message);
        if (v.stack !== undefined) out.stack = v.stack;
        if ("cause" in v) out.cause = clone(v.cause);
      } else if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) {
        fail("#<" + (v.constructor && v.constructor.name) + ">");
      } else if (v instanceof Boolean || v instanceof Number || v instanceof String) {
        out = Object(v.valueOf());
      } else {
        out = {};
        seen.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k]);
        return out;
      }
      seen.set(v, out);
      return out;
    }
    return clone(value);
  }
  define(g, "structuredClone", structuredClone);

  // ---------------------------------------------------------------- crypto
  function getRandomValues(arr) {
    if (!ArrayBuffer.isView(arr) || arr instanceof Float32Array || arr instanceof Float64Array || arr instanceof DataView) {
      throw new TypeError("The data argument must be an integer-type TypedArray");
    }
    if (arr.byteLength > 65536) throw new DOMException(`The ArrayBufferView's byte length (${arr.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, "QuotaExceededError");
    const bytes = native.random(arr.byteLength);
    new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(bytes);
    return arr;
  }
  function randomUUID() {
    const b = native.random(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = hexEncode(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const crypto = { getRandomValues, randomUUID };
  define(g, "crypto", crypto);

  // Math.random as xorshift128+ seeded from random_get, and seeded again at
  // an environment's first invocation: Stratus starts environments from a
  // snapshot taken after init, and QuickJS's own generator, seeded once at
  // startup, would give every environment of a function the same numbers.
  const rngState = new Uint32Array(4);
  function reseed() {
    const b = native.random(16);
    for (let i = 0; i < 4; i++) rngState[i] = (b[4 * i] | (b[4 * i + 1] << 8) | (b[4 * i + 2] << 16) | (b[4 * i + 3] << 24)) >>> 0;
    if (!(rngState[0] | rngState[1] | rngState[2] | rngState[3])) rngState[0] = 1;
  }
  reseed();
  define(Math, "random", function random() {
    // xorshift128+ on two 64-bit words held as pairs of 32-bit halves.
    let s1hi = rngState[0], s1lo = rngState[1];
    const s0hi = rngState[2], s0lo = rngState[3];
    rngState[0] = s0hi;
    rngState[1] = s0lo;
    // s1 ^= s1 << 23
    s1hi ^= ((s1hi << 23) | (s1lo >>> 9)) >>> 0;
    s1lo ^= (s1lo << 23) >>> 0;
    // s1 ^= s1 >> 17
    s1lo ^= ((s1lo >>> 17) | (s1hi << 15)) >>> 0;
    s1hi ^= s1hi >>> 17;
    // s1 ^= s0 ^ (s0 >> 26)
    s1lo ^= s0lo ^ (((s0lo >>> 26) | (s0hi << 6)) >>> 0);
    s1hi ^= s0hi ^ (s0hi >>> 26);
    rngState[2] = s1hi >>> 0;
    rngState[3] = s1lo >>> 0;
    // The top 53 bits of s0 + s1, as a number in [0, 1).
    const sumLo = rngState[3] + s0lo;
    const lo = sumLo >>> 0;
    const hi = (rngState[2] + s0hi + (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
    return (hi * 2097152 + (lo >>> 11)) / 9007199254740992;
  });
  internal.reseedRandom = reseed;

  // ---------------------------------------------------------------- process
  // Filled at stratus_init (internal.loadEnv), not here: the bootstrap is
  // the same for every function and may be snapshotted before any has one.
  const env = {};
  internal.loadEnv = () => {
    for (const k of Object.keys(env)) delete env[k];
    for (const entry of native.env()) {
      const i = entry.indexOf("=");
      if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
  };
  const startMs = native.monotonic();
  const hrtime = (prev) => {
    const ns = Math.round(native.monotonic() * 1e6);
    let s = Math.floor(ns / 1e9);
    let n = ns % 1e9;
    if (prev) {
      s -= prev[0];
      n -= prev[1];
      if (n < 0) {
        s--;
        n += 1e9;
      }
    }
    return [s, n];
  };
  hrtime.bigint = () => BigInt(Math.round(native.monotonic() * 1e6));
  const noopEmitter = function () {
    return process;
  };
  const stream = (fd) => ({
    write(chunk, enc, cb) {
      native.write(fd, typeof chunk === "string" ? chunk : utf8Decode(toBytes(chunk)));
      if (typeof enc === "function") enc();
      else if (typeof cb === "function") cb();
      return true;
    },
    isTTY: false,
    fd,
  });
  const process = {
    env,
    argv: ["/var/lang/bin/node", "/var/runtime/index.mjs"],
    argv0: "node",
    execArgv: [],
    execPath: "/var/lang/bin/node",
    version: "v22.11.0",
    versions: { node: "22.11.0", quickjs: "ng" },
    release: { name: "node", lts: "Jod" },
    platform: "linux",
    arch: "x64",
    pid: 8,
    ppid: 1,
    title: "node",
    exitCode: undefined,
    cwd: () => "/var/task",
    chdir() {},
    uptime: () => (native.monotonic() - startMs) / 1000,
    hrtime,
    memoryUsage: () => {
      const m = native.memory();
      return { rss: m, heapTotal: m, heapUsed: m, external: 0, arrayBuffers: 0 };
    },
    nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
    exit: (code) => native.exit(code === undefined ? process.exitCode || 0 : Number(code)),
    emitWarning: (w) => console.warn(typeof w === "string" ? "Warning: " + w : w),
    on: noopEmitter,
    once: noopEmitter,
    off: noopEmitter,
    addListener: noopEmitter,
    removeListener: noopEmitter,
    removeAllListeners: noopEmitter,
    listeners: () => [],
    emit: () => false,
    stdout: stream(1),
    stderr: stream(2),
  };
  define(g, "process", process);
  define(g, "global", g);

  // ---------------------------------------------------------------- performance
  const timeOrigin = Date.now() - native.monotonic();
  define(g, "performance", {
    now: () => native.monotonic() - startMs,
    timeOrigin,
    mark() {},
    measure() {},
    toJSON: () => ({ timeOrigin }),
  });

  // ---------------------------------------------------------------- AbortController
  class AbortSignal {
    constructor() {
      this.aborted = false;
      this.reason = undefined;
      this.onabort = null;
      this._listeners = [];
    }
    addEventListener(type, fn) {
      if (type === "abort") this._listeners.push(fn);
    }
    removeEventListener(type, fn) {
      this._listeners = this._listeners.filter((f) => f !== fn);
    }
    throwIfAborted() {
      if (this.aborted) throw this.reason;
    }
    static abort(reason) {
      const c = new AbortController();
      c.abort(reason);
      return c.signal;
    }
    static timeout(ms) {
      const c = new AbortController();
      setTimeout(() => c.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms).unref();
      return c.signal;
    }
  }
  class AbortController {
    constructor() {
      this.signal = new AbortSignal();
    }
    abort(reason) {
      const s = this.signal;
      if (s.aborted) return;
      s.aborted = true;
      s.reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
      const event = { type: "abort", target: s };
      if (typeof s.onabort === "function") s.onabort(event);
      for (const fn of s._listeners) fn(event);
    }
  }
  define(g, "AbortController", AbortController);
  define(g, "AbortSignal", AbortSignal);

  // ---------------------------------------------------------------- fetch
  define(g, "fetch", async (input) => {
    const err = new TypeError("fetch failed");
    err.cause = new Error(
      `Stratus functions have no outbound network (fetch ${input}); reach the cloud's services with the AWS SDK (@aws-sdk/client-dynamodb, @aws-sdk/client-lambda)`
    );
    throw err;
  });

  internal.bytes = { utf8Encode, utf8Decode, utf8Length, base64Encode, base64Decode, hexEncode, hexDecode, toBytes };
  internal.crypto = { getRandomValues, randomUUID };
});
