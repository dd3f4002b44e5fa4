import { request, Agent } from 'node:http';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { drainOnClose } from '../src/index.ts';

/** One POST on a keep-alive connection; resolves with the answer and its Connection header. */
function post(url: string, agent: Agent) {
  return new Promise<{ status: number; connection: string | undefined; body: string }>(
    (resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
          );
        },
      );
      req.on('error', reject);
      req.end('{}');
    },
  );
}

describe('drainOnClose', () => {
  it('lets close() finish as soon as the request in flight on a keep-alive connection is answered', async () => {
    const app = Fastify();
    drainOnClose(app);
    app.post('/slow', async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { done: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/slow`;
      // Without drainOnClose this connection would stay open after its answer and close() wait on it.
      const answer = post(url, agent);
      await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      await app.close();
      const closedAfter = Date.now() - t0;
      expect(await answer).toEqual({ status: 200, connection: 'close', body: '{"done":true}' });
      expect(closedAfter).toBeLessThan(2000);
    } finally {
      agent.destroy();
    }
  });
});
