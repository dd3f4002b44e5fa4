import {
  RecordCrossingSchema,
  RecordRefusalSchema,
  REFUSAL_REASONS,
  parseEnvelope,
  type Actor,
  type EntryRecorded,
  type QuarantineBreachRecorded,
  type RefusalRecorded,
} from '@fangyi/contracts';
import type { FastifyReply } from 'fastify';
import {
  SHIPPED_DISTRICT,
  businessDate,
  handleCommand,
  idNumberSubject,
  normaliseIdNumber,
  route,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import { currentShift } from '../checkpoint/checkpoint.ts';
import {
  CHECKPOINT_PATHS,
  CheckpointParams,
  DateQuery,
  READERS,
  loadCheckpoint,
  requireAnyCommunityOf,
  utc,
  type CheckpointsDeps,
  type KnownCheckpoint,
} from '../http.ts';
import { underQuarantineOf } from '../underQuarantine/projection.ts';
import {
  crossingDecider,
  crossingOf,
  crossingStreamId,
  type CheckpointSnapshot,
  type CrossingCommand,
  type CrossingIdentity,
} from './crossings.ts';

type Ctx = {
  user: User;
  actor(): Actor;
  request: { correlationId: string };
  reply: FastifyReply;
  status(code: number): void;
};

/** 201 when this call recorded something; 200 for a resend (same client id, same content) that recorded nothing. */
const answer = <T>(ctx: Ctx, created: boolean, body: T): T => {
  if (!created) ctx.status(200);
  return body;
};

const snapshotOf = (state: KnownCheckpoint): CheckpointSnapshot =>
  state.status === 'open'
    ? { status: 'open', openShiftId: currentShift(state)?.shiftId ?? null }
    : { status: 'closed' };

/** HTTP for what happens at the gate: entries, exits, refusals (劝返), and the day's log. */
export function crossingRoutes(app: ServiceApp, deps: CheckpointsDeps): void {
  const directory = deps.residents;

  /** Looks up the person and pass named, after reading the log up to now (someone registered a moment ago is found). */
  const identityOf = async (named: {
    personId?: string | undefined;
    passNumber?: string | undefined;
  }): Promise<CrossingIdentity> => {
    await directory.sync();
    const person =
      named.personId === undefined
        ? 'not-named'
        : ((await directory.person(named.personId)) ?? 'unknown');
    const pass =
      named.passNumber === undefined
        ? 'not-named'
        : ((await directory.pass(named.passNumber)) ?? 'unknown');
    return { person, pass };
  };

  /**
   * An ID number typed at the gate, sealed for the number's own subject: whoever holds it is
   * forgotten with it, whoever the crossing names. Sealed alike each time, so a resend compares equal.
   */
  const sealIdNumber = async (idNumber: string | undefined): Promise<string | undefined> =>
    idNumber === undefined
      ? undefined
      : deps.vault.sealStable(
          idNumberSubject(deps.namingKey, idNumber),
          normaliseIdNumber(idNumber),
        );
  const sealed = async <T extends { idNumber?: string | undefined }>(body: T): Promise<T> => {
    const idNumber = await sealIdNumber(body.idNumber);
    return idNumber === undefined ? body : { ...body, idNumber };
  };

  /** Reads the checkpoint (for its communities and the shift on duty), then appends to the day's crossing stream. */
  const record = async (
    ctx: Ctx,
    checkpointId: string,
    at: string,
    build: (snapshot: CheckpointSnapshot, date: string) => Promise<CrossingCommand>,
  ) => {
    const { state } = await loadCheckpoint(deps.eventStore, checkpointId);
    requireAnyCommunityOf(ctx.user, state);
    const date = businessDate(new Date(at), deps.timeZone);
    // The shift is checked on what the checkpoint stream said a moment ago: a shift ended between
    // this read and the append below may still see one more crossing, which is harmless.
    const command = await build(snapshotOf(state), date);
    const result = await handleCommand(
      deps.eventStore,
      crossingStreamId(checkpointId, date),
      crossingDecider,
      command,
      {
        actor: ctx.actor(),
        correlationId: ctx.request.correlationId,
        occurredAt: new Date(at),
        newId: deps.newId,
      },
    );
    return { result, date };
  };

  for (const direction of ['entry', 'exit'] as const) {
    route(app, {
      method: 'POST',
      url: `/checkpoints/:id/${direction === 'entry' ? 'entries' : 'exits'}`,
      summary:
        (direction === 'entry'
          ? "Record an entry with temperature and pass check; at or above the district's fever threshold (37.3 °C in Kutao) it is recorded with fever: true and then needs a refusal (劝返)"
          : 'Record an exit with temperature and pass check') +
        '. A personId or passNumber must be a registered person or an issued pass (422 naming the field otherwise; a pass names its holder); a crossing naming neither is recorded as unidentified. An optional client-chosen crossingId (UUID, unique per checkpoint and day) makes resends safe: the same id and content answers 200 with the crossing already recorded, the same id with other content 409 CROSSING_ID_REUSED',
      tags: ['crossings'],
      params: CheckpointParams,
      fields: CHECKPOINT_PATHS,
      body: RecordCrossingSchema,
      roles: ['checkpoint-staff'],
      status: 201,
      handler: async (ctx) => {
        const checkpointId = ctx.params.id;
        const at = utc(ctx.body.at);
        const crossingId = ctx.body.crossingId ?? deps.newId();
        const breachId = deps.newId();
        const { result, date } = await record(ctx, checkpointId, at, async (checkpoint, date) => {
          const identity = await identityOf(ctx.body);
          // Whoever the crossing names, by id or by pass: the decider refuses a name that matches nobody.
          const who =
            typeof identity.person === 'object'
              ? identity.person.personId
              : typeof identity.pass === 'object'
                ? identity.pass.personId
                : null;
          return {
            type: direction === 'entry' ? 'RecordEntry' : 'RecordExit',
            data: {
              ...(await sealed(ctx.body)),
              at,
              checkpointId,
              date,
              checkpoint,
              crossingId,
              breachId,
              now: deps.clock().toISOString(),
              identity,
              underQuarantine:
                who !== null ? await underQuarantineOf(deps.projectionStore, who) : null,
              feverThresholdC: (deps.district ?? SHIPPED_DISTRICT).feverThresholdC,
            },
          };
        });
        // Read back from the day's state, so a resend is answered with the crossing as first recorded.
        const recorded = crossingOf(result.state, crossingId)!;
        return answer(ctx, result.events.length > 0, {
          checkpointId,
          crossingId,
          date,
          fever: recorded.fever,
          // Not refused automatically: the staff turn the person back and record it as a refusal.
          refusalRequired: recorded.direction === 'entry' && recorded.fever,
          breachId: recorded.breachId,
          revision: result.revision,
        });
      },
    });
  }

  route(app, {
    method: 'POST',
    url: '/checkpoints/:id/refusals',
    summary:
      'Record a refusal (劝返): someone turned back at the gate; crossingId links it to the entry it answers. An optional client-chosen refusalId (UUID, unique per checkpoint and day) makes resends safe: same id and content → 200 with the refusal already recorded, other content → 409 CROSSING_ID_REUSED',
    tags: ['crossings'],
    params: CheckpointParams,
    fields: CHECKPOINT_PATHS,
    body: RecordRefusalSchema,
    roles: ['checkpoint-staff'],
    status: 201,
    handler: async (ctx) => {
      const checkpointId = ctx.params.id;
      const at = utc(ctx.body.at);
      const refusalId = ctx.body.refusalId ?? deps.newId();
      const { result, date } = await record(ctx, checkpointId, at, async (checkpoint, date) => ({
        type: 'RecordRefusal',
        data: {
          ...(await sealed(ctx.body)),
          at,
          checkpointId,
          date,
          checkpoint,
          refusalId,
          now: deps.clock().toISOString(),
          identity: await identityOf({ personId: ctx.body.personId }),
        },
      }));
      return answer(ctx, result.events.length > 0, {
        checkpointId,
        refusalId,
        date,
        revision: result.revision,
      });
    },
  });

  route(app, {
    method: 'GET',
    url: '/checkpoints/:id/crossings',
    summary:
      "One business day's crossings and refusals at the checkpoint (default today), with counts",
    tags: ['crossings'],
    params: CheckpointParams,
    fields: CHECKPOINT_PATHS,
    query: DateQuery,
    roles: [...READERS],
    handler: async (ctx) => {
      const { state } = await loadCheckpoint(deps.eventStore, ctx.params.id);
      requireAnyCommunityOf(ctx.user, state);
      const date = ctx.query.date ?? businessDate(deps.clock(), deps.timeZone);
      const events = (await deps.eventStore.readStream(crossingStreamId(ctx.params.id, date))).map(
        ({ position: _p, ...e }) => parseEnvelope(e),
      );
      const crossings: (EntryRecorded & {
        direction: 'entry' | 'exit';
        recordedBy: string;
        refusalId: string | null;
        breachId: string | null;
      })[] = [];
      const refusals: (RefusalRecorded & { recordedBy: string })[] = [];
      const breaches: QuarantineBreachRecorded[] = [];
      for (const e of events) {
        if (e.type === 'checkpoints.entry-recorded' || e.type === 'checkpoints.exit-recorded') {
          const direction = e.type === 'checkpoints.entry-recorded' ? 'entry' : 'exit';
          crossings.push({
            ...(e.data as EntryRecorded),
            direction,
            recordedBy: e.actor.id,
            refusalId: null,
            breachId: null,
          });
        } else if (e.type === 'checkpoints.refusal-recorded') {
          refusals.push({ ...(e.data as RefusalRecorded), recordedBy: e.actor.id });
        } else if (e.type === 'checkpoints.quarantine-breach-recorded') {
          breaches.push(e.data as QuarantineBreachRecorded);
        }
      }
      // The ID numbers as typed, opened for this log: null once whoever holds the number is forgotten.
      const opened = await deps.vault.openAll(
        [...crossings, ...refusals].map((x) => x.idNumber ?? ''),
      );
      [...crossings, ...refusals].forEach((x, i) => {
        if (x.idNumber !== undefined)
          (x as { idNumber?: string | null }).idNumber = opened[i] ?? null;
      });
      for (const c of crossings) {
        c.refusalId = refusals.find((r) => r.crossingId === c.crossingId)?.refusalId ?? null;
        c.breachId = breaches.find((b) => b.crossingId === c.crossingId)?.breachId ?? null;
      }
      const byReason = Object.fromEntries(
        REFUSAL_REASONS.map((r) => [r, refusals.filter((x) => x.reason === r).length]),
      );
      return {
        checkpointId: state.checkpointId,
        date,
        counts: {
          entries: crossings.filter((c) => c.direction === 'entry').length,
          exits: crossings.filter((c) => c.direction === 'exit').length,
          refusals: refusals.length,
          refusalsByReason: byReason,
          fever: crossings.filter((c) => c.fever).length,
          invalidPasses: crossings.filter((c) => !c.passValid).length,
          breaches: breaches.length,
        },
        // Fever entries still waiting for the refusal the staff must send.
        feverEntriesAwaitingRefusal: crossings
          .filter((c) => c.direction === 'entry' && c.fever && c.refusalId === null)
          .map((c) => c.crossingId),
        crossings,
        refusals,
        breaches,
      };
    },
  });
}
