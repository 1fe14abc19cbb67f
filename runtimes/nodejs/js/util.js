// util.format and util.inspect, close enough to Node's for log lines:
// console.log("%s has %d items", name, n) and console.log({ a: 1 }) print as
// they would in Lambda's Node.js runtime. Registered as internal.util and as
// the builtin module "util".
(function (native, internal) {
  "use strict";

  const hasOwn = Object.prototype.hasOwnProperty;
  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

  function quote(s) {
    const q = !s.includes("'") ? "'" : !s.includes('"') ? '"' : !s.includes("`") ? "`" : "'";
    let out = "";
    for (const ch of s) {
      if (ch === q || ch === "\\") out += "\\" + ch;
      else if (ch === "\n") out += "\\n";
      else if (ch === "\t") out += "\\t";
      else if (ch === "\r") out += "\\r";
      else if (ch < " ") out += "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0");
      else out += ch;
    }
    return q + out + q;
  }

  function constructorName(obj) {
    let proto = Object.getPrototypeOf(obj);
    while (proto) {
      const desc = Object.getOwnPropertyDescriptor(proto, "constructor");
      if (desc && typeof desc.value === "function" && desc.value.name) return desc.value.name;
      proto = Object.getPrototypeOf(proto);
    }
    return null;
  }

  function formatKey(key) {
    if (typeof key === "symbol") return "[" + key.toString() + "]";
    return identifier.test(key) ? key : quote(key);
  }

  function formatPrimitive(v, nested) {
    switch (typeof v) {
      case "string":
        return nested ? quote(v) : v;
      case "number":
        return Object.is(v, -0) ? "-0" : String(v);
      case "bigint":
        return String(v) + "n";
      case "symbol":
        return v.toString();
      case "undefined":
        return "undefined";
      case "boolean":
        return String(v);
    }
    return v === null ? "null" : undefined;
  }

  function errorText(err) {
    const stack = typeof err.stack === "string" ? err.stack : "";
    const head = String(err.name) + (err.message ? ": " + err.message : "");
    // QuickJS's stack has only the frames; Node's starts with "Name: message".
    return stack.startsWith(head) ? stack.replace(/\n$/, "") : head + (stack ? "\n" + stack.replace(/\n$/, "") : "");
  }

  // Joins entries on one line when they fit in Node's 80 columns (less the
  // indentation), else one per line.
  function wrap(open, entries, close, indent) {
    if (entries.length === 0) return open.trimEnd() + close.trimStart();
    const oneLine = open + " " + entries.join(", ") + " " + close;
    if (oneLine.length + indent.length <= 76 && !entries.some((e) => e.includes("\n"))) return oneLine;
    const inner = indent + "  ";
    return open + "\n" + entries.map((e) => inner + e).join(",\n") + "\n" + indent + close;
  }

  function inspect(value, opts) {
    const options = Object.assign({ depth: 2 }, typeof opts === "object" && opts ? opts : {});
    const seen = [];
    return inspectValue(value, options.depth, "", seen, false);
  }

  function inspectValue(v, depth, indent, seen, nested) {
    const prim = formatPrimitive(v, nested);
    if (prim !== undefined) return prim;
    if (typeof v === "function") {
      const kind = /^class\s/.test(Function.prototype.toString.call(v)) ? "class" : "Function";
      const base = v.name ? `[${kind}: ${v.name}]` : kind === "class" ? "[class (anonymous)]" : "[Function (anonymous)]";
      const keys = Object.keys(v);
      if (keys.length === 0 || depth < 0) return base;
      return inspectObject(v, keys, base + " {", "}", depth, indent, seen);
    }
    if (seen.includes(v)) return "[Circular *1]";
    if (v instanceof Error) {
      const text = errorText(v);
      const keys = Object.keys(v).filter((k) => k !== "stack" && k !== "message");
      if (keys.length === 0 || depth < 0) return nested ? "[" + text.split("\n")[0] + "]" + (text.includes("\n") ? "\n" + text.split("\n").slice(1).join("\n") : "") : text;
      return inspectObject(v, keys, text + " {", "}", depth, indent, seen);
    }
    if (v instanceof Date) return isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (typeof Promise !== "undefined" && v instanceof Promise) return "Promise { <pending> }";
    if (v instanceof WeakMap) return "WeakMap { <items unknown> }";
    if (v instanceof WeakSet) return "WeakSet { <items unknown> }";
    if (depth < 0) {
      if (Array.isArray(v)) return "[Array]";
      const name = constructorName(v);
      return "[" + (name || "Object") + "]";
    }
    seen.push(v);
    try {
      if (Array.isArray(v)) {
        const entries = [];
        const max = Math.min(v.length, 100);
        let holes = 0;
        for (let i = 0; i < max; i++) {
          if (!hasOwn.call(v, i)) {
            holes++;
            continue;
          }
          if (holes) {
            entries.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
            holes = 0;
          }
          entries.push(inspectValue(v[i], depth - 1, indent + "  ", seen, true));
        }
        if (holes) entries.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
        if (v.length > max) entries.push(`... ${v.length - max} more item${v.length - max > 1 ? "s" : ""}`);
        for (const k of Object.keys(v)) {
          if (!/^\d+$/.test(k)) entries.push(formatKey(k) + ": " + inspectValue(v[k], depth - 1, indent + "  ", seen, true));
        }
        return wrap("[", entries, "]", indent);
      }
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        const name = constructorName(v) || "TypedArray";
        if (name === "Buffer") {
          const bytes = Array.from(v.subarray(0, 50), (b) => b.toString(16).padStart(2, "0"));
          return "<Buffer" + (bytes.length ? " " + bytes.join(" ") : "") + (v.length > 50 ? ` ... ${v.length - 50} more bytes` : "") + ">";
        }
        const entries = Array.from(v.subarray(0, 100), (x) => formatPrimitive(x, true));
        if (v.length > 100) entries.push(`... ${v.length - 100} more items`);
        return wrap(`${name}(${v.length}) [`, entries, "]", indent);
      }
      if (v instanceof ArrayBuffer) {
        const bytes = Array.from(new Uint8Array(v, 0, Math.min(v.byteLength, 50)), (b) => b.toString(16).padStart(2, "0"));
        return `ArrayBuffer { [Uint8Contents]: <${bytes.join(" ")}>, byteLength: ${v.byteLength} }`;
      }
      if (v instanceof Map) {
        const entries = [];
        for (const [k, val] of v) {
          entries.push(inspectValue(k, depth - 1, indent + "  ", seen, true) + " => " + inspectValue(val, depth - 1, indent + "  ", seen, true));
        }
        return wrap(`Map(${v.size}) {`, entries, "}", indent);
      }
      if (v instanceof Set) {
        const entries = [];
        for (const val of v) entries.push(inspectValue(val, depth - 1, indent + "  ", seen, true));
        return wrap(`Set(${v.size}) {`, entries, "}", indent);
      }
      const proto = Object.getPrototypeOf(v);
      const name = constructorName(v);
      let prefix = "";
      if (proto === null) prefix = "[Object: null prototype] ";
      else if (name && name !== "Object") prefix = name + " ";
      const tag = v[Symbol.toStringTag];
      if (typeof tag === "string" && tag && tag !== name) prefix = (name || "Object") + " [" + tag + "] ";
      const keys = Object.keys(v).concat(Object.getOwnPropertySymbols(v).filter((s) => Object.getOwnPropertyDescriptor(v, s).enumerable));
      if (keys.length === 0 && prefix) return prefix + "{}";
      return inspectObject(v, keys, prefix + "{", "}", depth, indent, seen);
    } finally {
      seen.pop();
    }
  }

  function inspectObject(v, keys, open, close, depth, indent, seen) {
    const entries = keys.map((k) => {
      const desc = Object.getOwnPropertyDescriptor(v, k);
      let text;
      if (desc && desc.get && !("value" in desc)) text = desc.set ? "[Getter/Setter]" : "[Getter]";
      else if (desc && desc.set && !("value" in desc)) text = "[Setter]";
      else text = inspectValue(v[k], depth - 1, indent + "  ", seen, true);
      return formatKey(k) + ": " + text;
    });
    return wrap(open, entries, close, indent);
  }

  // util.format: printf-like %s %d %i %f %j %o %O %c %%; the remaining
  // arguments are appended, strings as they are and the rest inspected.
  function format(...args) {
    let out = "";
    let i = 0;
    if (typeof args[0] === "string") {
      const fmt = args[0];
      i = 1;
      let last = 0;
      for (let p = 0; p < fmt.length - 1; p++) {
        if (fmt[p] !== "%") continue;
        const c = fmt[p + 1];
        let rep;
        if (c === "%") {
          out += fmt.slice(last, p) + "%";
          last = p + 2;
          p++;
          continue;
        }
        if (i >= args.length || !"sdifjoOc".includes(c)) continue;
        const a = args[i];
        switch (c) {
          case "s":
            rep = typeof a === "string" ? a : typeof a === "bigint" ? a + "n" : typeof a === "object" && a !== null ? inspect(a, { depth: 1 }) : String(a);
            break;
          case "d":
            rep = typeof a === "bigint" ? a + "n" : typeof a === "object" ? "NaN" : String(Number(a));
            break;
          case "i":
            rep = typeof a === "bigint" ? a + "n" : String(parseInt(a));
            break;
          case "f":
            rep = String(parseFloat(a));
            break;
          case "j":
            try {
              rep = JSON.stringify(a);
            } catch (e) {
              rep = "[Circular]";
            }
            break;
          case "o":
          case "O":
            rep = inspect(a, { depth: c === "o" ? 4 : 2 });
            break;
          case "c":
            rep = "";
            break;
        }
        out += fmt.slice(last, p) + rep;
        last = p + 2;
        p++;
        i++;
      }
      out += fmt.slice(last);
    }
    for (; i < args.length; i++) {
      const a = args[i];
      if (out.length || i > 0) out += " ";
      out += typeof a === "string" ? a : inspect(a);
    }
    return out;
  }

  function promisify(fn) {
    return function (...args) {
      return new Promise((resolve, reject) => {
        fn.call(this, ...args, (err, value) => (err ? reject(err) : resolve(value)));
      });
    };
  }

  function isDeepStrictEqual(a, b) {
    if (Object.is(a, b)) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => hasOwn.call(b, k) && isDeepStrictEqual(a[k], b[k]));
  }

  internal.util = {
    format,
    inspect,
    promisify,
    isDeepStrictEqual,
    errorText,
    types: {
      isPromise: (v) => v instanceof Promise,
      isDate: (v) => v instanceof Date,
      isRegExp: (v) => v instanceof RegExp,
      isMap: (v) => v instanceof Map,
      isSet: (v) => v instanceof Set,
      isUint8Array: (v) => v instanceof Uint8Array,
      isNativeError: (v) => v instanceof Error,
    },
    inherits(ctor, superCtor) {
      Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
      Object.setPrototypeOf(ctor, superCtor);
    },
    deprecate: (fn) => fn,
  };
});
