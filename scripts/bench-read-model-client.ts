// The query phase's client (scripts/bench-read-model.ts), in a process of its own so that reading
// and parsing the answers is not counted against the roster API's process: one keep-alive
// connection, one request at a time, as a user's browser asks for a page. Reads a job as JSON on
// stdin ({ base, requests: [{ url, headers }], warmup }) and prints { ms: number[], people: number[] }:
// the first `warmup` requests of the list are asked first and not timed (a server's code is
// compiled as it runs; a roster API that has served for a minute is warm).
import { Agent, get } from 'node:http';
import { text } from 'node:stream/consumers';

const job = JSON.parse(await text(process.stdin)) as {
  base: string;
  requests: { url: string; headers: Record<string, string> }[];
  warmup?: number;
};
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const fetchPage = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    get(`${job.base}${url}`, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
for (const r of job.requests.slice(0, job.warmup ?? 0)) await fetchPage(r.url, r.headers);
const ms: number[] = [];
const people: number[] = [];
for (const r of job.requests) {
  const started = performance.now();
  const res = await fetchPage(r.url, r.headers);
  // Timed to the answer's last byte, as a load generator times a response: parsing it is the client's.
  ms.push(performance.now() - started);
  const body = JSON.parse(res.body) as { entries?: unknown[] };
  if (res.status !== 200) throw new Error(`${r.url}: ${res.status} ${res.body.slice(0, 300)}`);
  people.push(body.entries?.length ?? -1);
}
agent.destroy();
process.stdout.write(JSON.stringify({ ms, people }));
