/**
 * Builds the Kutao district in a running Fangyi through its HTTP API: the embedded process
 * (start it with FANGYI_DEMO=false to seed it yourself) or the distributed gateway.
 *
 *   npm run seed -- --url http://127.0.0.1:8080 [--seed 2020] [--scale 1] [--concurrency 8]
 *
 * Tokens are signed with FANGYI_JWT_SECRET, or the secret in .data/jwt-secret.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { businessDate, signToken } from '@fangyi/service-kit';
import { demoUser, httpTransport, send, seedDistrict } from './seed/index.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    seed: { type: 'string', default: '2020' },
    scale: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    'time-zone': { type: 'string', default: 'Asia/Shanghai' },
  },
});
const secret =
  process.env.FANGYI_JWT_SECRET ??
  readFileSync(join(process.env.FANGYI_DATA_DIR ?? '.data', 'jwt-secret'), 'utf8').trim();
const tokenOf = (id: string) => signToken(demoUser(id), secret);
const transport = httpTransport(values.url!);
const started = Date.now();
const summary = await seedDistrict(transport, {
  seed: Number(values.seed),
  scale: Number(values.scale),
  concurrency: Number(values.concurrency),
  today: businessDate(new Date(), values['time-zone']),
  tokenOf,
  log: (message) => console.error(`seed: ${message}`),
  findCase: async (personId) => {
    const list = await send<{ cases: { caseId: string; personId: string }[] }>(
      transport,
      tokenOf('registrar-kutao'),
      'GET',
      '/quarantine/cases?community=moujia',
    );
    return list.cases.find((c) => c.personId === personId)?.caseId;
  },
});
console.log(JSON.stringify({ ...summary, seconds: (Date.now() - started) / 1000 }, null, 2));
