// The quickstarts of README.md, as a new user runs them: each block copied
// verbatim into an empty directory outside the repository, the package
// installed from the tarball in dist/ (`make dist-typescript`) with what the
// README says to install, type-checked with `tsc --strict`, and run against
// `telegent-facade --dev`: the Node program with node, the browser program
// bundled with esbuild and loaded in headless Chromium from an origin the
// facade allows.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DevFacade, repoRoot } from "./harness.js";
import { Chromium, chromiumPath, haveChromium, type PageOutput } from "./chromium.js";

const clientDir = resolve(repoRoot, "clients/typescript");
const readme = await readFile(join(clientDir, "README.md"), "utf8");

/** The fenced block after `<!-- quickstart:NAME -->` in README.md, verbatim. */
function block(name: string): string {
  const m = new RegExp(`<!-- quickstart:${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
  assert.ok(m?.[1] !== undefined, `README.md has no block marked quickstart:${name}`);
  return m[1];
}

/** The tarball `make dist-typescript` wrote. */
function tarball(): string {
  const dist = join(repoRoot, "dist");
  const found = existsSync(dist) ? readdirSync(dist).filter((f) => /^telegent-facade-client-.*\.tgz$/.test(f)) : [];
  assert.equal(found.length, 1, `want one telegent-facade-client-*.tgz in ${dist} (make dist-typescript), found ${found.join(", ")}`);
  return join(dist, found[0] ?? "");
}

/** Runs a README shell block in dir, with /path/to/telegent-facade meaning this repository. */
function sh(dir: string, script: string, env: Record<string, string> = {}): Promise<string> {
  const commands = script.replaceAll("/path/to/telegent-facade", repoRoot);
  return new Promise((resolveRun, reject) => {
    execFile(
      "sh",
      ["-e", "-c", commands],
      {
        cwd: dir,
        // A bound on a hang (a stalled download), not a timing assertion.
        timeout: 600_000,
        maxBuffer: 16 << 20,
        env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false", ...env },
      },
      (err, stdout, stderr) => {
        if (err !== null) {
          reject(new Error(`${commands}\nfailed: ${err.message}\n${stdout}\n${stderr}`));
          return;
        }
        resolveRun(stdout);
      },
    );
  });
}

function semver(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  assert.ok(m, `not a version: ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * The case this guards: the application's @bufbuild/protobuf is newer than
 * the one the client was built with, and there is one copy of it.
 */
async function checkOneNewerProtobuf(dir: string): Promise<void> {
  const built = JSON.parse(await readFile(join(clientDir, "package.json"), "utf8")).devDependencies["@bufbuild/protobuf"] as string;
  const installed = JSON.parse(await readFile(join(dir, "node_modules/@bufbuild/protobuf/package.json"), "utf8")).version as string;
  const [a, b] = [semver(installed), semver(built)];
  assert.ok(a[0] === b[0] && (a[1] > b[1] || (a[1] === b[1] && a[2] > b[2])), `installed @bufbuild/protobuf ${installed}, built with ${built}: want a newer 2.x`);
  assert.ok(!existsSync(join(dir, "node_modules/@telegent-facade/client/node_modules")), "the client brought its own copies of its dependencies");
}

/** What every quickstart prints, whichever the transport. */
function checkOutput(lines: string[]): void {
  const text = lines.join("\n");
  for (const want of [
    /^refused: InvalidArgument$/m,
    /^violation: account_id \(account_id\.format\): \S/m,
    /^violation: subscribed_events \(repeated\.min_items\): \S/m,
    /^violation: authentication_token \(authentication_token\.required_for_token\): \S/m,
    /^created: WID-\w+ \(recovered: false\)$/m,
    /^got: WID-\w+ https:\/\/hooks\.example\.com\/telegent NEW_SMS,CALL_COMPLETED$/m,
    /^updated: WID-\w+ password set: true$/m,
    /^deleted: WID-\w+$/m,
  ]) {
    assert.match(text, want);
  }
  assert.equal(lines.filter((l) => l.startsWith("violation: ")).length, 3, text);
  const id = /^created: (WID-\w+)/m.exec(text)?.[1];
  // A fresh facade: the account holds this webhook only.
  assert.deepEqual(
    lines.filter((l) => l.startsWith("listed: ")),
    [`listed: ${id} https://hooks.example.com/telegent`],
    text,
  );
  for (const step of ["got", "updated", "deleted"]) {
    assert.ok(lines.some((l) => l.startsWith(`${step}: ${id}`)), `${step} names another webhook than ${id}:\n${text}`);
  }
  assert.deepEqual(
    lines.filter((l) => l.startsWith("after delete: ")),
    ["after delete: NotFound (WEBHOOK_NOT_FOUND)", "after delete: NotFound (WEBHOOK_NOT_FOUND)"],
    text,
  );
  assert.doesNotMatch(text, /s3cret/, "a password came back");
}

/** The page is done once it wrote its last line: the second "after delete". */
const pageDone = (o: PageOutput) => o.console.filter((l) => l.startsWith("after delete: ")).length >= 2;

describe("README quickstarts", () => {
  const dirs: string[] = [];
  const newDir = async (name: string) => {
    const dir = await mkdtemp(join(tmpdir(), `telegent-facade-quickstart-${name}-`));
    dirs.push(dir);
    return dir;
  };
  let facades: DevFacade[] = [];
  before(() => {
    tarball();
  });
  after(async () => {
    await Promise.all(facades.map((f) => f.stop()));
    facades = [];
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  test("the tarball is a publishable package versioned from VERSION", async () => {
    const pkg = JSON.parse(await sh(tmpdir(), `tar -xzOf '${tarball()}' package/package.json`)) as Record<string, unknown>;
    const version = (await readFile(join(repoRoot, "VERSION"), "utf8")).trim();
    assert.equal(pkg["version"], version);
    assert.equal(pkg["private"], undefined);
    assert.equal(pkg["dependencies"], undefined, "a dependency would give the application a second copy");
    assert.equal(pkg["devDependencies"], undefined);
    assert.equal(pkg["scripts"], undefined);
    const peers = pkg["peerDependencies"] as Record<string, string>;
    for (const name of ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-node", "@connectrpc/connect-web"]) {
      assert.match(peers[name] ?? "", /^\^2\./, `peer ${name}`);
    }
    const files = (await sh(tmpdir(), `tar -tzf '${tarball()}'`)).split("\n");
    for (const entry of ["index", "node", "web"]) {
      assert.ok(files.includes(`package/dist/src/${entry}.js`), `no dist/src/${entry}.js`);
      assert.ok(files.includes(`package/dist/src/${entry}.d.ts`), `no dist/src/${entry}.d.ts`);
    }
  });

  test("Node.js: installs from dist/, type-checks with tsc --strict, runs against --dev", async () => {
    const dir = await newDir("node");
    await sh(dir, block("node:setup"));
    await checkOneNewerProtobuf(dir);
    await writeFile(join(dir, "quickstart.ts"), block("node:program"));
    const facade = await DevFacade.start();
    facades.push(facade);
    const out = await sh(dir, block("node:run"), { FACADE_GRPC_URL: facade.grpcUrl });
    checkOutput(out.trim().split("\n"));
  });

  test("browser: bundled with esbuild, loaded in Chromium from an allowed origin", async (t) => {
    if (!haveChromium()) {
      if (process.env["CI"]) {
        assert.fail(`${chromiumPath} not installed under CI (make browser-deps)`);
      }
      t.skip(`${chromiumPath} not installed (make browser-deps installs it)`);
      return;
    }
    const dir = await newDir("browser");
    await sh(dir, block("browser:setup"));
    await checkOneNewerProtobuf(dir);
    await writeFile(join(dir, "app.ts"), block("browser:program"));
    await writeFile(join(dir, "index.html"), block("browser:page"));
    await sh(dir, block("browser:build"));
    const bundle = await readFile(join(dir, "app.js"), "utf8");
    assert.doesNotMatch(bundle, /["']node:/, "the browser bundle imports a Node.js module");

    const types: Record<string, string> = { "/index.html": "text/html; charset=utf-8", "/app.js": "text/javascript; charset=utf-8" };
    const server: Server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const type = types[path];
      if (type === undefined) {
        res.writeHead(404).end();
        return;
      }
      void readFile(join(dir, path)).then((body) => res.writeHead(200, { "Content-Type": type }).end(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.after(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );
    const address = server.address();
    assert.ok(address !== null && typeof address === "object");
    const origin = `http://127.0.0.1:${address.port}`;

    const facade = await DevFacade.start(["--cors-allowed-origins", origin]);
    facades.push(facade);
    const chromium = Chromium.launch();
    t.after(() => chromium.close());
    const page = await chromium.run(`${origin}/index.html?facade=${encodeURIComponent(facade.httpUrl)}`, pageDone);
    assert.deepEqual(page.exceptions, [], `uncaught in the page:\n${page.exceptions.join("\n")}\nconsole:\n${page.console.join("\n")}`);
    checkOutput(page.console);
  });
});
