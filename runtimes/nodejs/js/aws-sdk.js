// The AWS SDK for JavaScript v3, as far as Stratus's services go, shaped as
// the real packages so that code from the AWS developer guides runs as it is:
//
//   @aws-sdk/client-dynamodb  DynamoDBClient, a Command for every operation,
//                             the DynamoDB aggregated client, paginators,
//                             waiters, the service's exception classes
//   @aws-sdk/lib-dynamodb     DynamoDBDocumentClient and its commands
//                             (plain JavaScript values in and out)
//   @aws-sdk/util-dynamodb    marshall, unmarshall, convertToAttr, ...
//   @aws-sdk/client-lambda    LambdaClient, InvokeCommand
//
// A command is sent as one HTTP/1.1 message through `stratus.call`
// (native.http, which writes the message and reads the answer in Rust),
// synchronously. DynamoDB commands go through native.dynamodb first, which
// also writes the JSON body from the input and reads the answer into
// JavaScript values in Rust (src/wire.rs), and leaves to this file what it
// cannot do exactly as it does. send() returns a promise settled with its
// result, or rejected with an error shaped as the SDK's (err.name is the
// short __type, err.$metadata.httpStatusCode, and the body's extra fields).
(function (native, internal) {
  "use strict";

  const { utf8Encode, utf8Decode, base64Encode, base64Decode } = internal.bytes;
  const sdk = (internal.awsSdk = {});

  // ------------------------------------------------------------ HTTP
  // {status, headers (lower-cased names), body}.
  function httpCall(method, path, headers, body) {
    return native.http(method, path, headers, body);
  }

  function metadata(res) {
    return {
      httpStatusCode: res.status,
      requestId: res.headers["x-amzn-requestid"] || res.headers["x-amz-request-id"],
      extendedRequestId: undefined,
      cfId: undefined,
      attempts: 1,
      totalRetryDelay: 0,
    };
  }

  // The SDK's base error: name, message, $fault, $metadata.
  class ServiceException extends Error {
    constructor(options) {
      super(options.message);
      Object.defineProperty(this, "name", { value: options.name, writable: true, configurable: true, enumerable: false });
      this.$fault = options.$fault;
      this.$metadata = options.$metadata;
    }
  }

  // A command's result (or error) as a promise, or with a callback (the
  // SDK's other calling style) given to it instead.
  function deliver(promise, callback) {
    if (typeof callback === "function") {
      promise.then(
        (r) => callback(null, r),
        (e) => callback(e)
      );
      return undefined;
    }
    return promise;
  }

  // Clients carry a middlewareStack that code may add to; here it does nothing.
  // Its functions are made once: a command is made for every call.
  const nothing = () => {};
  const resolveNothing = () => nothing;
  function middlewareStack() {
    return { add: nothing, addRelativeTo: nothing, use: nothing, remove: nothing, clone: middlewareStack, concat: middlewareStack, resolve: resolveNothing };
  }

  class Client {
    constructor(config = {}) {
      this.config = Object.assign({}, config, {
        region: config.region || process.env.AWS_REGION || "us-east-1",
      });
      this.middlewareStack = middlewareStack();
    }
    send(command, optionsOrCallback, callback) {
      const cb = typeof optionsOrCallback === "function" ? optionsOrCallback : callback;
      if (!command || typeof command._run !== "function") {
        return deliver(Promise.reject(new TypeError("send() takes a command, e.g. new GetItemCommand({...})")), cb);
      }
      // Run now (a command is synchronous underneath); `_run` never
      // returns a promise, so Promise.resolve is what `new Promise` with an
      // executor would be, without three functions made for every call.
      let promise;
      try {
        promise = Promise.resolve(command._run(this));
      } catch (e) {
        promise = Promise.reject(e);
      }
      return deliver(promise, cb);
    }
    destroy() {}
  }

  // A command's middlewareStack is made when code first reads it: a
  // command is made for every call, and few read it.
  const ownStack = (command, stack) => {
    Object.defineProperty(command, "middlewareStack", { value: stack, writable: true, enumerable: true, configurable: true });
    return stack;
  };
  class Command {
    constructor(input) {
      this.input = input || {};
    }
    get middlewareStack() {
      return ownStack(this, middlewareStack());
    }
    set middlewareStack(stack) {
      ownStack(this, stack);
    }
    resolveMiddleware() {
      return () => Promise.reject(new Error("resolveMiddleware is not supported by Stratus's SDK"));
    }
  }

  // ------------------------------------------------------------ util-dynamodb
  class NumberValue {
    constructor(value) {
      if (typeof value === "object" && "N" in value) this.value = String(value.N);
      else this.value = String(value);
      if (typeof value === "number" && !Number.isSafeInteger(value) && Number.isInteger(value)) {
        throw new Error(`The number ${value} cannot be converted to NumberValue precisely; pass a string`);
      }
    }
    static from(value) {
      return value instanceof NumberValue ? value : new NumberValue(value);
    }
    toAttributeValue() {
      return { N: this.toString() };
    }
    toBigInt() {
      return BigInt(this.value);
    }
    toString() {
      return String(this.value);
    }
    valueOf() {
      return this.toString();
    }
  }

  // Counts the binary values marshalled, so that a document command whose
  // input had none sends it with plain JSON.stringify.
  let binarySeen = 0;
  const isBinary = (v) => v instanceof Uint8Array || v instanceof ArrayBuffer || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  const toUint8 = (v) => (v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  const UNDEFINED_MESSAGE = "Pass options.removeUndefinedValues=true to remove undefined values from map/array/set.";
  const ctorName = (v) => v && v.constructor && v.constructor.name;

  function numberAttr(num, options) {
    const text = num.toString();
    if (text === "NaN" || text === "Infinity" || text === "-Infinity") throw new Error(`Special numeric value ${text} is not allowed`);
    if (!(options && options.allowImpreciseNumbers)) {
      if (Number(num) > Number.MAX_SAFE_INTEGER) throw new Error(`Number ${num.toString()} is greater than Number.MAX_SAFE_INTEGER. Use BigInt.`);
      if (Number(num) < Number.MIN_SAFE_INTEGER) throw new Error(`Number ${num.toString()} is lesser than Number.MIN_SAFE_INTEGER. Use BigInt.`);
    }
    return { N: num.toString() };
  }

  function convertToAttr(data, options) {
    // The common cases first: a string, a number, a plain object.
    switch (typeof data) {
      case "string":
        if (data.length === 0 && options && options.convertEmptyValues) return { NULL: true };
        return { S: data };
      case "number":
        return numberAttr(data, options);
      case "boolean":
        return { BOOL: data };
      case "bigint":
        return { N: data.toString() };
      case "object":
        // A plain object: what the checks below would find last, after a
        // dozen instanceof tests.
        if (data !== null && isPlainObject(data)) return { M: attrMap(data, options) };
    }
    const opts = options || {};
    if (data === undefined) throw new Error(UNDEFINED_MESSAGE);
    if (data === null) return { NULL: true };
    if (Array.isArray(data)) {
      return { L: data.filter((item) => typeof item !== "function" && (!opts.removeUndefinedValues || item !== undefined)).map((item) => convertToAttr(item, options)) };
    }
    if (data instanceof Set) return setAttr(data, options);
    if (data instanceof Map) {
      const M = {};
      for (const [k, v] of data) if (typeof v !== "function" && (v !== undefined || !opts.removeUndefinedValues)) M[k] = convertToAttr(v, options);
      return { M };
    }
    if (data instanceof NumberValue) return data.toAttributeValue();
    if (isBinary(data)) {
      binarySeen++;
      const bytes = toUint8(data);
      if (bytes.length === 0 && opts.convertEmptyValues) return { NULL: true };
      return { B: bytes };
    }
    if (typeof data === "boolean" || data instanceof Boolean) return { BOOL: data.valueOf() };
    if (typeof data === "number" || data instanceof Number) return numberAttr(data, options);
    if (typeof data === "bigint") return { N: data.toString() };
    if (typeof data === "string" || data instanceof String) {
      if (data.length === 0 && opts.convertEmptyValues) return { NULL: true };
      return { S: data.toString() };
    }
    if (typeof data === "object" && (ctorName(data) === "Object" || !data.constructor || opts.convertClassInstanceToMap)) {
      return { M: attrMap(data, options) };
    }
    throw new Error(`Unsupported type passed: ${data}. Pass options.convertClassInstanceToMap=true to marshall typeof object as map attribute.`);
  }

  const objectProto = Object.prototype;
  const getProto = Object.getPrototypeOf;
  // An object literal (or one without a prototype), as ctorName(data) ===
  // "Object" || !data.constructor decides below.
  function isPlainObject(data) {
    const proto = getProto(data);
    return proto === null ? !data.constructor : proto === objectProto && data.constructor === Object;
  }

  function attrMap(data, options) {
    const removeUndefined = options && options.removeUndefinedValues;
    const M = {};
    const keys = Object.keys(data);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const v = data[k];
      if (typeof v !== "function" && (v !== undefined || !removeUndefined)) M[k] = convertToAttr(v, options);
    }
    return M;
  }

  function setAttr(set, options) {
    const opts = options || {};
    const values = Array.from(set).filter((v) => !opts.removeUndefinedValues || v !== undefined);
    if (!opts.removeUndefinedValues && values.includes(undefined)) throw new Error(UNDEFINED_MESSAGE);
    if (values.length === 0) {
      if (opts.convertEmptyValues) return { NULL: true };
      throw new Error("Pass a non-empty set, or options.convertEmptyValues=true.");
    }
    const first = values[0];
    if (first instanceof NumberValue || typeof first === "number" || typeof first === "bigint") {
      return { NS: values.map((v) => (v instanceof NumberValue ? v.toString() : typeof v === "bigint" ? v.toString() : numberAttr(v, options).N)) };
    }
    if (typeof first === "string") return { SS: values.map(String) };
    if (isBinary(first)) {
      binarySeen++;
      return { BS: values.map(toUint8) };
    }
    throw new Error("Only Number Set (NS), Binary Set (BS) or String Set (SS) are allowed.");
  }

  const MAX_SAFE = Number.MAX_SAFE_INTEGER;
  const MIN_SAFE = Number.MIN_SAFE_INTEGER;
  function convertNumber(n, options) {
    const wrap = options && options.wrapNumbers;
    if (typeof wrap === "function") return wrap(n);
    if (wrap) return NumberValue.from(n);
    const num = Number(n);
    if ((num > MAX_SAFE || num < MIN_SAFE) && Number.isFinite(num)) {
      try {
        return BigInt(n);
      } catch (e) {
        throw new Error(`${n} can't be converted to BigInt. Set options.wrapNumbers to get string value.`);
      }
    }
    return num;
  }

  const binary = (v) => (typeof v === "string" ? base64Decode(v) : toUint8(v));

  function convertToNative(data, options) {
    const keys = Object.keys(data);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = data[key];
      if (value === undefined) continue;
      switch (key) {
        case "NULL":
          return null;
        case "BOOL":
          return Boolean(value);
        case "N":
          return convertNumber(value, options);
        case "B":
          return binary(value);
        case "S":
          return String(value);
        case "L":
          return value.map((v) => convertToNative(v, options));
        case "M": {
          const out = {};
          const names = Object.keys(value);
          for (let j = 0; j < names.length; j++) out[names[j]] = convertToNative(value[names[j]], options);
          return out;
        }
        case "NS":
          return new Set(value.map((v) => convertNumber(v, options)));
        case "BS":
          return new Set(value.map(binary));
        case "SS":
          return new Set(value.map(String));
        default:
          throw new Error(`Unsupported type passed: ${key}`);
      }
    }
    throw new Error(`No value defined: ${JSON.stringify(data)}`);
  }

  // convertToNative for attribute values from the wire (the document
  // client's outputs, parsed from the engine's answer), where each has
  // exactly one field: read by name, without listing its keys (an
  // Object.keys for every value was a tenth of a GetCommand). Anything
  // else goes the general way.
  function wireToNative(av, options) {
    let v;
    if ((v = av.S) !== undefined) return typeof v === "string" ? v : String(v);
    if ((v = av.N) !== undefined) return convertNumber(v, options);
    if ((v = av.M) !== undefined && v !== null && typeof v === "object") return wireMap(v, options);
    if ((v = av.L) !== undefined && Array.isArray(v)) {
      const out = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = wireToNative(v[i], options);
      return out;
    }
    if ((v = av.BOOL) !== undefined) return Boolean(v);
    return convertToNative(av, options);
  }

  function wireMap(map, options) {
    const out = {};
    const names = Object.keys(map);
    for (let j = 0; j < names.length; j++) out[names[j]] = wireToNative(map[names[j]], options);
    return out;
  }

  function marshall(data, options) {
    const av = convertToAttr(data, options);
    const key = Object.keys(av)[0];
    const value = av[key];
    if ((key === "M" || key === "L") && !(options && options.convertTopLevelContainer)) return value;
    return av;
  }

  function unmarshall(data, options) {
    if (options && options.convertWithoutMapWrapper) return convertToNative(data, options);
    return convertToNative({ M: data }, options);
  }

  const utilDynamodb = { marshall, unmarshall, convertToAttr, convertToNative, NumberValue };
  sdk["@aws-sdk/util-dynamodb"] = utilDynamodb;

  // ------------------------------------------------------------ client-dynamodb
  const DYNAMODB_OPERATIONS = [
    "BatchExecuteStatement", "BatchGetItem", "BatchWriteItem", "CreateBackup", "CreateGlobalTable", "CreateTable",
    "DeleteBackup", "DeleteItem", "DeleteResourcePolicy", "DeleteTable", "DescribeBackup", "DescribeContinuousBackups",
    "DescribeContributorInsights", "DescribeEndpoints", "DescribeExport", "DescribeGlobalTable",
    "DescribeGlobalTableSettings", "DescribeImport", "DescribeKinesisStreamingDestination", "DescribeLimits",
    "DescribeTable", "DescribeTableReplicaAutoScaling", "DescribeTimeToLive", "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination", "ExecuteStatement", "ExecuteTransaction", "ExportTableToPointInTime",
    "GetItem", "GetResourcePolicy", "ImportTable", "ListBackups", "ListContributorInsights", "ListExports",
    "ListGlobalTables", "ListImports", "ListTables", "ListTagsOfResource", "PutItem", "PutResourcePolicy", "Query",
    "RestoreTableFromBackup", "RestoreTableToPointInTime", "Scan", "TagResource", "TransactGetItems",
    "TransactWriteItems", "UntagResource", "UpdateContinuousBackups", "UpdateContributorInsights", "UpdateGlobalTable",
    "UpdateGlobalTableSettings", "UpdateItem", "UpdateKinesisStreamingDestination", "UpdateTable",
    "UpdateTableReplicaAutoScaling", "UpdateTimeToLive",
  ];

  const DYNAMODB_EXCEPTIONS = [
    "BackupInUseException", "BackupNotFoundException", "ConditionalCheckFailedException", "ContinuousBackupsUnavailableException",
    "DuplicateItemException", "ExportConflictException", "ExportNotFoundException", "GlobalTableAlreadyExistsException",
    "GlobalTableNotFoundException", "IdempotentParameterMismatchException", "ImportConflictException", "ImportNotFoundException",
    "IndexNotFoundException", "InternalServerError", "InvalidEndpointException", "InvalidExportTimeException",
    "InvalidRestoreTimeException", "ItemCollectionSizeLimitExceededException", "LimitExceededException",
    "PointInTimeRecoveryUnavailableException", "PolicyNotFoundException", "ProvisionedThroughputExceededException",
    "ReplicaAlreadyExistsException", "ReplicaNotFoundException", "RequestLimitExceeded", "ResourceInUseException",
    "ResourceNotFoundException", "TableAlreadyExistsException", "TableInUseException", "TableNotFoundException",
    "TransactionCanceledException", "TransactionConflictException", "TransactionInProgressException",
  ];

  class DynamoDBServiceException extends ServiceException {}
  const dynamodbErrors = {};
  for (const name of DYNAMODB_EXCEPTIONS) {
    dynamodbErrors[name] = {
      [name]: class extends DynamoDBServiceException {
        constructor(opts) {
          super(Object.assign({ name, $fault: name === "InternalServerError" ? "server" : "client" }, opts));
        }
      },
    }[name];
  }

  // Uint8Array values go out as base64, as the SDK's JSON protocol sends B.
  function toJson(input) {
    return JSON.stringify(input, function (key, value) {
      const raw = this[key];
      if (raw instanceof Uint8Array) return base64Encode(raw);
      if (raw instanceof ArrayBuffer) return base64Encode(new Uint8Array(raw));
      return value;
    });
  }

  // B and BS come back as Uint8Array.
  function decodeBinary(value) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = decodeBinary(value[i]);
      return value;
    }
    if (value && typeof value === "object") {
      for (const k of Object.keys(value)) {
        const v = value[k];
        if (k === "B" && typeof v === "string") value[k] = base64Decode(v);
        else if (k === "BS" && Array.isArray(v) && v.every((x) => typeof x === "string")) value[k] = v.map(base64Decode);
        else decodeBinary(v);
      }
    }
    return value;
  }

  // Timestamps (CreationDateTime, LastIncreaseDateTime...) come back as
  // Date objects, as the SDK's deserializer makes them; items' attributes
  // are attribute-value objects, never bare numbers, so they are left alone.
  function decodeDates(value) {
    if (Array.isArray(value)) value.forEach(decodeDates);
    else if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
      for (const k of Object.keys(value)) {
        const v = value[k];
        if (typeof v === "number" && /(DateTime|Time)$/.test(k)) value[k] = new Date(Math.round(v * 1000));
        else decodeDates(v);
      }
    }
    return value;
  }

  function dynamodbError(res) {
    let body = {};
    try {
      body = JSON.parse(res.body) || {};
    } catch (e) {
      body = { message: res.body };
    }
    const type = String(body.__type || res.headers["x-amzn-errortype"] || "UnknownError");
    const name = type.slice(type.lastIndexOf("#") + 1).split(":")[0];
    const message = body.message || body.Message || name;
    const Ctor = dynamodbErrors[name] || DynamoDBServiceException;
    const err = new Ctor({ name, message, $fault: res.status >= 500 ? "server" : "client", $metadata: metadata(res) });
    if (err.name !== name) err.name = name;
    for (const k of Object.keys(body)) if (k !== "__type" && k !== "message") err[k] = decodeBinary(body[k]);
    if (body.Message !== undefined) err.message = body.Message;
    err.__type = type;
    return err;
  }

  // Whether an answer may hold binary values or timestamps to decode: the
  // walks over it are skipped when its text shows neither. Plain substring
  // searches, wider than the fields they look for (a "B" or "BS" key, a key
  // ending in Time): a false hit costs only the walk, which decides for
  // itself. (Regular expressions did the same a few times slower: QuickJS's
  // engine tries every position of the body: 5 % of a small call.)
  const mayHoldBinary = (text) => text.includes('"B"') || text.includes('"BS"');
  const mayHoldTime = (text) => text.includes('Time"');

  // A DynamoDB call's answer: {status, headers, body} from native.http (or
  // native.dynamodb, when it left the answer to this file), or the result
  // itself, with its $metadata, when native.dynamodb read it. The result,
  // with $metadata, or the error it throws.
  function dynamodbResult(res) {
    if (res.$metadata !== undefined) return res;
    if (res.status >= 300 || res.status === 0) throw dynamodbError(res);
    let out = {};
    if (res.body) {
      out = JSON.parse(res.body);
      if (mayHoldBinary(res.body)) decodeBinary(out);
      if (mayHoldTime(res.body)) decodeDates(out);
    }
    out.$metadata = metadata(res);
    return out;
  }

  // Sends a request body the shim wrote.
  const dynamodbSend = (operation, body) =>
    httpCall("POST", "/_aws/dynamodb/", { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810." + operation }, body);

  // A low-level command's call. native.dynamodb writes the input and reads
  // the answer in Rust (src/wire.rs), or returns undefined, having sent
  // nothing, for an input it leaves to the JavaScript here (binary values,
  // class instances, toJSON...), which does the same exactly.
  function dynamodbCall(operation, input) {
    return dynamodbResult(native.dynamodb(operation, input, undefined, false) || dynamodbSend(operation, toJson(input)));
  }

  class DynamoDBClient extends Client {}
  class DynamoDBCommand extends Command {
    _run(client) {
      if (client instanceof DynamoDBDocumentClient) client = client._client;
      if (!(client instanceof DynamoDBClient)) throw new TypeError(`${this.constructor.name} must be sent with a DynamoDBClient`);
      return dynamodbCall(this.constructor._operation, this.input);
    }
  }

  const clientDynamodb = {
    DynamoDBClient,
    DynamoDBServiceException,
    ServiceException,
    __Client: Client,
    __Command: Command,
  };
  Object.assign(clientDynamodb, dynamodbErrors);
  for (const op of DYNAMODB_OPERATIONS) {
    const name = op + "Command";
    const Cmd = { [name]: class extends DynamoDBCommand {} }[name];
    Cmd._operation = op;
    clientDynamodb[name] = Cmd;
  }

  // The aggregated client: new DynamoDB({}).getItem({...}).
  class DynamoDB extends DynamoDBClient {}
  for (const op of DYNAMODB_OPERATIONS) {
    const Cmd = clientDynamodb[op + "Command"];
    DynamoDB.prototype[op[0].toLowerCase() + op.slice(1)] = function (input, optionsOrCb, cb) {
      return this.send(new Cmd(input), optionsOrCb, cb);
    };
  }
  clientDynamodb.DynamoDB = DynamoDB;

  // Paginators: for await (const page of paginateScan({ client }, input)).
  function paginator(Cmd, inputToken, outputToken, pageSizeKey) {
    return async function* (config, input) {
      let token = config.startingToken;
      let first = true;
      while (first || token) {
        first = false;
        const pageInput = Object.assign({}, input);
        if (token) pageInput[inputToken] = token;
        if (config.pageSize !== undefined) pageInput[pageSizeKey] = config.pageSize;
        const page = await config.client.send(new Cmd(pageInput));
        yield page;
        const next = page[outputToken];
        if (config.stopOnSameToken && next === token) break;
        token = next;
      }
      return undefined;
    };
  }
  clientDynamodb.paginateScan = paginator(clientDynamodb.ScanCommand, "ExclusiveStartKey", "LastEvaluatedKey", "Limit");
  clientDynamodb.paginateQuery = paginator(clientDynamodb.QueryCommand, "ExclusiveStartKey", "LastEvaluatedKey", "Limit");
  clientDynamodb.paginateListTables = paginator(clientDynamodb.ListTablesCommand, "ExclusiveStartTableName", "LastEvaluatedTableName", "Limit");

  // Waiters: poll DescribeTable until the table is ACTIVE (or gone).
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  function waiter(wantExists) {
    return async function (params, input) {
      const client = params.client;
      const deadline = Date.now() + (params.maxWaitTime || 120) * 1000;
      const delay = (params.minDelay || (wantExists ? 20 : 20)) * 1000;
      for (let attempt = 0; ; attempt++) {
        let reason;
        try {
          const out = await client.send(new clientDynamodb.DescribeTableCommand({ TableName: input.TableName }));
          reason = out;
          if (wantExists && out.Table && out.Table.TableStatus === "ACTIVE") return { state: "SUCCESS", reason };
        } catch (err) {
          reason = err;
          if (err.name === "ResourceNotFoundException" && !wantExists) return { state: "SUCCESS", reason };
          if (err.name !== "ResourceNotFoundException") throw err;
        }
        if (Date.now() + (attempt === 0 ? 0 : delay) > deadline) {
          const e = new Error(`Exceeded max wait time for table ${input.TableName} to ${wantExists ? "exist" : "not exist"}`);
          e.name = "TimeoutError";
          e.state = "TIMEOUT";
          e.reason = reason;
          throw e;
        }
        await sleep(attempt === 0 ? 1000 : delay);
      }
    };
  }
  clientDynamodb.waitUntilTableExists = waiter(true);
  clientDynamodb.waitUntilTableNotExists = waiter(false);
  clientDynamodb.waitForTableExists = clientDynamodb.waitUntilTableExists;
  clientDynamodb.waitForTableNotExists = clientDynamodb.waitUntilTableNotExists;
  Object.assign(clientDynamodb, {
    AttributeAction: { ADD: "ADD", DELETE: "DELETE", PUT: "PUT" },
    BillingMode: { PAY_PER_REQUEST: "PAY_PER_REQUEST", PROVISIONED: "PROVISIONED" },
    KeyType: { HASH: "HASH", RANGE: "RANGE" },
    ProjectionType: { ALL: "ALL", INCLUDE: "INCLUDE", KEYS_ONLY: "KEYS_ONLY" },
    ReturnValue: { ALL_NEW: "ALL_NEW", ALL_OLD: "ALL_OLD", NONE: "NONE", UPDATED_NEW: "UPDATED_NEW", UPDATED_OLD: "UPDATED_OLD" },
    ScalarAttributeType: { B: "B", N: "N", S: "S" },
    Select: { ALL_ATTRIBUTES: "ALL_ATTRIBUTES", ALL_PROJECTED_ATTRIBUTES: "ALL_PROJECTED_ATTRIBUTES", COUNT: "COUNT", SPECIFIC_ATTRIBUTES: "SPECIFIC_ATTRIBUTES" },
    StreamViewType: { KEYS_ONLY: "KEYS_ONLY", NEW_AND_OLD_IMAGES: "NEW_AND_OLD_IMAGES", NEW_IMAGE: "NEW_IMAGE", OLD_IMAGE: "OLD_IMAGE" },
    TableStatus: { ACTIVE: "ACTIVE", CREATING: "CREATING", DELETING: "DELETING", UPDATING: "UPDATING" },
    ReturnConsumedCapacity: { INDEXES: "INDEXES", NONE: "NONE", TOTAL: "TOTAL" },
  });
  sdk["@aws-sdk/client-dynamodb"] = clientDynamodb;

  // ------------------------------------------------------------ lib-dynamodb
  // What each document command marshalls in its input and unmarshalls in
  // its output, by the paths where attribute maps sit.
  const mapObj = (obj, fn) => {
    if (!obj || typeof obj !== "object") return obj;
    const out = {};
    for (const k of Object.keys(obj)) out[k] = fn(obj[k], k);
    return out;
  };
  const mapList = (list, fn) => (Array.isArray(list) ? list.map(fn) : list);

  // The input fields that hold attribute maps, and those holding
  // conditions with attribute values (indexed loops over arrays made once:
  // a document command runs this for every call).
  const MAP_FIELDS = ["Key", "Item", "ExpressionAttributeValues", "ExclusiveStartKey"];
  const CONDITION_FIELDS = ["KeyConditions", "QueryFilter", "ScanFilter"];
  function marshallInput(input, m) {
    const out = Object.assign({}, input);
    for (let i = 0; i < MAP_FIELDS.length; i++) {
      const key = MAP_FIELDS[i];
      if (out[key] !== undefined) out[key] = m.map(out[key]);
    }
    if (out.AttributeUpdates) {
      out.AttributeUpdates = mapObj(out.AttributeUpdates, (u) => (u && u.Value !== undefined ? Object.assign({}, u, { Value: m.value(u.Value) }) : u));
    }
    if (out.Expected) {
      out.Expected = mapObj(out.Expected, (e) => {
        const r = Object.assign({}, e);
        if (r.Value !== undefined) r.Value = m.value(r.Value);
        if (r.AttributeValueList) r.AttributeValueList = r.AttributeValueList.map(m.value);
        return r;
      });
    }
    for (let i = 0; i < CONDITION_FIELDS.length; i++) {
      const key = CONDITION_FIELDS[i];
      if (out[key]) out[key] = mapObj(out[key], (c) => (c && c.AttributeValueList ? Object.assign({}, c, { AttributeValueList: c.AttributeValueList.map(m.value) }) : c));
    }
    if (out.Parameters) out.Parameters = out.Parameters.map(m.value);
    return out;
  }

  const OUTPUT_MAP_FIELDS = ["Item", "Attributes", "LastEvaluatedKey"];
  function unmarshallOutput(output, u) {
    const out = Object.assign({}, output);
    for (let i = 0; i < OUTPUT_MAP_FIELDS.length; i++) {
      const key = OUTPUT_MAP_FIELDS[i];
      if (out[key]) out[key] = u.map(out[key]);
    }
    if (out.Items) out.Items = out.Items.map(u.map);
    return out;
  }

  const DOC_COMMANDS = {
    Get: {
      op: "GetItem",
    },
    Put: { op: "PutItem" },
    Update: { op: "UpdateItem" },
    Delete: { op: "DeleteItem" },
    Query: { op: "Query" },
    Scan: { op: "Scan" },
    BatchGet: {
      op: "BatchGetItem",
      input: (input, m) =>
        Object.assign({}, input, {
          RequestItems: mapObj(input.RequestItems, (r) => Object.assign({}, r, { Keys: mapList(r.Keys, m.map) })),
        }),
      output: (out, u) => {
        const r = Object.assign({}, out);
        if (r.Responses) r.Responses = mapObj(r.Responses, (items) => items.map(u.map));
        if (r.UnprocessedKeys) r.UnprocessedKeys = mapObj(r.UnprocessedKeys, (k) => Object.assign({}, k, { Keys: mapList(k.Keys, u.map) }));
        return r;
      },
    },
    BatchWrite: {
      op: "BatchWriteItem",
      input: (input, m) => Object.assign({}, input, { RequestItems: mapObj(input.RequestItems, (list) => list.map((w) => writeRequest(w, m.map))) }),
      output: (out, u) => {
        const r = Object.assign({}, out);
        if (r.UnprocessedItems) r.UnprocessedItems = mapObj(r.UnprocessedItems, (list) => list.map((w) => writeRequest(w, u.map)));
        if (r.ItemCollectionMetrics) r.ItemCollectionMetrics = mapObj(r.ItemCollectionMetrics, (list) => list.map((x) => (x.ItemCollectionKey ? Object.assign({}, x, { ItemCollectionKey: u.map(x.ItemCollectionKey) }) : x)));
        return r;
      },
    },
    TransactGet: {
      op: "TransactGetItems",
      input: (input, m) => Object.assign({}, input, { TransactItems: mapList(input.TransactItems, (t) => (t.Get ? { Get: marshallInput(t.Get, m) } : t)) }),
      output: (out, u) => Object.assign({}, out, out.Responses ? { Responses: out.Responses.map((r) => (r && r.Item ? Object.assign({}, r, { Item: u.map(r.Item) }) : r)) } : {}),
    },
    TransactWrite: {
      op: "TransactWriteItems",
      input: (input, m) =>
        Object.assign({}, input, {
          TransactItems: mapList(input.TransactItems, (t) => mapObj(t, (part) => marshallInput(part, m))),
        }),
    },
    ExecuteStatement: { op: "ExecuteStatement" },
    BatchExecuteStatement: {
      op: "BatchExecuteStatement",
      input: (input, m) => Object.assign({}, input, { Statements: mapList(input.Statements, (s) => marshallInput(s, m)) }),
      output: (out, u) =>
        Object.assign({}, out, {
          Responses: mapList(out.Responses, (r) => {
            const x = Object.assign({}, r);
            if (x.Item) x.Item = u.map(x.Item);
            if (x.Error && x.Error.Item) x.Error = Object.assign({}, x.Error, { Item: u.map(x.Error.Item) });
            return x;
          }),
        }),
    },
    ExecuteTransaction: {
      op: "ExecuteTransaction",
      input: (input, m) => Object.assign({}, input, { TransactStatements: mapList(input.TransactStatements, (s) => marshallInput(s, m)) }),
      output: (out, u) => Object.assign({}, out, out.Responses ? { Responses: out.Responses.map((r) => (r && r.Item ? Object.assign({}, r, { Item: u.map(r.Item) }) : r)) } : {}),
    },
  };

  function writeRequest(w, fn) {
    const r = Object.assign({}, w);
    if (r.PutRequest) r.PutRequest = Object.assign({}, r.PutRequest, { Item: fn(r.PutRequest.Item) });
    if (r.DeleteRequest) r.DeleteRequest = Object.assign({}, r.DeleteRequest, { Key: fn(r.DeleteRequest.Key) });
    return r;
  }

  class DynamoDBDocumentClient extends Client {
    constructor(client, translateConfig) {
      super(client ? client.config : {});
      this._client = client;
      this.config.translateConfig = translateConfig || {};
    }
    static from(client, translateConfig) {
      return new DynamoDBDocumentClient(client, translateConfig);
    }
    destroy() {}
  }

  // How a document client marshalls its commands' inputs and unmarshalls
  // their outputs, with its translateConfig's options: made once for each
  // pair of options objects (the options are read at each call, so a change
  // to one of them is seen).
  const translatorsKept = new WeakMap();
  function translators(client) {
    const t = client.config.translateConfig || {};
    // Compared as given: `|| {}` makes a new object each time, which would
    // never match (it did not, until 2026-12-03: a tenth of a GetCommand).
    const given = t.marshallOptions;
    const givenU = t.unmarshallOptions;
    const kept = translatorsKept.get(client);
    if (kept && kept.given === given && kept.givenU === givenU) return kept;
    const mo = given || {};
    const uo = givenU || {};
    // marshall(v, {...mo, convertTopLevelContainer: false}) without the copy:
    // convertToAttr does not read that option.
    const map = (v) => {
      if (v === undefined) return v;
      const av = convertToAttr(v, mo);
      return av.M !== undefined ? av.M : av.L !== undefined ? av.L : av;
    };
    const made = {
      given,
      givenU,
      mo,
      uo,
      m: { map, value: (v) => convertToAttr(v, mo) },
      u: {
        map: (v) => (v === undefined ? v : uo.convertWithoutMapWrapper ? convertToNative(v, uo) : wireMap(v, uo)),
        value: (v) => convertToNative(v, uo),
      },
    };
    translatorsKept.set(client, made);
    return made;
  }

  class DocumentCommand extends Command {
    _run(client) {
      if (client instanceof DynamoDBDocumentClient) {
        const spec = this.constructor._spec;
        const { m, u, mo, uo } = translators(client);
        // The commands whose fields marshallInput and unmarshallOutput
        // cover go through native.dynamodb, which marshalls and
        // unmarshalls as they do, in Rust (with the default
        // unmarshallOptions), or declines and sends nothing.
        let res;
        let unmarshalled = false;
        if (!spec.input) {
          unmarshalled = !spec.output && !uo.wrapNumbers && !uo.convertWithoutMapWrapper;
          res = native.dynamodb(spec.op, this.input, mo, unmarshalled);
        }
        if (res === undefined) {
          const seen = binarySeen;
          const input = spec.input ? spec.input(this.input, m) : marshallInput(this.input, m);
          res = dynamodbSend(spec.op, binarySeen !== seen ? toJson(input) : JSON.stringify(input));
        }
        if (unmarshalled && res.$metadata !== undefined) return res;
        const raw = dynamodbResult(res);
        const out = spec.output ? spec.output(raw, u) : unmarshallOutput(raw, u);
        out.$metadata = raw.$metadata;
        return out;
      }
      throw new TypeError(`${this.constructor.name} must be sent with a DynamoDBDocumentClient (DynamoDBDocumentClient.from(new DynamoDBClient({})))`);
    }
  }

  const libDynamodb = { DynamoDBDocumentClient, NumberValue, marshallOptions: {}, unmarshallOptions: {} };
  for (const name of Object.keys(DOC_COMMANDS)) {
    const cls = name + "Command";
    const Cmd = { [cls]: class extends DocumentCommand {} }[cls];
    Cmd._spec = DOC_COMMANDS[name];
    libDynamodb[cls] = Cmd;
  }
  libDynamodb.paginateScan = paginator(libDynamodb.ScanCommand, "ExclusiveStartKey", "LastEvaluatedKey", "Limit");
  libDynamodb.paginateQuery = paginator(libDynamodb.QueryCommand, "ExclusiveStartKey", "LastEvaluatedKey", "Limit");

  // The aggregated document client: DynamoDBDocument.from(client).get({...}).
  class DynamoDBDocument extends DynamoDBDocumentClient {
    static from(client, translateConfig) {
      return new DynamoDBDocument(client, translateConfig);
    }
  }
  for (const name of Object.keys(DOC_COMMANDS)) {
    const Cmd = libDynamodb[name + "Command"];
    DynamoDBDocument.prototype[name[0].toLowerCase() + name.slice(1)] = function (input, optionsOrCb, cb) {
      return this.send(new Cmd(input), optionsOrCb, cb);
    };
  }
  libDynamodb.DynamoDBDocument = DynamoDBDocument;
  sdk["@aws-sdk/lib-dynamodb"] = libDynamodb;

  // ------------------------------------------------------------ client-lambda
  class LambdaServiceException extends ServiceException {}
  const LAMBDA_EXCEPTIONS = [
    "CodeStorageExceededException", "EC2ThrottledException", "InvalidParameterValueException", "InvalidRequestContentException",
    "InvalidRuntimeException", "PreconditionFailedException", "RecursiveInvocationException", "RequestTooLargeException",
    "ResourceConflictException", "ResourceNotFoundException", "ResourceNotReadyException", "ServiceException",
    "TooManyRequestsException", "UnsupportedMediaTypeException",
  ];
  const lambdaErrors = {};
  for (const name of LAMBDA_EXCEPTIONS) {
    lambdaErrors[name] = {
      [name]: class extends LambdaServiceException {
        constructor(opts) {
          super(Object.assign({ name, $fault: name === "ServiceException" ? "server" : "client" }, opts));
        }
      },
    }[name];
  }

  // The SDK's Payload type: bytes that can say themselves as a string.
  class Uint8ArrayBlobAdapter extends Uint8Array {
    static fromString(source, encoding = "utf-8") {
      const bytes = encoding === "base64" ? base64Decode(source) : utf8Encode(source);
      return Uint8ArrayBlobAdapter.mutate(bytes);
    }
    static mutate(source) {
      Object.setPrototypeOf(source, Uint8ArrayBlobAdapter.prototype);
      return source;
    }
    transformToString(encoding = "utf-8") {
      return encoding === "base64" ? base64Encode(this) : utf8Decode(this);
    }
  }

  function lambdaError(res) {
    let body = {};
    try {
      body = JSON.parse(res.body) || {};
    } catch (e) {
      body = { Message: res.body };
    }
    const name = String(res.headers["x-amzn-errortype"] || body.__type || body.Type || "UnknownError").split(":")[0];
    const Ctor = lambdaErrors[name] || LambdaServiceException;
    const err = new Ctor({ name, message: body.Message || body.message || name, $fault: res.status >= 500 ? "server" : "client", $metadata: metadata(res) });
    if (err.name !== name) err.name = name;
    for (const k of Object.keys(body)) if (k !== "message") err[k] = body[k];
    return err;
  }

  class LambdaClient extends Client {}

  class InvokeCommand extends Command {
    _run(client) {
      const input = this.input;
      if (!input.FunctionName) throw new lambdaErrors.InvalidParameterValueException({ message: "FunctionName is required", $metadata: { attempts: 1, totalRetryDelay: 0 } });
      let payload = input.Payload === undefined ? "" : input.Payload;
      if (typeof payload !== "string") payload = utf8Decode(toUint8(payload));
      const qualifier = input.Qualifier ? "?Qualifier=" + encodeURIComponent(input.Qualifier) : "";
      const res = httpCall(
        "POST",
        `/_aws/lambda/2015-03-31/functions/${String(input.FunctionName).replace(/[ ?#]/g, encodeURIComponent)}/invocations${qualifier}`,
        {
          "content-type": "application/octet-stream",
          "x-amz-invocation-type": input.InvocationType,
          "x-amz-log-type": input.LogType,
          "x-amz-client-context": input.ClientContext,
        },
        payload
      );
      if (res.status >= 300 || res.status === 0) throw lambdaError(res);
      return {
        $metadata: metadata(res),
        StatusCode: res.status,
        FunctionError: res.headers["x-amz-function-error"],
        LogResult: res.headers["x-amz-log-result"],
        ExecutedVersion: res.headers["x-amz-executed-version"],
        Payload: Uint8ArrayBlobAdapter.fromString(res.body),
      };
    }
  }

  class Lambda extends LambdaClient {
    invoke(input, optionsOrCb, cb) {
      return this.send(new InvokeCommand(input), optionsOrCb, cb);
    }
  }

  const clientLambda = Object.assign(
    {
      LambdaClient,
      Lambda,
      InvokeCommand,
      LambdaServiceException,
      LogType: { None: "None", Tail: "Tail" },
      InvocationType: { DryRun: "DryRun", Event: "Event", RequestResponse: "RequestResponse" },
      Uint8ArrayBlobAdapter,
    },
    lambdaErrors
  );
  sdk["@aws-sdk/client-lambda"] = clientLambda;
});
