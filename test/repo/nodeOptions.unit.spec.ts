import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every Fangyi process starts through scripts/node-options.sh (the image's entry point, npm start,
 * npm run start:distributed, bench:http): its young generation and old-space limit keep a busy
 * process's resident set near what it holds. A NODE_OPTIONS given by the operator still wins.
 */
const root = join(import.meta.dirname, '..', '..');
const wrapper = join(root, 'scripts', 'with-node-options.sh');
const heapOf = (env: Record<string, string>) =>
  JSON.parse(
    execFileSync(
      wrapper,
      [
        process.execPath,
        '-e',
        "const h = require('v8').getHeapStatistics(); console.log(JSON.stringify({ limit: h.heap_size_limit / 2 ** 20, arenas: process.env.MALLOC_ARENA_MAX }))",
      ],
      { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' },
    ),
  ) as { limit: number; arenas: string };

describe('node options', () => {
  it('starts node with a 16 MB semi-space and a 1 GB old space (heap limit 1024 + 3 × 16 MB)', () => {
    expect(heapOf({})).toEqual({ limit: 1024 + 3 * 16, arenas: '2' });
  });

  it("lets the operator's NODE_OPTIONS and MALLOC_ARENA_MAX win", () => {
    expect(heapOf({ NODE_OPTIONS: '--max-old-space-size=2048', MALLOC_ARENA_MAX: '4' })).toEqual({
      limit: 2048 + 3 * 16,
      arenas: '4',
    });
  });

  it('is the launch path of the image, the local scripts and the HTTP benchmark', () => {
    const read = (p: string) => readFileSync(join(root, p), 'utf8');
    expect(read('Dockerfile')).toMatch(/ENTRYPOINT \[.*"scripts\/with-node-options\.sh"\]/);
    for (const script of ['scripts/start.sh', 'scripts/distributed.sh'])
      expect(read(script), script).toMatch(/^source scripts\/node-options\.sh$/m);
    expect(read('scripts/bench-http.ts')).toContain("'with-node-options.sh'");
  });
});
