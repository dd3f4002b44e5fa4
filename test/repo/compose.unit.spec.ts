import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docker-compose.yml cannot run on a machine without a Docker engine, so this keeps it in step with
 * the code: every service entry point it names exists, and every variable a service requires is set.
 */
const root = join(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      command?: string[];
      entrypoint?: string[];
      environment?: Record<string, string>;
      image?: string;
      build?: string;
    }
  >;
};

describe('docker-compose.yml', () => {
  const fangyi = Object.entries(compose.services).filter(([, s]) => s.build === '.');

  it('runs Kafka in KRaft mode, an event store and Redis beside the services', () => {
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.kurrentdb?.image).toBe('kurrentplatform/kurrentdb:26.0');
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    expect(fangyi.length).toBeGreaterThanOrEqual(3);
  });

  it('gives every Fangyi process the same district file, by default the one the image ships', () => {
    for (const [name, service] of fangyi)
      expect(service.environment?.FANGYI_CONFIG, name).toBe(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own variable syntax, compared as text
        '${FANGYI_CONFIG:-/app/config/district.json}',
      );
    expect(existsSync(join(root, 'config/district.json'))).toBe(true);
    expect(readFileSync(join(root, '.dockerignore'), 'utf8')).not.toMatch(/^config/m);
  });

  it("runs KurrentDB from the image the event store's contract suite is tested on", () => {
    const suite = readFileSync(join(root, 'libs/eventstore/test/kurrentdb.int.spec.ts'), 'utf8');
    expect(/const IMAGE = '([^']+)'/.exec(suite)?.[1]).toBe(compose.services.kurrentdb?.image);
  });

  it.each(Object.entries(compose.services).filter(([, s]) => s.build === '.'))(
    '%s: its entry point exists and its required settings are given',
    (_name, service) => {
      const argv = service.command ?? service.entrypoint ?? [];
      const script = argv.find((a) => a.endsWith('.ts'));
      expect(script, 'a node entry point').toBeDefined();
      expect(existsSync(join(root, script!)), `${script} exists`).toBe(true);
      let source = readFileSync(join(root, script!), 'utf8');
      // Command services take their shared settings from the service kit.
      if (source.includes('commandServiceConfig('))
        source += readFileSync(join(root, 'libs/service-kit/src/config.ts'), 'utf8');
      // Variables a composition root declares without a default are required.
      const required = [
        ...source.matchAll(/^\s+([A-Z][A-Z0-9_]+): z\s*\.string\(\)\s*\.min\(\s*1/gm),
      ].map((m) => m[1]!);
      // The token secret comes from the kit's tokenSecretConfig() wherever a service verifies tokens.
      if (/^\s+\.\.\.tokenSecretConfig\(\)/m.test(source)) required.push('FANGYI_JWT_SECRET');
      if (source.includes('commandServiceConfig('))
        expect(required).toEqual(
          expect.arrayContaining(['EVENT_STORE_URL', 'KAFKA_BROKERS', 'FANGYI_JWT_SECRET']),
        );
      for (const variable of required) {
        expect(service.environment, `${variable} is set`).toHaveProperty(variable);
      }
    },
  );

  it('refuses to start without a token secret of its own: no placeholder anyone could sign admin tokens with', () => {
    for (const [name, service] of fangyi) {
      // `${VAR:?message}` makes `docker compose up` stop with the message when VAR is unset or empty.
      expect(service.environment?.FANGYI_JWT_SECRET, name).toMatch(
        /^\$\{FANGYI_JWT_SECRET:\?[^}]+\}$/,
      );
    }
    expect(readFileSync(join(root, 'docker-compose.yml'), 'utf8')).not.toMatch(
      /FANGYI_JWT_SECRET:-/,
    );
  });
});
