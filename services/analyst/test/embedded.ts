import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { idNumberCheckChar } from '@fangyi/contracts';
import { signToken, type User } from '@fangyi/service-kit';
import { freePort } from '@fangyi/testkit';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const SECRET = 'analyst-test-secret-of-at-least-32-bytes!';

/** The embedded process (`npm start`) on a fresh data directory, with no demo district. */
export class Embedded {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'fangyi-analyst-'));
  base = '';
  output = '';
  private child: ChildProcess | undefined;

  async start(): Promise<this> {
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [join(REPO_ROOT, 'services/embedded/src/main.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        FANGYI_DATA_DIR: this.dataDir,
        PORT: String(port),
        FANGYI_JWT_SECRET: SECRET,
        FANGYI_DEMO: 'false',
        FANGYI_SCHEDULER: 'off',
        FANGYI_RATE_LIMIT: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((ok, fail) => {
      const keep = (b: Buffer) => {
        this.output += b.toString();
        if (this.output.includes('is running')) ok();
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      child.once('exit', (code) => fail(new Error(`embedded exited ${code}: ${this.output}`)));
    });
    return this;
  }

  async call<T = Record<string, unknown>>(
    user: User,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T; text: string; type: string }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${signToken(user, SECRET)}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return {
      status: res.status,
      json: json as T,
      text,
      type: res.headers.get('content-type') ?? '',
    };
  }

  async ok<T = Record<string, unknown>>(
    user: User,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const res = await this.call<T>(user, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.json;
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child!.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export const user = (id: string, role: User['role'], communities: string[]): User => ({
  id,
  name: id,
  role,
  communities,
});
export const REGISTRAR = user('registrar-kutao', 'registrar', ['zhangcun', 'moujia', 'kutao']);
export const STAFF = user('checkpoint-staff-zhangcun', 'checkpoint-staff', ['zhangcun']);
export const HANDLER = user('complaint-handler-kutao', 'complaint-handler', [
  'zhangcun',
  'kutao',
  'moujia',
]);
export const ANALYST = user('analyst-kutao', 'analyst', ['*']);
export const idNumberOf = (first17: string) => first17 + idNumberCheckChar(first17);

/**
 * Li Ming, back from Wuhan, registered in a Zhangcun rental: the arrival policy starts his home
 * quarantine, he walks out through the east gate (a breach) and a neighbour reports his household.
 */
export async function liMingsStory(app: Embedded, today: string, arrivedOn: string) {
  const { householdId } = await app.ok<{ householdId: string }>(
    REGISTRAR,
    'POST',
    '/residents/households',
    { community: 'zhangcun', grid: 'zhangcun-g1', address: '张村 3号楼 101室', kind: 'rental' },
  );
  const { personId } = await app.ok<{ personId: string }>(REGISTRAR, 'POST', '/residents/people', {
    householdId,
    name: '李明',
    idNumber: idNumberOf('42010619900315123'),
    phone: '13971234567',
    registration: 'outside',
    originProvince: '湖北省',
    originCity: '武汉市',
    arrivedOn,
    travelHistory: [],
  });
  let caseId: string | undefined;
  for (let i = 0; i < 100 && !caseId; i++) {
    const list = await app.ok<{ cases: { caseId: string; personId: string }[] }>(
      REGISTRAR,
      'GET',
      '/quarantine/cases?community=zhangcun',
    );
    caseId = list.cases.find((c) => c.personId === personId)?.caseId;
    if (!caseId) await new Promise((r) => setTimeout(r, 100));
  }
  if (!caseId) throw new Error(`no case was started for ${personId}: ${app.output}`);
  const { checkpointId } = await app.ok<{ checkpointId: string }>(
    REGISTRAR,
    'POST',
    '/checkpoints',
    {
      name: '张村东卡口',
      location: '张村东入口',
      kind: 'road',
      communities: ['zhangcun'],
      staffedHours: 24,
    },
  );
  const now = () => new Date().toISOString();
  await app.ok(STAFF, 'POST', `/checkpoints/${checkpointId}/shifts`, {
    staff: [{ id: 'zc-staff-1', name: '赵强', community: 'zhangcun', role: 'community-staff' }],
    startedAt: now(),
  });
  await app.ok(STAFF, 'POST', `/checkpoints/${checkpointId}/exits`, {
    personId,
    name: '李明',
    temperatureC: 36.5,
    passValid: false,
    at: now(),
  });
  const { complaintId } = await app.ok<{ complaintId: string }>(HANDLER, 'POST', '/complaints', {
    channel: 'phone',
    category: 'illegal-rental',
    community: 'zhangcun',
    description: '3号楼101室租给刚从武汉回来的人',
    reporter: { anonymous: false, name: '王芳', phone: '13805321234' },
    receivedAt: now(),
    subjectHouseholdId: householdId,
  });
  return { householdId, personId, caseId, checkpointId, complaintId, today };
}
