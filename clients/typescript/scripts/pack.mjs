// Packs the built client (dist/src, dist/gen, after `tsc`) into an npm
// tarball in the repository's dist/, versioned from the top-level VERSION
// file. The package is staged in a temporary directory so that the version
// is set there and package.json in the repository keeps its placeholder.
//
// Usage: node scripts/pack.mjs <destination directory>

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const clientDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(clientDir, "../..");
const dest = resolve(process.argv[2] ?? join(repoRoot, "dist"));

const version = readFileSync(join(repoRoot, "VERSION"), "utf8").trim();
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  throw new Error(`read VERSION: ${JSON.stringify(version)} is not a semantic version`);
}
for (const built of ["dist/src/index.js", "dist/src/index.d.ts", "dist/src/node.js", "dist/src/web.js"]) {
  if (!existsSync(join(clientDir, built))) {
    throw new Error(`pack client: ${built} missing; build with tsc first`);
  }
}

const pkg = JSON.parse(readFileSync(join(clientDir, "package.json"), "utf8"));
pkg.version = version;
// What a consumer needs: no build scripts (nothing to build on install) and
// no development dependencies.
delete pkg.scripts;
delete pkg.devDependencies;

const stage = mkdtempSync(join(tmpdir(), "telegent-facade-client-"));
try {
  writeFileSync(join(stage, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const path of pkg.files) {
    cpSync(join(clientDir, path), join(stage, path), { recursive: true });
  }
  mkdirSync(dest, { recursive: true });
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dest], { cwd: stage, encoding: "utf8" });
  const [{ filename }] = JSON.parse(out);
  console.log(join(dest, filename));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
