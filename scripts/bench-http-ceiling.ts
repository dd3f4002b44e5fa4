// The ceiling for bench:http: a bare fastify POST handler on this machine (JSON body parsed, a
// 201 JSON answer, no logging), in a process of its own like the services it is measured beside.
import Fastify from 'fastify';

const app = Fastify();
app.get('/ready', async () => ({ status: 'ready' }));
app.post('/quarantine/cases/:caseId/checks', async (request, reply) =>
  reply.status(201).send({
    caseId: (request.params as { caseId: string }).caseId,
    received: request.body !== undefined,
  }),
);
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${address}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => void app.close().then(() => process.exit(0)));
