import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The production image cannot be built on a machine without a Docker engine, so its rules are
 * checked as text: stages, a dependency layer of its own, production dependencies only, pnpm from
 * the npm registry, a non-root user, an init process and a health check on /ready; and the compose
 * file's health checks and start order.
 */
const root = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
// Continuation lines joined, comments dropped: one instruction per line.
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages: string[][] = [];
for (const line of instructions) {
  if (/^FROM\s/i.test(line)) stages.push([line]);
  else stages.at(-1)?.push(line);
}
const runtime = stages.at(-1) ?? [];
const packageManager = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager: string }
).packageManager;

describe('Dockerfile', () => {
  it('has stages, and the image runs from the last, which builds on none of the tool stages', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(runtime[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/);
    expect(instructions.find((l) => l.startsWith('ARG NODE_IMAGE='))).toMatch(/node:24-slim$/);
  });

  it('fetches the dependencies in a layer of their own, from the lockfile alone, before the code is copied', () => {
    const deps = stages.find((s) => s.some((l) => /pnpm fetch/.test(l)))!;
    expect(deps, 'a stage that runs pnpm fetch').toBeDefined();
    const copies = deps.filter((l) => l.startsWith('COPY'));
    expect(copies[0]).toBe('COPY pnpm-lock.yaml pnpm-workspace.yaml ./');
    // The patches the lockfile names (patchedDependencies) are there before the fetch, and nothing else.
    const workspace = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
      patchedDependencies?: Record<string, string>;
    };
    const patchDirs = [
      ...new Set(Object.values(workspace.patchedDependencies ?? {}).map((p) => p.split('/')[0]!)),
    ];
    expect(copies.slice(1)).toEqual(patchDirs.map((d) => `COPY ${d} ./${d}`));
    expect(deps.findIndex((l) => l.startsWith('COPY'))).toBeLessThan(
      deps.findIndex((l) => /pnpm fetch/.test(l)),
    );
  });

  it('installs production dependencies only, offline, against the lockfile', () => {
    const install = instructions.find((l) => /pnpm install/.test(l))!;
    for (const flag of ['--prod', '--offline', '--frozen-lockfile'])
      expect(install).toContain(flag);
    expect(instructions.find((l) => /pnpm fetch/.test(l))).toContain('--prod');
  });

  it('installs pnpm from the npm registry at the version package.json names, never through Corepack', () => {
    expect(instructions.join('\n')).not.toMatch(/corepack/i);
    expect(instructions).toContain(`ARG PNPM_VERSION=${packageManager.replace(/^pnpm@/, '')}`);
    expect(
      instructions.some((l) => /npm install --global .*"pnpm@\$\{PNPM_VERSION\}"/.test(l)),
    ).toBe(true);
  });

  it('runs as a user who is not root, under an init process, with a health check on /ready', () => {
    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    expect(runtime.find((l) => l.startsWith('ENTRYPOINT'))).toMatch(/tini/);
    expect(runtime.some((l) => /apt-get install .*tini/.test(l))).toBe(true);
    const health = runtime.find((l) => l.startsWith('HEALTHCHECK'));
    expect(health).toMatch(/\/ready/);
    expect(health).toMatch(/process\.env\.PORT/);
  });

  it('leaves the machine-local and secret files out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const path of ['node_modules', '.data', '.tools', '.git', '.cache'])
      expect(ignored).toContain(path);
    expect(ignored).not.toContain('patches');
  });
});

type Service = {
  build?: string;
  image?: string;
  profiles?: string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  command?: string[];
};
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const servers = Object.entries(compose.services).filter(
  ([, s]) => s.build === '.' && !s.profiles?.includes('tools'),
);

describe('docker-compose.yml: health and start order', () => {
  it('runs PostgreSQL as the event store by default, KurrentDB 26.0 as an option', () => {
    for (const [name, s] of servers)
      expect(s.environment?.EVENT_STORE_URL, name).toMatch(
        /postgres:\/\/postgres@postgres:5432\/fangyi/,
      );
    expect(compose.services.postgres?.profiles).toBeUndefined();
    expect(compose.services.kurrentdb?.image).toBe('kurrentplatform/kurrentdb:26.0');
    expect(compose.services.kurrentdb?.profiles).toEqual(['kurrentdb']);
  });

  it('checks the health of PostgreSQL, Kafka and Redis, and of every Fangyi server through the image (none turns it off)', () => {
    for (const name of ['postgres', 'kafka', 'redis'])
      expect(compose.services[name]?.healthcheck?.test, name).toBeDefined();
    for (const [name, s] of servers) expect(s.healthcheck?.disable, name).not.toBe(true);
  });

  it('starts every Fangyi server once what it needs is healthy, the gateway after the services', () => {
    for (const [name, s] of servers) {
      for (const dependency of ['postgres', 'kafka', 'redis'])
        expect(s.depends_on?.[dependency]?.condition, `${name} → ${dependency}`).toBe(
          'service_healthy',
        );
    }
    const gateway = compose.services.gateway!;
    for (const service of [
      'quarantine',
      'residents',
      'checkpoints',
      'complaints',
      'roster',
      'staff',
    ])
      expect(gateway.depends_on?.[service]?.condition, `gateway → ${service}`).toBe(
        'service_healthy',
      );
  });

  it('gives every server a PORT for its /ready, the read-side worker included', () => {
    for (const [name, s] of servers) expect(s.environment?.PORT, name).toMatch(/^\d+$/);
  });

  it('has no default for any secret or key', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    for (const secret of ['FANGYI_JWT_SECRET', 'FANGYI_MASTER_KEY', 'FANGYI_RESERVATION_KEY']) {
      expect(text, secret).toMatch(new RegExp(`${secret}: \\$\\{${secret}:\\?`));
      expect(text, secret).not.toMatch(new RegExp(`${secret}:-`));
    }
  });
});
