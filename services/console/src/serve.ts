import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PlacesDocument } from '@fangyi/service-kit';

/** Where `pnpm --filter @fangyi/console build` (scripts/build-console.sh) writes the app. */
export const CONSOLE_DIST = resolve(fileURLToPath(new URL('../dist', import.meta.url)));
export const CONSOLE_PATH = '/console/';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

/**
 * The console's own policy: its scripts, styles and images from this origin only, requests to
 * this origin only; nothing inline, no framing, no referrer. Every asset is in the build: no CDN.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface ConsoleOptions {
  /** The built app's folder (default: the package's dist). */
  readonly dist?: string;
  /** Send a browser that opens `/` with no credentials to the console. */
  readonly redirectRoot?: boolean;
  /**
   * The district's places and their names (placesDocument of the process's configuration), served
   * as /console/places.json: the app shows every community, estate and district by these names.
   */
  readonly places: PlacesDocument;
}

function send(reply: FastifyReply, file: string, immutable: boolean) {
  reply
    .header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
    .header('content-security-policy', CONSOLE_CSP)
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
  return reply.send(readFileSync(file));
}

/**
 * Serves the console's static files at /console/ on any fastify app (the embedded process, the
 * gateway): hashed assets cached for good, index.html never cached, and every other path under
 * /console/ answered with index.html so that a reload of a page of the app works.
 */
export function registerConsole(app: FastifyInstance, options: ConsoleOptions): void {
  const dist = options.dist ?? CONSOLE_DIST;
  const index = join(dist, 'index.html');
  const page = (reply: FastifyReply) => {
    if (!existsSync(index)) {
      return reply
        .status(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send('控制台尚未构建：请运行 bash scripts/build-console.sh（npm start 会自动构建）。');
    }
    return send(reply, index, false);
  };
  const places = JSON.stringify(options.places);
  app.get('/console', async (_request, reply) => reply.redirect(CONSOLE_PATH, 302));
  // Public like the app itself (names of places, no personal data); never cached, so a changed configuration shows at the next load.
  app.get('/console/places.json', async (_request, reply) =>
    reply
      .header('content-type', TYPES['.json']!)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(places),
  );
  app.get('/console/', async (_request, reply) => page(reply));
  app.get('/console/*', async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    const file = normalize(join(dist, rest));
    if (file.startsWith(dist + sep) && existsSync(file) && statSync(file).isFile())
      return send(reply, file, rest.startsWith('assets/'));
    if (rest.startsWith('assets/'))
      return reply
        .status(404)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('not found');
    return page(reply);
  });
  if (options.redirectRoot) {
    app.addHook('onRequest', async (request, reply) => {
      if (
        (request.method !== 'GET' && request.method !== 'HEAD') ||
        request.url !== '/' ||
        request.headers.authorization
      )
        return;
      return reply.redirect(CONSOLE_PATH, 302);
    });
  }
}
