import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { SHIPPED_DISTRICT, placesDocument } from '@fangyi/service-kit';
import { CONSOLE_CSP, registerConsole } from '../src/serve.ts';

const dist = mkdtempSync(join(tmpdir(), 'fangyi-console-dist-'));
mkdirSync(join(dist, 'assets'));
writeFileSync(
  join(dist, 'index.html'),
  '<!doctype html><html lang="zh-CN"><title>防疫工作台</title></html>',
);
writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(dist, '..', 'secret.txt'), 'not served');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('the console served as static files (embedded process, gateway)', () => {
  const app = Fastify();
  registerConsole(app, { dist, redirectRoot: true, places: placesDocument(SHIPPED_DISTRICT) });
  app.get('/', async () => 'the roster page');

  it("answers the district's places and their names from the configuration, never cached", async () => {
    const res = await app.inject({ method: 'GET', url: '/console/places.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual(placesDocument(SHIPPED_DISTRICT));
    expect(res.json().communities).toContainEqual({
      id: 'zhangcun',
      label: '张村',
      district: 'kutao',
    });
  });

  it('answers the app, its hashed assets for good, and any page of it with index.html; never a file outside', async () => {
    const index = await app.inject({ url: '/console/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-store');
    expect(index.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
    const asset = await app.inject({ url: '/console/assets/index-abc.js' });
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await app.inject({ url: '/console/worklist' })).body).toContain('防疫工作台');
    expect((await app.inject({ url: '/console/assets/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/console/../secret.txt' })).body).not.toContain('not served');
    expect((await app.inject({ url: '/console/%2e%2e/secret.txt' })).body).not.toContain(
      'not served',
    );
  });

  it('sends a browser opening / without credentials to the console, and leaves the API alone', async () => {
    const root = await app.inject({ url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/console/');
    expect((await app.inject({ url: '/', headers: { authorization: 'Bearer x' } })).body).toBe(
      'the roster page',
    );
  });
});
