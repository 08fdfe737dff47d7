// Starts the real telegent-sim and telegent-facade binaries on free loopback
// ports for the tests, and stops them. The binaries come from FACADE_BIN and
// TELEGENT_SIM_BIN, by default the repository's .tmp/bin (`make build`).

import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";

// dist/test/harness.js -> the repository root.
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const facadeBin = process.env["FACADE_BIN"] ?? resolve(repoRoot, ".tmp/bin/telegent-facade");
const simBin = process.env["TELEGENT_SIM_BIN"] ?? resolve(repoRoot, ".tmp/bin/telegent-sim");

/** A free TCP port on 127.0.0.1: bound to port 0, read, released. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("listen: no port"));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

class Proc {
  private output = "";
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on("data", (b: Buffer) => (this.output += b.toString()));
    child.stderr?.on("data", (b: Buffer) => (this.output += b.toString()));
    this.exited = new Promise((r) => child.once("exit", () => r()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the process wrote so far, for failure messages. */
  log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.child.kill("SIGTERM");
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 30_000);
    await this.exited;
    clearTimeout(killer);
  }
}

// Polls url until it answers 200, the process dies, or 60 s pass (a loaded
// machine may take a while to start a Go binary).
async function waitReady(url: string, proc: Proc): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    if (!proc.running) {
      throw new Error(`${proc.name} exited before it was ready:\n${proc.log()}`);
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) {
      throw new Error(`${proc.name} not ready at ${url}:\n${proc.log()}`);
    }
    await delay(50);
  }
}

/** A running simulator and a facade in front of it. */
export class Stack {
  private constructor(
    private readonly sim: Proc,
    private readonly facade: Proc,
    /** The simulator's base URL, for its /_sim/ admin endpoints. */
    readonly simUrl: string,
    /** The facade's gRPC port as a base URL. */
    readonly grpcUrl: string,
    /** The facade's HTTP port as a base URL (REST, Connect, gRPC-Web, /readyz). */
    readonly httpUrl: string,
  ) {}

  /**
   * Starts a simulator and a facade in front of it. Free ports are found by
   * binding port 0 and releasing it, so another process may take one in
   * between: a start that fails on a taken port is tried again.
   */
  static async start(extraArgs: string[] = []): Promise<Stack> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Stack.startOnce(extraArgs);
      } catch (err) {
        if (attempt >= 3 || !/address already in use/.test(String(err))) {
          throw err;
        }
      }
    }
  }

  private static async startOnce(extraArgs: string[]): Promise<Stack> {
    const [simPort, grpcPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const simUrl = `http://127.0.0.1:${simPort}`;
    const sim = new Proc("telegent-sim", spawn(simBin, ["--addr", `127.0.0.1:${simPort}`], { stdio: "pipe" }));
    try {
      await waitReady(`${simUrl}/healthz`, sim);
    } catch (err) {
      await sim.stop();
      throw err;
    }
    const facade = new Proc(
      "telegent-facade",
      spawn(
        facadeBin,
        [
          "--grpc-addr",
          `127.0.0.1:${grpcPort}`,
          "--http-addr",
          `127.0.0.1:${httpPort}`,
          "--telegent-base-url",
          simUrl,
          "--shutdown-grace",
          "5s",
          ...extraArgs,
        ],
        {
          stdio: "pipe",
          env: {
            ...process.env,
            TELEGENT_ACCOUNT_KEY: "DID-sim-key",
            TELEGENT_ACCOUNT_SECRET: "sim-secret",
            // Readiness is probed by this harness alone: no need to linger after SIGTERM.
            SHUTDOWN_DELAY: "0s",
            LOG_LEVEL: "warn",
          },
        },
      ),
    );
    const stack = new Stack(sim, facade, simUrl, `http://127.0.0.1:${grpcPort}`, `http://127.0.0.1:${httpPort}`);
    try {
      await waitReady(`${stack.httpUrl}/readyz`, facade);
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  async stop(): Promise<void> {
    await this.facade.stop();
    await this.sim.stop();
  }

  /** How many webhooks the simulator stored with this WebhookUrl. */
  async createsFor(webhookUrl: string): Promise<number> {
    const res = await fetch(`${this.simUrl}/_sim/creates-by-url`);
    const byUrl = (await res.json()) as Record<string, number>;
    return byUrl[webhookUrl] ?? 0;
  }

  /** How many create calls reached the simulator, faulted or not. */
  async createsAttempted(): Promise<number> {
    const res = await fetch(`${this.simUrl}/_sim/counters`);
    return ((await res.json()) as { createsAttempted: number }).createsAttempted;
  }
}

/** A webhook URL no other test uses, with an optional simulator fault spec. */
export function hookUrl(fault?: string): string {
  const url = `https://hooks.example.com/${randomUUID()}`;
  return fault === undefined ? url : `${url}?sim-fault=${fault}`;
}

/** A facade running with --dev, on its embedded simulator, as `make run` starts it. */
export class DevFacade {
  private constructor(
    private readonly facade: Proc,
    /** The gRPC port as a base URL. */
    readonly grpcUrl: string,
    /** The HTTP port as a base URL (REST, Connect, gRPC-Web). */
    readonly httpUrl: string,
  ) {}

  /** Starts `telegent-facade --dev` on free ports, retrying a start that lost a port race. */
  static async start(extraArgs: string[] = []): Promise<DevFacade> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await DevFacade.startOnce(extraArgs);
      } catch (err) {
        if (attempt >= 3 || !/address already in use/.test(String(err))) {
          throw err;
        }
      }
    }
  }

  private static async startOnce(extraArgs: string[]): Promise<DevFacade> {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const facade = new Proc(
      "telegent-facade --dev",
      spawn(
        facadeBin,
        ["--dev", "--grpc-addr", `127.0.0.1:${grpcPort}`, "--http-addr", `127.0.0.1:${httpPort}`, "--shutdown-grace", "5s", ...extraArgs],
        { stdio: "pipe", env: { ...process.env, SHUTDOWN_DELAY: "0s", LOG_LEVEL: "warn" } },
      ),
    );
    const dev = new DevFacade(facade, `http://127.0.0.1:${grpcPort}`, `http://127.0.0.1:${httpPort}`);
    try {
      await waitReady(`${dev.httpUrl}/readyz`, facade);
    } catch (err) {
      await facade.stop();
      throw err;
    }
    return dev;
  }

  /** What the facade wrote so far, for failure messages. */
  log(): string {
    return this.facade.log();
  }

  async stop(): Promise<void> {
    await this.facade.stop();
  }
}
