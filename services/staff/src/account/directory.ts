import type { Logger } from 'pino';
import type { StaffEvent, StaffAccountRole } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { startLogView, type LogView } from '@fangyi/processors';
import type { Op, Projection } from '@fangyi/projections';

export const STAFF_COLLECTION = 'staff-accounts';

/** One account as the admin's list shows it: never its password hash. */
export interface StaffAccountItem {
  readonly loginName: string;
  readonly displayName: string;
  readonly role: StaffAccountRole;
  readonly communities: readonly string[];
  readonly status: 'active' | 'disabled';
  readonly passwordVersion: number;
  readonly createdAt: string;
  readonly changedAt: string;
}

const STAFF_EVENTS = [
  'staff.account-created',
  'staff.account-disabled',
  'staff.account-enabled',
  'staff.password-reset',
] as const satisfies readonly StaffEvent['type'][];
const _everyType: Exclude<StaffEvent['type'], (typeof STAFF_EVENTS)[number]> extends never
  ? true
  : never = true;

export const staffDirectoryProjection: Projection = {
  name: 'staff-directory',
  handles: STAFF_EVENTS,
  async project(envelope, read): Promise<Op[]> {
    const event = { type: envelope.type, data: envelope.data } as StaffEvent;
    const id = event.data.loginName;
    const before = await read.get<StaffAccountItem>(STAFF_COLLECTION, id);
    let after: StaffAccountItem | null = before;
    switch (event.type) {
      case 'staff.account-created': {
        const d = event.data;
        after = {
          loginName: d.loginName,
          displayName: d.displayName,
          role: d.role,
          communities: d.communities,
          status: 'active',
          passwordVersion: 1,
          createdAt: envelope.occurredAt,
          changedAt: envelope.occurredAt,
        };
        break;
      }
      case 'staff.account-disabled':
        after = before && { ...before, status: 'disabled', changedAt: envelope.occurredAt };
        break;
      case 'staff.account-enabled':
        after = before && { ...before, status: 'active', changedAt: envelope.occurredAt };
        break;
      case 'staff.password-reset':
        after = before && {
          ...before,
          passwordVersion: before.passwordVersion + 1,
          changedAt: envelope.occurredAt,
        };
        break;
      default: {
        const _exhaustive: never = event;
      }
    }
    return after === null || after === before
      ? []
      : [{ op: 'put', collection: STAFF_COLLECTION, id, doc: after }];
  },
};

/**
 * Every staff account, kept in memory from the event store's log (a district has a few hundred
 * staff). `snapshot()` answers synchronously from the last refresh, for the per-request session
 * check and the callers of each community; a refresh follows each change and runs every second.
 */
export interface StaffDirectory {
  list(): Promise<StaffAccountItem[]>;
  /** The accounts as of the last refresh, by login name. */
  snapshot(): ReadonlyMap<string, StaffAccountItem>;
  /** Applies the log's tail and refreshes the snapshot (read-your-writes after a command). */
  refresh(): Promise<void>;
  onChange(listener: (accounts: ReadonlyMap<string, StaffAccountItem>) => void): void;
  status: LogView['status'];
  stop(): Promise<void>;
}

export async function startStaffDirectory(deps: {
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly refreshMs?: number;
}): Promise<StaffDirectory> {
  const view = await startLogView({
    projection: staffDirectoryProjection,
    eventStore: deps.eventStore,
    logger: deps.logger,
    idleMs: 500,
  });
  let current: ReadonlyMap<string, StaffAccountItem> = new Map();
  const listeners: ((accounts: ReadonlyMap<string, StaffAccountItem>) => void)[] = [];
  const refresh = async () => {
    await view.caughtUp();
    const items = await view.store.list<StaffAccountItem>(STAFF_COLLECTION);
    current = new Map(items.map((i) => [i.loginName, i]));
    for (const l of listeners) l(current);
  };
  await refresh();
  const timer = setInterval(() => {
    refresh().catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'staff directory refresh failed'),
    );
  }, deps.refreshMs ?? 1000);
  timer.unref();
  return {
    async list() {
      await refresh();
      return [...current.values()].sort((a, b) => a.loginName.localeCompare(b.loginName));
    },
    snapshot: () => current,
    refresh,
    onChange(listener) {
      listeners.push(listener);
      listener(current);
    },
    status: () => view.status(),
    async stop() {
      clearInterval(timer);
      await view.stop();
    },
  };
}

/**
 * Each community's follow-up callers: the active caller accounts that work in it, where the
 * community has any; else the configured ones (FANGYI_CALLERS), so a district without accounts
 * yet keeps working. Written into `target`, the very map the quarantine service was handed.
 */
export function applyCallersFromAccounts(
  target: Map<string, readonly string[]>,
  configured: ReadonlyMap<string, readonly string[]>,
  accounts: ReadonlyMap<string, StaffAccountItem>,
): void {
  const fromAccounts = new Map<string, string[]>();
  for (const a of accounts.values()) {
    if (a.role !== 'caller' || a.status !== 'active') continue;
    for (const c of a.communities) {
      if (c === '*') continue;
      const list = fromAccounts.get(c) ?? [];
      list.push(a.loginName);
      fromAccounts.set(c, list);
    }
  }
  target.clear();
  for (const [community, ids] of configured) target.set(community, ids);
  for (const [community, ids] of fromAccounts) target.set(community, ids.sort());
}
