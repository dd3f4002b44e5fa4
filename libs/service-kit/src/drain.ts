import type { FastifyInstance } from 'fastify';

/**
 * Lets `app.close()` finish once the requests it found in flight are answered. Node's
 * `server.close()` ends the connections idle at that moment only; a keep-alive connection whose
 * request was still running stays open after its answer, and close() waits on it until the
 * client lets go (a browser or proxy pool: never). So from close() on, every answer says
 * `Connection: close` and the server ends its connection after sending it.
 */
export function drainOnClose(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
