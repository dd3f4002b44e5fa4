import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

const SHUTDOWN = new URL('../src/shutdown.ts', import.meta.url).href;

/**
 * A process with installGracefulShutdown over parts that take `closeMs` each to close (the second
 * one throws when `fail`); resolves with its exit code and what it logged, once it has exited.
 */
async function runProcess(options: {
  closeMs: number;
  fail?: boolean;
  signals: number;
  timeoutMs?: number;
}) {
  const script = `
    import { installGracefulShutdown } from ${JSON.stringify(SHUTDOWN)};
    const lines = [];
    const log = (level) => (o, msg) => process.stdout.write(JSON.stringify({ level, ...o, msg }) + '\\n');
    const logger = { info: log('info'), warn: log('warn'), error: log('error') };
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    installGracefulShutdown([
      { name: 'http', close: () => wait(${options.closeMs}) },
      { name: 'worker', close: async () => { await wait(${options.closeMs}); if (${Boolean(options.fail)}) throw new Error('boom'); } },
      { name: 'client', close: () => wait(${options.closeMs}) },
    ], logger, ${options.timeoutMs ?? 15_000});
    setInterval(() => {}, 1000);
    process.stdout.write('ready\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve) =>
    child.stdout.on('data', () => out.includes('ready') && resolve()),
  );
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const t0 = Date.now();
  for (let i = 0; i < options.signals; i++) {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
  }
  const [code, signal] = await exited;
  const closed = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; part?: string })
    .filter((l) => l.msg === 'closed')
    .map((l) => l.part);
  return { code, signal, closed, ms: Date.now() - t0, out };
}

describe('installGracefulShutdown', () => {
  it('on SIGTERM closes every part in order and exits 0', async () => {
    const r = await runProcess({ closeMs: 50, signals: 1 });
    expect(r).toMatchObject({ code: 0, signal: null, closed: ['http', 'worker', 'client'] });
  });

  it('still closes the parts after one that failed, and exits 1', async () => {
    const r = await runProcess({ closeMs: 20, fail: true, signals: 1 });
    expect(r).toMatchObject({ code: 1, closed: ['http', 'client'] });
    expect(r.out).toContain('close failed');
  });

  it('exits 1 at once on a second signal, with a word in the log', async () => {
    const r = await runProcess({ closeMs: 2000, signals: 2 });
    expect(r).toMatchObject({ code: 1, signal: null, closed: [] });
    expect(r.out).toContain('second signal; exiting now');
    expect(r.ms).toBeLessThan(1500);
  });

  it('exits 1 when closing takes longer than the timeout', async () => {
    const r = await runProcess({ closeMs: 2000, signals: 1, timeoutMs: 300 });
    expect(r).toMatchObject({ code: 1, closed: [] });
    expect(r.out).toContain('shutdown took too long');
  });
});
