import { createServer } from 'node:net';

/** Whether `port` can be listened on now (it closes at once): 0 asks the kernel for any. */
function tryPort(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A port for a process the test starts, chosen below the kernel's ephemeral range (32768 and up
 * here): a port the kernel hands out for "any" is also what it gives the next outgoing connection
 * (to Kafka, PostgreSQL, Redis), which took one between this check and the service's listen
 * (EADDRINUSE). Random within 20000-32767, so the test files running at once rarely pick the same.
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await tryPort(20_000 + Math.floor(Math.random() * 12_768));
    if (port !== null) return port;
  }
  const any = await tryPort(0);
  if (any === null) throw new Error('no free port on 127.0.0.1');
  return any;
}
