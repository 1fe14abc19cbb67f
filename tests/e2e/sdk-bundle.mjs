// Bundles the real AWS SDK for JavaScript v3 (DynamoDB client and document
// client) for the browser with esbuild, so a test can inject it into a page
// and call the cloud from there exactly as a web app would: the SDK's own
// browser fetch handler, through the service worker, to the tab.
//
// sdkBundle() resolves to one IIFE script that sets window.StratusSdkTest to
// every export of @aws-sdk/client-dynamodb (clients, commands, paginators,
// waiters, exception classes) and the document client; every export of
// @aws-sdk/lib-dynamodb (its commands and paginators) is under
// StratusSdkTest.doc, because some of its names are the low-level client's
// too (QueryCommand, ScanCommand, paginateQuery) and take plain JS values.
// @aws-sdk/client-apigatewayv2 is under StratusSdkTest.apigatewayv2.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));

const entry = `
import * as dynamodb from "@aws-sdk/client-dynamodb";
import * as doc from "@aws-sdk/lib-dynamodb";
import * as apigatewayv2 from "@aws-sdk/client-apigatewayv2";
window.StratusSdkTest = {
  ...dynamodb,
  DynamoDBDocumentClient: doc.DynamoDBDocumentClient,
  DynamoDBDocument: doc.DynamoDBDocument,
  doc,
  apigatewayv2,
};
`;

let cached;

export function sdkBundle() {
  cached ??= build({
    stdin: { contents: entry, resolveDir: here, sourcefile: "stratus-sdk-entry.js", loader: "js" },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    // Error names come from class fields, but keep them readable in stacks.
    keepNames: true,
    legalComments: "none",
    logLevel: "silent",
  }).then((result) => {
    if (result.errors.length) throw new Error("esbuild: " + result.errors.map((e) => e.text).join("\n"));
    return result.outputFiles[0].text;
  });
  return cached;
}
