// Headless Chromium (Debian's, installed by `make browser-deps`) driven over
// the DevTools protocol on a pipe (--remote-debugging-pipe: commands on fd 3,
// answers and events on fd 4, NUL-separated JSON), so no debugging port is
// opened and no driver package is needed.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

export const chromiumPath = "/usr/bin/chromium";

/** Whether Chromium is installed; tests skip without it, except under CI. */
export function haveChromium(): boolean {
  return existsSync(chromiumPath);
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** What a page wrote to its console and the exceptions it left uncaught. */
export interface PageOutput {
  readonly console: string[];
  readonly exceptions: string[];
}

export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Message) => void)[] = [];
  private readonly exited: Promise<void>;
  private stderr = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly userDataDir: string,
  ) {
    const input = child.stdio[4] as Readable;
    let buffered = "";
    input.setEncoding("utf8");
    input.on("data", (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf("\0"); end >= 0; end = buffered.indexOf("\0")) {
        this.dispatch(JSON.parse(buffered.slice(0, end)) as Message);
        buffered = buffered.slice(end + 1);
      }
    });
    child.stderr?.on("data", (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((r) => child.once("exit", () => r()));
    void this.exited.then(() => {
      for (const p of this.pending.values()) {
        p.reject(new Error(`chromium exited:\n${this.stderr}`));
      }
      this.pending.clear();
    });
  }

  /** Starts Chromium with the flags this machine needs (engineering guide, trap 17). */
  static launch(): Chromium {
    const userDataDir = mkdtempSync(join(tmpdir(), "chromium-profile-"));
    const child = spawn(
      chromiumPath,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${userDataDir}`,
        "--remote-debugging-pipe",
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    return new Chromium(child, userDataDir);
  }

  private dispatch(m: Message): void {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) {
        p?.reject(new Error(m.error.message));
      } else {
        p?.resolve(m.result ?? {});
      }
      return;
    }
    for (const l of this.listeners) {
      l(m);
    }
  }

  private send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const out = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      out.write(`${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`);
    });
  }

  /**
   * Opens url in a new tab and collects its console output and uncaught
   * exceptions until done(output) says enough, or the page hangs for
   * limitMs (a bound on a hang, not a timing assertion).
   */
  async run(url: string, done: (output: PageOutput) => boolean, limitMs = 120_000): Promise<PageOutput> {
    const { targetId } = (await this.send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await this.send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    const output = { console: [] as string[], exceptions: [] as string[] };
    let finish = () => {};
    const finished = new Promise<void>((r) => (finish = r));
    this.listeners.push((m) => {
      if (m.sessionId !== sessionId) {
        return;
      }
      if (m.method === "Runtime.consoleAPICalled") {
        const args = (m.params?.["args"] ?? []) as { value?: unknown; description?: string }[];
        output.console.push(args.map((a) => (a.value !== undefined ? String(a.value) : (a.description ?? ""))).join(" "));
      } else if (m.method === "Runtime.exceptionThrown") {
        const details = m.params?.["exceptionDetails"] as { text?: string; exception?: { description?: string } };
        output.exceptions.push(details.exception?.description ?? details.text ?? "exception");
      } else {
        return;
      }
      if (output.exceptions.length > 0 || done(output)) {
        finish();
      }
    });
    // Listen before the page runs, so that nothing it writes is missed.
    await this.send("Runtime.enable", {}, sessionId);
    await this.send("Page.navigate", { url }, sessionId);
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<void>((r) => (timer = setTimeout(r, limitMs)));
    await Promise.race([finished, hang]);
    clearTimeout(timer);
    return output;
  }

  async close(): Promise<void> {
    await this.send("Browser.close").catch(() => {});
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(killer);
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}
