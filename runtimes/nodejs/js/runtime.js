// What Lambda's Node.js runtime interface client does: finds the handler
// named by the Handler setting, builds the context, calls the handler (async,
// or with a callback), and turns its result or error into the response.
//
// src/lib.rs drives it:
//   stratus_init   -> await internal.runtime.init(codeJson): null, or the
//                     one "Runtime.X: ..." line to report before trapping;
//   stratus_handle -> internal.runtime.start(event, ...the context's fields), then
//                     step() while the event loop has work (it runs
//                     QuickJS's pending jobs between steps), then respond().
(function (native, internal) {
  "use strict";

  const modules = internal.modules;
  const util = internal.util;
  let handler = null;
  let handlerName = "";
  let invocation = null;

  // ------------------------------------------------------------ errors
  function stackLines(err) {
    const text = typeof err.stack === "string" ? err.stack : "";
    const lines = text.split("\n").filter((l) => l !== "");
    const head = `${err.name}: ${err.message}`;
    if (lines.length === 0 || !lines[0].startsWith(head)) lines.unshift(String(err.message) ? head : String(err.name));
    return lines;
  }

  function isErrorLike(err) {
    return err instanceof Error || (err !== null && typeof err === "object" && typeof err.message === "string" && "name" in err);
  }

  // The response Lambda gives for an error: {"errorType","errorMessage","trace"}.
  function errorResponse(err) {
    if (isErrorLike(err)) {
      if (err.name === "InternalError" && err.message === "out of memory") {
        return { errorType: "Runtime.OutOfMemory", errorMessage: `RequestId: ${internal.requestId} Error: Runtime exited with error: JavaScript heap out of memory`, trace: [] };
      }
      return { errorType: String(err.name || "Error"), errorMessage: String(err.message), trace: stackLines(err) };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  }

  // The log line's JSON: as the response, with "stack" for "trace" and the
  // error's own fields (code, $metadata...).
  function errorLog(err) {
    const r = errorResponse(err);
    const out = { errorType: r.errorType, errorMessage: r.errorMessage };
    if (isErrorLike(err)) {
      for (const k of Object.keys(err)) if (!(k in out) && k !== "stack" && k !== "message" && k !== "name") out[k] = err[k];
    }
    out.stack = r.trace;
    try {
      return JSON.stringify(out);
    } catch (e) {
      return JSON.stringify({ errorType: r.errorType, errorMessage: r.errorMessage, stack: r.trace });
    }
  }

  // "file:line" of a syntax error, from QuickJS's fields or its stack.
  function location(err) {
    if (err.fileName && err.lineNumber) return `${modules.relative(String(err.fileName))}:${err.lineNumber}`;
    const m = /\(?((?:\/|[A-Za-z_.])[^\s():]*):(\d+)(?::\d+)?\)?/.exec(String(err.stack || ""));
    return m ? `${modules.relative(m[1])}:${m[2]}` : "";
  }

  function oneLine(s) {
    return String(s).split("\n")[0];
  }

  function initErrorLine(err) {
    if (err && err.lambdaType) return `${err.lambdaType}: ${err.message}`;
    if (err instanceof SyntaxError) {
      const at = location(err);
      return `Runtime.UserCodeSyntaxError: SyntaxError: ${oneLine(err.message)}${at ? " in " + at : ""}`;
    }
    if (isErrorLike(err)) {
      const at = location(err);
      return `Runtime.ImportModuleError: ${err.name}: ${oneLine(err.message)}${at ? " in " + at : ""}`;
    }
    return `Runtime.ImportModuleError: ${typeof err}: ${oneLine(err)}`;
  }

  function lambdaError(type, message) {
    const err = new Error(message);
    err.lambdaType = type;
    return err;
  }

  // ------------------------------------------------------------ init
  // Finds the handler's file as the runtime interface client does: the
  // extensionless file, then .js (CommonJS unless package.json says
  // "type": "module"), .mjs, .cjs.
  function findHandlerFile(modulePath) {
    const base = modules.ROOT + "/" + modulePath;
    const files = modules.files;
    for (const ext of ["", ".js", ".mjs", ".cjs"]) {
      const path = base + ext;
      if (files.has(path)) return path;
    }
    return null;
  }

  async function init(codeJson) {
    try {
      internal.loadEnv();
      const code = JSON.parse(codeJson || "{}");
      modules.setFiles(code.files || {});
      const major = /^nodejs(\d+)/.exec(code.runtime || "");
      if (major && major[1] !== "22") {
        const versions = { 18: "18.20.4", 20: "20.18.0", 24: "24.1.0" };
        const v = versions[major[1]] || major[1] + ".0.0";
        process.version = "v" + v;
        process.versions.node = v;
      }
      handlerName = String(code.handler || "index.handler");
      const slash = handlerName.lastIndexOf("/");
      const dir = handlerName.slice(0, slash + 1);
      const rest = handlerName.slice(slash + 1);
      const dot = rest.indexOf(".");
      if (dot <= 0 || dot === rest.length - 1) throw lambdaError("Runtime.MalformedHandlerName", `Bad handler ${handlerName}`);
      const modulePath = (dir + rest.slice(0, dot)).replace(/^\.\//, "");
      const path = rest.slice(dot + 1).split(".");
      const file = findHandlerFile(modulePath);
      if (!file) throw lambdaError("Runtime.ImportModuleError", `Error: Cannot find module '${modulePath}'`);
      const exports = modules.isEsm(file) ? await import(file) : modules.loadCommonJs(file);
      let fn = exports;
      for (const key of path) fn = fn == null ? undefined : fn[key];
      if (fn === undefined) throw lambdaError("Runtime.HandlerNotFound", `${handlerName} is undefined or not exported`);
      if (typeof fn !== "function") throw lambdaError("Runtime.HandlerNotFound", `${handlerName} is not a function`);
      handler = fn;
      return null;
    } catch (err) {
      return initErrorLine(err);
    }
  }

  // ------------------------------------------------------------ invoke
  // The context's fields come one by one (src/lib.rs reads its JSON).
  function start(eventText, requestId, invokedFunctionArn, functionName, functionVersion, memoryLimitInMB, logGroupName, logStreamName) {
    if (!internal.invoked) {
      // The first invocation of this environment, which may have started
      // from a snapshot shared with others: new random numbers.
      internal.invoked = true;
      internal.reseedRandom();
    }
    internal.requestId = requestId;
    internal.uncaught = null;
    unhandled.clear();
    const state = { done: false, error: undefined, result: undefined, waitForLoop: false, failed: false };
    invocation = state;
    const finish = (err, result) => {
      if (state.done) return;
      state.done = true;
      if (err !== undefined && err !== null) {
        state.failed = true;
        state.error = err;
      } else state.result = result;
    };

    let event;
    try {
      event = eventText === "" ? {} : JSON.parse(eventText);
    } catch (e) {
      finish(lambdaErrorValue("Runtime.UnmarshalError", `Unable to parse the event as JSON: ${e.message}`));
      return state;
    }

    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionVersion,
      functionName,
      memoryLimitInMB: memoryLimitInMB === undefined ? process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE : String(memoryLimitInMB),
      logGroupName,
      logStreamName,
      clientContext: undefined,
      identity: undefined,
      invokedFunctionArn,
      awsRequestId: requestId,
      getRemainingTimeInMillis: () => Math.floor(native.remaining()),
      succeed: (result) => finish(null, result),
      fail: (err) => finish(err === undefined || err === null ? new Error("handled") : err),
      done: (err, result) => finish(err, result),
    };
    const callback = (err, result) => {
      finish(err, result);
      state.waitForLoop = context.callbackWaitsForEmptyEventLoop;
    };

    try {
      const ret = handler(event, context, callback);
      if (ret !== null && typeof ret === "object" && typeof ret.then === "function") {
        ret.then(
          (r) => finish(null, r),
          (e) => finish(e === undefined || e === null ? new Error(String(e)) : e)
        );
      }
      // A non-async handler's return value is ignored, as in Lambda: it
      // answers with its callback (or null once the event loop is empty).
    } catch (err) {
      finish(err);
    }
    return state;
  }

  // Promises rejected with no handler, as QuickJS reports them (src/lib.rs).
  const unhandled = new Map();
  internal.rejections = {
    track(promise, reason, handled) {
      if (handled) unhandled.delete(promise);
      else unhandled.set(promise, reason);
    },
  };

  // Node ends the process on an unhandled rejection; Lambda's runtime answers
  // Runtime.UnhandledPromiseRejection.
  function unhandledRejection() {
    if (unhandled.size === 0) return null;
    const reason = unhandled.values().next().value;
    unhandled.clear();
    const text = isErrorLike(reason) ? `${reason.name}: ${reason.message}` : String(reason);
    const err = new Error(text);
    err.name = "Runtime.UnhandledPromiseRejection";
    err.stack = isErrorLike(reason) ? stackLines(reason).slice(1).join("\n") : "";
    return err;
  }

  function lambdaErrorValue(type, message) {
    const err = new Error(message);
    err.name = type;
    return err;
  }

  // One turn of the event loop, after QuickJS's jobs ran out: "done" (the
  // invocation can answer), "ran" (a timer ran: run the jobs again) or
  // "late" (the next timer is due after the deadline: a timeout).
  // (The remaining time is read from the host only when a timer is next.)
  function step() {
    const state = invocation;
    const rejection = unhandledRejection();
    if (rejection && !(state.done && state.failed)) {
      state.done = true;
      state.failed = true;
      state.error = rejection;
      state.waitForLoop = false;
      return "done";
    }
    if (internal.uncaught) {
      const { error } = internal.uncaught;
      internal.uncaught = null;
      if (!state.done || !state.failed) {
        state.done = true;
        state.failed = true;
        state.error = error;
        state.waitForLoop = false;
      }
      return "done";
    }
    if (state.done && !(state.waitForLoop && internal.timers.pending() > 0)) return "done";
    const r = internal.timers.runNext();
    if (r === "none") {
      // The event loop is empty and the handler never answered: Lambda
      // answers null.
      if (!state.done) {
        state.done = true;
        state.result = null;
      }
      return "done";
    }
    return r;
  }

  // [status, payload]: 0 and the JSON result, or 1 and the error.
  function respond() {
    const state = invocation;
    if (state.failed) {
      internal.logLine("ERROR", ["Invoke Error \t" + errorLog(state.error)]);
      return [1, JSON.stringify(errorResponse(state.error))];
    }
    let text;
    try {
      text = JSON.stringify(state.result === undefined ? null : state.result);
    } catch (err) {
      const e = { errorType: "Runtime.MarshalError", errorMessage: `Unable to stringify response body: ${err.message}`, trace: [] };
      internal.logLine("ERROR", ["Invoke Error \t" + JSON.stringify({ errorType: e.errorType, errorMessage: e.errorMessage, stack: [] })]);
      return [1, JSON.stringify(e)];
    }
    return [0, text === undefined ? "null" : text];
  }

  // After a timeout: forget the invocation's timers, as a new environment would.
  function abandon() {
    internal.timers.clear();
    invocation = null;
  }

  internal.runtime = { init, start, step, respond, abandon, errorResponse, initErrorLine };
});
