import { ApiError, OfflineError, api } from './api.ts';
import { problemText } from './i18n.ts';

/**
 * Checks logged with no signal are kept on the phone (localStorage, for the user who logged
 * them) and sent when the network is back, each with the check id it was given when logged, so
 * that a check sent twice is recorded once. A check someone else already logged for that slot
 * is kept as a conflict until the caller has seen it.
 */
export interface QueuedCheck {
  readonly checkId: string;
  readonly userId: string;
  readonly caseId: string;
  readonly personName: string;
  readonly body: Record<string, unknown>;
  readonly queuedAt: string;
  readonly state: 'waiting' | 'conflict' | 'failed';
  readonly message?: string;
}

const KEY = 'fangyi.offline-checks.v1';

export function queued(userId: string): QueuedCheck[] {
  try {
    const all = JSON.parse(localStorage.getItem(KEY) ?? '[]') as QueuedCheck[];
    return all.filter((q) => q.userId === userId);
  } catch {
    return [];
  }
}

function save(userId: string, mine: QueuedCheck[]) {
  let others: QueuedCheck[] = [];
  try {
    others = (JSON.parse(localStorage.getItem(KEY) ?? '[]') as QueuedCheck[]).filter(
      (q) => q.userId !== userId,
    );
  } catch {
    others = [];
  }
  localStorage.setItem(KEY, JSON.stringify([...others, ...mine]));
  listeners.forEach((l) => l());
}

const listeners = new Set<() => void>();
export const onQueueChange = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function enqueue(check: Omit<QueuedCheck, 'state' | 'queuedAt'>) {
  const mine = queued(check.userId).filter((q) => q.checkId !== check.checkId);
  save(check.userId, [...mine, { ...check, state: 'waiting', queuedAt: new Date().toISOString() }]);
}

export function dismiss(userId: string, checkId: string) {
  save(
    userId,
    queued(userId).filter((q) => q.checkId !== checkId),
  );
}

let flushing = false;
/** Sends every waiting check once; returns how many were recorded. */
export async function flush(userId: string): Promise<number> {
  if (flushing) return 0;
  flushing = true;
  let sent = 0;
  try {
    for (const q of queued(userId).filter((c) => c.state === 'waiting')) {
      try {
        await api('POST', `/quarantine/cases/${encodeURIComponent(q.caseId)}/checks`, q.body);
        sent++;
        save(
          userId,
          queued(userId).filter((c) => c.checkId !== q.checkId),
        );
      } catch (error) {
        if (error instanceof OfflineError) break;
        if (error instanceof ApiError && error.problem.status === 401) break;
        const message = error instanceof ApiError ? problemText(error.problem) : '发送失败。';
        const state =
          error instanceof ApiError && error.problem.code === 'SLOT_ALREADY_CHECKED'
            ? 'conflict'
            : 'failed';
        save(
          userId,
          queued(userId).map((c) => (c.checkId === q.checkId ? { ...c, state, message } : c)),
        );
      }
    }
  } finally {
    flushing = false;
  }
  return sent;
}
