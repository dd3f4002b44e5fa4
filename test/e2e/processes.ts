import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A service run as its own process, as in production; its output is kept for failure reports. */
export class ServiceProcess {
  readonly name: string;
  private readonly script: string;
  private readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  output = '';

  constructor(name: string, script: string, env: NodeJS.ProcessEnv) {
    this.name = name;
    this.script = script;
    this.env = env;
  }

  start(): this {
    const child = spawn(process.execPath, [this.script], { cwd: REPO_ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    return this;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: a crash, with no chance to finish or commit anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the graceful path; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child!.kill('SIGTERM');
    return this.exited;
  }

  tail(lines = 40): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * Waits for /ready; several services starting at once on two cores can take a while. A failure
 * names what /ready last answered and, where given, the output of the processes behind it (a
 * gateway is ready only once every service behind it is).
 */
export async function waitReady(base: string, service: ServiceProcess, timeoutMs = 120_000, behind: readonly ServiceProcess[] = []): Promise<void> {
  let lastAnswer = 'no answer yet';
  await waitFor(
    `${service.name} to be ready`,
    async () => {
      if (!service.running) throw new Error(`${service.name} exited:\n${service.tail()}`);
      const res = await fetch(`${base}/ready`);
      lastAnswer = `${res.status} ${await res.text()}`;
      return res.ok;
    },
    timeoutMs,
    100,
  ).catch((error: Error) => {
    const others = behind.map((p) => `\n---- ${p.name} (${p.running ? 'running' : 'exited'}) ----\n${p.tail()}`).join('');
    throw new Error(`${error.message}\nlast /ready answer: ${lastAnswer}\n---- ${service.name} ----\n${service.tail()}${others}`);
  });
}
