// Modules as Node.js finds them in /var/task: the function's files (from
// `stratus.code`), CommonJS (require, module.exports) and ES modules
// (import), and the builtin modules (node:util, node:path, the AWS SDK...).
//
// CommonJS runs here, in JavaScript: a .js/.cjs file is wrapped in a
// function of (exports, require, module, __filename, __dirname) and compiled
// with native.evalScript, which keeps its file name and line numbers in
// errors. ES modules are QuickJS's own: the loader in src/lib.rs asks
// internal.modules.resolve(base, specifier) for a module's id (an absolute
// path, or a builtin's name) and internal.modules.source(id) for its text.
// An ES module that imports CommonJS, JSON or a builtin gets a small
// generated module that require()s it and re-exports its properties.
(function (native, internal) {
  "use strict";

  const ROOT = "/var/task";
  const files = new Map(); // absolute path -> source text
  const cache = new Map(); // absolute path or builtin name -> module record (CommonJS)
  const builtins = new Map(); // name -> () => exports
  const builtinCache = new Map();

  // -------------------------------------------------------------- paths
  function normalize(path) {
    const abs = path.startsWith("/");
    const out = [];
    for (const part of path.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") out.pop();
      else out.push(part);
    }
    return (abs ? "/" : "") + out.join("/");
  }
  const dirname = (p) => {
    const i = p.lastIndexOf("/");
    return i <= 0 ? "/" : p.slice(0, i);
  };
  const relative = (p) => (p.startsWith(ROOT + "/") ? p.slice(ROOT.length + 1) : p);

  function setFiles(map) {
    files.clear();
    for (const name of Object.keys(map)) files.set(normalize(ROOT + "/" + name), String(map[name]));
  }

  function notFound(specifier, from, esm) {
    const err = new Error(
      esm
        ? `Cannot find ${specifier.startsWith(".") || specifier.startsWith("/") ? "module" : "package"} '${specifier}' imported from ${from || ROOT}`
        : `Cannot find module '${specifier}'` + (from ? `\nRequire stack:\n- ${from}` : "")
    );
    err.code = esm ? "ERR_MODULE_NOT_FOUND" : "MODULE_NOT_FOUND";
    return err;
  }

  function readJson(path) {
    try {
      return JSON.parse(files.get(path));
    } catch (e) {
      return null;
    }
  }

  // The "type" of the nearest package.json ("module" or "commonjs").
  function packageType(path) {
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const pj = files.has(dir + "/package.json") ? readJson(dir + "/package.json") : null;
      if (pj) return pj.type === "module" ? "module" : "commonjs";
      if (dir === "/" || dir === ROOT) return "commonjs";
    }
  }

  function isEsm(path) {
    if (path.endsWith(".mjs")) return true;
    if (path.endsWith(".cjs") || path.endsWith(".json")) return false;
    return path.endsWith(".js") && packageType(path) === "module";
  }

  const EXTENSIONS = ["", ".js", ".mjs", ".cjs", ".json"];

  function resolveFile(path) {
    for (const ext of EXTENSIONS) if (files.has(path + ext)) return path + ext;
    const pj = files.has(path + "/package.json") ? readJson(path + "/package.json") : null;
    if (pj) {
      const entry = packageEntry(pj);
      if (entry) {
        const found = resolveFile(normalize(path + "/" + entry));
        if (found) return found;
      }
    }
    for (const index of ["/index.js", "/index.mjs", "/index.cjs", "/index.json"]) if (files.has(path + index)) return path + index;
    return null;
  }

  function packageEntry(pj) {
    let e = pj.exports;
    if (e && typeof e === "object" && !Array.isArray(e) && "." in e) e = e["."];
    for (let i = 0; i < 4 && e && typeof e === "object"; i++) e = e.require || e.import || e.node || e.default;
    return typeof e === "string" ? e : pj.main;
  }

  function builtinName(specifier) {
    const name = specifier.startsWith("node:") ? specifier.slice(5) : specifier;
    return builtins.has(name) ? name : null;
  }

  // The id of the module `specifier` names, seen from the file `from`.
  function resolve(specifier, from, esm) {
    const builtin = builtinName(specifier);
    if (builtin) return builtin;
    const base = from && from.startsWith("/") ? dirname(from) : ROOT;
    let found = null;
    if (specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === ".." || specifier.startsWith("/")) {
      const target = specifier.startsWith("/") ? normalize(specifier) : normalize(base + "/" + specifier);
      found = esm && files.has(target) ? target : resolveFile(target);
    } else if (specifier.startsWith("file://")) {
      found = resolveFile(normalize(decodeURIComponent(specifier.slice(7))));
    } else {
      // A package bundled in node_modules, looked for up from the importer.
      for (let dir = base; ; dir = dirname(dir)) {
        found = resolveFile(normalize(dir + "/node_modules/" + specifier));
        if (found || dir === "/") break;
      }
    }
    if (!found) throw notFound(specifier, from, esm);
    return found;
  }

  // -------------------------------------------------------------- CommonJS
  class Module {
    constructor(id) {
      this.id = id;
      this.filename = id;
      this.path = dirname(id);
      this.exports = {};
      this.loaded = false;
      this.children = [];
      this.paths = [ROOT + "/node_modules"];
    }
  }

  function makeRequire(from) {
    const require = (specifier) => requireFrom(String(specifier), from);
    require.resolve = (specifier) => resolve(String(specifier), from, false);
    require.cache = {};
    require.main = undefined;
    return require;
  }

  function requireFrom(specifier, from) {
    const id = resolve(specifier, from, false);
    return loadCommonJs(id);
  }

  function loadBuiltin(name) {
    if (!builtinCache.has(name)) builtinCache.set(name, builtins.get(name)());
    return builtinCache.get(name);
  }

  function loadCommonJs(id) {
    if (!id.startsWith("/")) return loadBuiltin(id);
    const cached = cache.get(id);
    if (cached) return cached.exports;
    if (isEsm(id)) {
      const err = new Error(`require() of ES Module ${id} not supported. Instead change the require of ${relative(id)} to a dynamic import() which is available in all CommonJS modules.`);
      err.code = "ERR_REQUIRE_ESM";
      throw err;
    }
    const module = new Module(id);
    cache.set(id, module);
    try {
      const text = files.get(id);
      if (id.endsWith(".json")) {
        try {
          module.exports = JSON.parse(text);
        } catch (e) {
          e.message = id + ": " + e.message;
          throw e;
        }
      } else {
        const body = text.startsWith("#!") ? "//" + text : text;
        // One line, so that the file's line numbers stay as they are.
        const fn = native.evalScript("(function (exports, require, module, __filename, __dirname) {" + body + "\n})", id);
        fn.call(module.exports, module.exports, makeRequire(id), module, id, dirname(id));
      }
      module.loaded = true;
    } catch (e) {
      cache.delete(id);
      throw e;
    }
    return module.exports;
  }

  // -------------------------------------------------------------- ES modules (for src/lib.rs)
  const REQUIRE_KEY = Symbol.for("stratus.require");
  Object.defineProperty(globalThis, REQUIRE_KEY, { value: loadCommonJs, enumerable: false });
  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

  internal.modules = {
    ROOT,
    setFiles,
    files,
    relative,
    resolve,
    isEsm,
    require: makeRequire(ROOT + "/index.js"),
    requireFrom,
    loadCommonJs,
    builtins,
    // The loader's resolve: `base` is the importing module's id ("" at the top).
    esmResolve(base, specifier) {
      return resolve(specifier, base, true);
    },
    // The text QuickJS compiles for module `id`.
    esmSource(id) {
      if (id.startsWith("/") && isEsm(id)) return files.get(id);
      const exports = loadCommonJs(id);
      let text = `const m = globalThis[Symbol.for("stratus.require")](${JSON.stringify(id)});\nexport default m;\n`;
      if (exports && (typeof exports === "object" || typeof exports === "function")) {
        const names = new Set(Object.keys(exports));
        if (exports.__esModule && "default" in exports) text = text.replace("export default m;", "export default m.default;");
        names.delete("default");
        for (const name of names) if (identifier.test(name)) text += `export const ${name} = m[${JSON.stringify(name)}];\n`;
      }
      return text;
    },
    // What import.meta.url is for module `id`.
    metaUrl(id) {
      return id.startsWith("/") ? "file://" + id : "node:" + id;
    },
  };

  // -------------------------------------------------------------- builtin modules
  const def = (names, make) => {
    for (const n of names.split(" ")) builtins.set(n, make);
  };

  def("util", () => Object.assign(internal.util, { TextEncoder, TextDecoder }));
  // http and https load, so that a package that mentions them starts, but a
  // request fails: Stratus functions have no outbound network.
  def("http https", () => {
    const refuse = (url) => {
      const err = new Error(`Stratus functions have no outbound network (request to ${url && url.href ? url.href : typeof url === "string" ? url : (url && url.hostname) || "?"}); reach the cloud's services with the AWS SDK`);
      err.code = "ENETUNREACH";
      throw err;
    };
    return { request: refuse, get: refuse, Agent: class Agent {}, globalAgent: {}, STATUS_CODES: { 200: "OK", 404: "Not Found", 500: "Internal Server Error" } };
  });
  def("buffer", () => ({ Buffer, constants: { MAX_LENGTH: 2 ** 32 - 1 }, atob, btoa }));
  def("url", () => ({
    URL,
    URLSearchParams,
    fileURLToPath: (u) => decodeURIComponent(String(u instanceof URL ? u.href : u).replace(/^file:\/\//, "")),
    pathToFileURL: (p) => new URL("file://" + encodeURI(normalize(String(p).startsWith("/") ? p : ROOT + "/" + p))),
    parse: (s) => {
      const u = new URL(s);
      return { protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port || null, pathname: u.pathname, search: u.search || null, query: u.search.slice(1) || null, hash: u.hash || null, href: u.href, path: u.pathname + u.search };
    },
    format: (u) => String(u instanceof URL ? u.href : u && u.href ? u.href : u),
  }));
  def("querystring", () => ({
    parse: (s) => {
      const out = {};
      for (const [k, v] of new URLSearchParams(s)) {
        if (k in out) out[k] = [].concat(out[k], v);
        else out[k] = v;
      }
      return out;
    },
    stringify: (obj) => {
      const p = new URLSearchParams();
      for (const k of Object.keys(obj || {})) for (const v of [].concat(obj[k])) p.append(k, v);
      return p.toString().replace(/\+/g, "%20");
    },
    escape: encodeURIComponent,
    unescape: decodeURIComponent,
  }));
  def("process", () => process);
  def("timers", () => ({ setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate }));
  def("timers/promises", () => ({
    setTimeout: (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms)),
    setImmediate: (value) => new Promise((resolve) => setImmediate(() => resolve(value))),
    scheduler: { wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
  }));
  def("path path/posix", () => {
    const path = {
      sep: "/",
      delimiter: ":",
      normalize: (p) => normalize(p) || ".",
      join: (...parts) => normalize(parts.filter((p) => p !== "").join("/")) || ".",
      resolve: (...parts) => {
        let out = "/var/task";
        for (const p of parts) out = p.startsWith("/") ? p : out + "/" + p;
        return normalize(out);
      },
      dirname: (p) => (p.includes("/") ? dirname(p) : "."),
      basename: (p, ext) => {
        const b = p.replace(/\/+$/, "").split("/").pop();
        return ext && b.endsWith(ext) && b !== ext ? b.slice(0, -ext.length) : b;
      },
      extname: (p) => {
        const b = p.split("/").pop();
        const i = b.lastIndexOf(".");
        return i <= 0 ? "" : b.slice(i);
      },
      isAbsolute: (p) => p.startsWith("/"),
      relative: (from, to) => {
        const a = path.resolve(from).split("/").filter(Boolean);
        const b = path.resolve(to).split("/").filter(Boolean);
        let i = 0;
        while (i < a.length && i < b.length && a[i] === b[i]) i++;
        return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
      },
      parse: (p) => {
        const base = path.basename(p);
        const ext = path.extname(p);
        return { root: p.startsWith("/") ? "/" : "", dir: p.includes("/") ? dirname(p) : "", base, ext, name: ext ? base.slice(0, -ext.length) : base };
      },
      format: (o) => (o.dir ? o.dir + "/" : "") + (o.base || (o.name || "") + (o.ext || "")),
    };
    path.posix = path;
    return path;
  });
  def("os", () => ({
    EOL: "\n",
    platform: () => "linux",
    type: () => "Linux",
    arch: () => "x64",
    release: () => "5.10.0",
    hostname: () => "169.254.0.1",
    homedir: () => "/home/sbx_user1051",
    tmpdir: () => "/tmp",
    cpus: () => [{ model: "Stratus (WebAssembly)", speed: 0, times: {} }],
    totalmem: () => Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || 128) * 1048576,
    freemem: () => 0,
    uptime: () => process.uptime(),
    endianness: () => "LE",
  }));
  def("events", () => {
    class EventEmitter {
      constructor() {
        this._events = new Map();
      }
      on(name, fn) {
        if (!this._events) this._events = new Map();
        if (!this._events.has(name)) this._events.set(name, []);
        this._events.get(name).push(fn);
        return this;
      }
      once(name, fn) {
        const wrapper = (...args) => {
          this.off(name, wrapper);
          fn.apply(this, args);
        };
        wrapper.listener = fn;
        return this.on(name, wrapper);
      }
      off(name, fn) {
        const list = this._events && this._events.get(name);
        if (list) this._events.set(name, list.filter((f) => f !== fn && f.listener !== fn));
        return this;
      }
      emit(name, ...args) {
        const list = this._events && this._events.get(name);
        if (!list || list.length === 0) {
          if (name === "error") throw args[0];
          return false;
        }
        for (const fn of list.slice()) fn.apply(this, args);
        return true;
      }
      removeAllListeners(name) {
        if (name === undefined) this._events = new Map();
        else if (this._events) this._events.delete(name);
        return this;
      }
      listeners(name) {
        return ((this._events && this._events.get(name)) || []).map((f) => f.listener || f);
      }
      listenerCount(name) {
        return this.listeners(name).length;
      }
      setMaxListeners() {
        return this;
      }
    }
    EventEmitter.prototype.addListener = EventEmitter.prototype.on;
    EventEmitter.prototype.removeListener = EventEmitter.prototype.off;
    EventEmitter.EventEmitter = EventEmitter;
    EventEmitter.default = EventEmitter;
    EventEmitter.once = (emitter, name) => new Promise((resolve) => emitter.once(name, (...args) => resolve(args)));
    return EventEmitter;
  });
  def("assert assert/strict", () => {
    const fail = (message, def) => {
      const err = new Error(message === undefined ? def : message instanceof Error ? message.message : message);
      err.name = "AssertionError";
      err.code = "ERR_ASSERTION";
      throw err;
    };
    const assert = (v, m) => v || fail(m, "The expression evaluated to a falsy value");
    assert.ok = assert;
    assert.equal = (a, b, m) => a == b || fail(m, `${internal.util.inspect(a)} == ${internal.util.inspect(b)}`);
    assert.notEqual = (a, b, m) => a != b || fail(m, `${internal.util.inspect(a)} != ${internal.util.inspect(b)}`);
    assert.strictEqual = (a, b, m) => Object.is(a, b) || fail(m, `Expected values to be strictly equal:\n\n${internal.util.inspect(a)} !== ${internal.util.inspect(b)}`);
    assert.notStrictEqual = (a, b, m) => !Object.is(a, b) || fail(m, "Expected values to be not strictly equal");
    assert.deepStrictEqual = (a, b, m) => internal.util.isDeepStrictEqual(a, b) || fail(m, "Expected values to be strictly deep-equal");
    assert.deepEqual = assert.deepStrictEqual;
    assert.fail = (m) => fail(m, "Failed");
    assert.throws = (fn, _e, m) => {
      try {
        fn();
      } catch (e) {
        return;
      }
      fail(m, "Missing expected exception.");
    };
    assert.strict = assert;
    return assert;
  });
  def("fs", () => {
    // The deployment package, read-only.
    const find = (p) => {
      const path = normalize(String(p).startsWith("/") ? String(p) : ROOT + "/" + p);
      if (!files.has(path)) {
        const err = new Error(`ENOENT: no such file or directory, open '${p}'`);
        err.code = "ENOENT";
        err.errno = -2;
        err.syscall = "open";
        err.path = String(p);
        throw err;
      }
      return files.get(path);
    };
    const content = (text, opts) => {
      const enc = typeof opts === "string" ? opts : opts && opts.encoding;
      return enc ? text : Buffer.from(text);
    };
    const readFileSync = (p, opts) => content(find(p), opts);
    const existsSync = (p) => {
      const path = normalize(String(p).startsWith("/") ? String(p) : ROOT + "/" + p);
      if (files.has(path)) return true;
      for (const f of files.keys()) if (f.startsWith(path + "/")) return true;
      return false;
    };
    const readdirSync = (p) => {
      const dir = normalize(String(p).startsWith("/") ? String(p) : ROOT + "/" + p) + "/";
      const names = new Set();
      for (const f of files.keys()) if (f.startsWith(dir)) names.add(f.slice(dir.length).split("/")[0]);
      return Array.from(names).sort();
    };
    const promises = {
      readFile: async (p, opts) => readFileSync(p, opts),
      readdir: async (p) => readdirSync(p),
      access: async (p) => {
        if (!existsSync(p)) find(p);
      },
    };
    return {
      readFileSync,
      existsSync,
      readdirSync,
      readFile: (p, opts, cb) => {
        if (typeof opts === "function") {
          cb = opts;
          opts = undefined;
        }
        let r;
        try {
          r = readFileSync(p, opts);
        } catch (e) {
          return queueMicrotask(() => cb(e));
        }
        queueMicrotask(() => cb(null, r));
      },
      promises,
    };
  });
  def("fs/promises", () => loadBuiltin("fs").promises);
  // Compiled on first use (src/lib.rs, ON_DEMAND).
  def("crypto", () => {
    if (!internal.nodeCrypto) native.load("crypto", native, internal);
    return internal.nodeCrypto;
  });
  for (const name of ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "@aws-sdk/util-dynamodb", "@aws-sdk/client-lambda"]) {
    def(name, () => {
      if (!internal.awsSdk) native.load("aws-sdk", native, internal);
      return internal.awsSdk[name];
    });
  }
});
