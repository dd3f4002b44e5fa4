import {
  ForgetPersonSchema,
  IssuePassSchema,
  MoveInSchema,
  MoveOutSchema,
  RecordArrivalSchema,
  RecordScreeningSchema,
  RegisterPersonSchema,
  RevokePassSchema,
  type Envelope,
} from '@fangyi/contracts';
import {
  DomainError,
  businessDate,
  handleCommand,
  idNumberSubject,
  loadAggregate,
  phoneSubject,
  requireInScope,
  route,
  worksIn,
  type PersonalDataVault,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import { commandMeta, fault } from '@fangyi/service-kit';
import { WrongExpectedRevisionError } from '@fangyi/eventstore';
import { householdDecider, householdStreamId } from '../household/household.ts';
import {
  PersonParams,
  districtOfDeps,
  toHistory,
  type CommandContext,
  type ResidentsDeps,
} from '../http.ts';
import {
  lastArrival,
  lastArrivalAssessment,
  latestScreening,
  passRefusal,
  passStatus,
  personDecider,
  personStreamId,
  underQuarantine,
  type HouseholdFacts,
  type Pass,
  type PersonCommand,
  type PersonState,
  type RegisterPerson,
} from './person.ts';
import { reserveIdNumber } from './idNumberReservation.ts';

const READERS = ['registrar', 'caller', 'report-officer', 'analyst'] as const;

type KnownPerson = Exclude<PersonState, { status: 'none' }>;

/** A person of another community answers as an unknown one (404); one that does not exist is left to the decider. */
const personNotFound = (personId: string) => () =>
  new DomainError('PERSON_NOT_FOUND', `person ${personId}`, fault('personId', 'no such person'));
const inCommunityOf = (user: User) => (state: PersonState) => {
  if (state.status !== 'none')
    requireInScope(user, state.community, personNotFound(state.personId));
};

/** The pass as every residents answer shows it; takes the person record or any read model holding its latest pass. */
export function passView(
  person: { readonly pass: Pick<Pass, 'passId' | 'issuedOn' | 'validUntil' | 'revoked'> | null },
  today: string,
) {
  const status = passStatus(person.pass, today);
  if (!person.pass) return { status };
  const { passId, issuedOn, validUntil, revoked } = person.pass;
  return {
    status,
    passId,
    issuedOn,
    validUntil,
    revokedReason: revoked?.reason ?? null,
    revokedOn: revoked?.on ?? null,
  };
}

/** ID and phone numbers in clear, or null for a forgotten person. */
export interface OpenedNumbers {
  readonly idNumber: string | null;
  readonly phone: string | null;
}

/**
 * Opens a person's ID and phone numbers as recorded (sealed, or clear in history not yet migrated)
 * through the vault, with one read of the key table: null once the person's key is deleted. Who
 * sees them in full is the kit's response hook's business.
 */
export async function openNumbers(
  vault: PersonalDataVault,
  recorded: { readonly idNumber: string | null; readonly phone: string | null },
): Promise<OpenedNumbers> {
  if (recorded.idNumber === null || recorded.phone === null) return { idNumber: null, phone: null };
  const [idNumber = null, phone = null] = await vault.openAll([recorded.idNumber, recorded.phone]);
  return { idNumber, phone };
}

/** A person as every residents answer shows them; ID and phone numbers are masked by the kit's response hook. */
export function personView(
  person: KnownPerson,
  numbers: OpenedNumbers,
  revision: number,
  today: string,
) {
  const refusal = passRefusal(person);
  return {
    personId: person.personId,
    status: person.status,
    householdId: person.householdId,
    community: person.community,
    name: person.name,
    idNumber: numbers.idNumber,
    phone: numbers.phone,
    // Birth dates go with the ID number (it holds them): gone with a forgotten person's.
    birthDate: person.forgottenOn === null ? person.birthDate : null,
    /** Set once the person was forgotten: their ID and phone numbers are null from then on. */
    forgottenOn: person.forgottenOn,
    sex: person.sex,
    registration: person.registration,
    originProvince: person.originProvince,
    originCity: person.originCity,
    travelHistory: person.travelHistory,
    lastArrival: lastArrival(person),
    arrivals: person.arrivals.length,
    /** What the quarantine context decided about the last arrival (pending until it has), or null without one. */
    quarantineAssessment: lastArrivalAssessment(person),
    latestScreening: latestScreening(person),
    screenings: person.screenings.length,
    underQuarantine: underQuarantine(person),
    quarantineCases: [...person.activeQuarantines.keys()],
    pass: passView(person, today),
    /** Whether a pass could be issued now, or why not. */
    passEligibility: person.status === 'moved-out' ? 'moved-out' : (refusal ?? 'eligible'),
    ...(person.status === 'moved-out'
      ? { movedOutOn: person.movedOutOn, destination: person.destination }
      : {}),
    revision,
  };
}

/**
 * An arrival is decided on by the quarantine context, a moment later: the answer says so and where
 * the decision will show (the person's record, `quarantineAssessment`), so that a decision not to
 * start a case reaches the registrar too.
 */
const pendingAssessment = (personId: string) => ({
  status: 'pending' as const,
  see: `/residents/people/${personId}`,
});

/** History keeps every event; the numbers are opened as on the person's page (and masked by the hook). */
async function openHistory(vault: PersonalDataVault, history: Envelope[]): Promise<Envelope[]> {
  return Promise.all(
    history.map(async (e) => {
      if (e.type !== 'residents.person-registered') return e;
      const { birthDate, ...data } = e.data as {
        idNumber: string;
        phone: string;
        birthDate: string;
      };
      const numbers = await openNumbers(vault, data);
      return {
        ...e,
        data:
          numbers.idNumber !== null ? { ...data, ...numbers, birthDate } : { ...data, ...numbers },
      };
    }),
  );
}

/** HTTP for people: registration, arrivals, moves, door-to-door screenings (排查) and passes (通行证). */
export function personRoutes(app: ServiceApp, deps: ResidentsDeps): void {
  const run = (ctx: CommandContext, personId: string, command: PersonCommand) =>
    handleCommand(
      deps.eventStore,
      personStreamId(personId),
      personDecider,
      command,
      commandMeta(ctx, {
        newId: deps.newId,
        occurredAt: deps.clock(),
        authorize: inCommunityOf(ctx.user),
      }),
    );
  const today = () => businessDate(deps.clock(), deps.timeZone);
  const district = districtOfDeps(deps);

  /** The household a person joins, read from its own stream and handed to the decider; one of another community is as unknown. */
  const householdFacts = async (
    user: User,
    householdId: string,
  ): Promise<HouseholdFacts | null> => {
    const { state } = await loadAggregate(
      deps.eventStore,
      householdStreamId(householdId),
      householdDecider,
    );
    if (state.status === 'none' || !worksIn(user, state.community)) return null;
    return {
      householdId,
      community: state.community,
      rentalSuspended: state.rental.status === 'suspended',
    };
  };

  /** 409 if the person holding an ID number exists; their id only for someone who works in their community. */
  const refuseIfRegistered = async (user: User, personId: string): Promise<void> => {
    const { state } = await loadAggregate(deps.eventStore, personStreamId(personId), personDecider);
    if (state.status === 'none') return;
    const detail = worksIn(user, state.community)
      ? `the ID number is registered as person ${personId}`
      : 'the ID number is already registered';
    throw new DomainError('PERSON_ALREADY_REGISTERED', detail, [
      { field: 'body.idNumber', message: 'already registered' },
    ]);
  };

  const load = async (user: User, personId: string) => {
    const loaded = await loadAggregate(deps.eventStore, personStreamId(personId), personDecider);
    if (loaded.state.status === 'none') throw personNotFound(personId)();
    requireInScope(user, loaded.state.community, personNotFound(personId));
    return { ...loaded, person: loaded.state };
  };

  route(app, {
    method: 'POST',
    url: '/residents/people',
    summary:
      'Register a person in a household; an outside-registered person (外来人员) with an arrival date is also reported as arrived',
    tags: ['people'],
    body: RegisterPersonSchema,
    roles: ['registrar'],
    status: 201,
    handler: async (ctx) => {
      const household = await householdFacts(ctx.user, ctx.body.householdId);
      const register = (
        personId: string,
        sealed: RegisterPerson['data']['sealed'],
      ): RegisterPerson => ({
        type: 'RegisterPerson',
        data: { ...ctx.body, personId, today: today(), household, sealed },
      });
      const meta = commandMeta(ctx, { newId: deps.newId, occurredAt: deps.clock() });
      // Every refusal comes before the reservation, which is not undone: a new person's stream is
      // empty (revision -1), and the decider is pure, so deciding now appends nothing.
      if (meta.expectedRevision !== undefined && meta.expectedRevision !== -1) {
        throw new DomainError(
          'PRECONDITION_FAILED',
          `If-Match revision ${meta.expectedRevision}, current -1`,
          [{ field: 'headers.if-match', message: 'not the current revision (-1: a new person)' }],
        );
      }
      const freshId = deps.newId();
      personDecider.decide(
        register(freshId, { idNumber: 'unsealed', phone: 'unsealed' }),
        personDecider.initialState(),
      );

      const { outcome, personId } = await reserveIdNumber(
        deps.eventStore,
        deps.vault,
        deps.reservationKey,
        ctx.body.idNumber,
        freshId,
        meta,
      );
      // Held by a person who exists: refused. Held, but the registration never followed (a crash
      // between the two appends): complete it under the reserved id.
      if (outcome === 'held') await refuseIfRegistered(ctx.user, personId);
      // Sealed with the person's own key (made now, or kept from an unfinished registration).
      const [idNumber, phone] = await deps.vault.sealAll(personId, [
        ctx.body.idNumber,
        ctx.body.phone,
      ]);
      const sealed = { idNumber: idNumber!, phone: phone! };
      const result = await run(ctx, personId, register(personId, sealed)).catch(
        async (error: unknown) => {
          // Another request with the same ID number completed this person first (seen as a lost race,
          // or, decided again on the fresh stream, as a person who already exists).
          const completedByAnother =
            error instanceof WrongExpectedRevisionError ||
            (error instanceof DomainError && error.code === 'PERSON_ALREADY_EXISTS');
          if (completedByAnother) await refuseIfRegistered(ctx.user, personId);
          throw error;
        },
      );
      ctx.reply
        .header('location', `/residents/people/${personId}`)
        .header('etag', `"${result.revision}"`);
      const arrivalReported = result.events.some((e) => e.type === 'residents.person-arrived');
      return {
        personId,
        revision: result.revision,
        events: result.eventIds,
        arrivalReported,
        quarantineAssessment: arrivalReported ? pendingAssessment(personId) : null,
      };
    },
  });

  route(app, {
    method: 'GET',
    url: '/residents/people/:personId',
    summary:
      'A person as their own event stream tells it: household, arrivals, latest screening, pass, quarantine',
    tags: ['people'],
    params: PersonParams,
    roles: [...READERS],
    handler: async (ctx) => {
      const { person, revision } = await load(ctx.user, ctx.params.personId);
      ctx.reply.header('etag', `"${revision}"`);
      return personView(person, await openNumbers(deps.vault, person), revision, today());
    },
  });

  route(app, {
    method: 'GET',
    url: '/residents/people/:personId/pass',
    summary: "A person's pass and whether it is valid today, for checkpoint staff",
    tags: ['people', 'passes'],
    params: PersonParams,
    roles: [...READERS, 'checkpoint-staff'],
    handler: async (ctx) => {
      const { person, revision } = await load(ctx.user, ctx.params.personId);
      const { idNumber } = await openNumbers(deps.vault, person);
      return {
        personId: person.personId,
        name: person.name,
        idNumber,
        community: person.community,
        status: person.status,
        pass: passView(person, today()),
        revision,
      };
    },
  });

  route(app, {
    method: 'GET',
    url: '/residents/people/:personId/history',
    summary: "The person's events: what happened, when, recorded when, by whom",
    tags: ['people'],
    params: PersonParams,
    roles: [...READERS],
    handler: async (ctx) => {
      const { events } = await load(ctx.user, ctx.params.personId);
      return openHistory(deps.vault, toHistory(events));
    },
  });

  route(app, {
    method: 'POST',
    url: '/residents/people/:personId/forget',
    summary:
      'Forget a person (crypto-shredding): their key is deleted, so their ID and phone numbers can no longer be read anywhere: event store, topics, exports, backups. The rest of their history stays and every count still adds up',
    tags: ['people'],
    params: PersonParams,
    body: ForgetPersonSchema,
    roles: ['admin'],
    handler: async (ctx) => {
      const { personId } = ctx.params;
      // Their numbers, read while their key still opens them: the subjects of the numbers (typed at a
      // checkpoint, left by a complaint's reporter) go with the person's own key.
      const { person: known } = await load(ctx.user, personId);
      const numbers = await openNumbers(deps.vault, known);
      // Recorded first, then the keys deleted, the person's own last: a failure between them is mended
      // by sending the forget again (nothing more is recorded, the numbers still open, every key goes),
      // and no key is ever gone unrecorded.
      const result = await run(ctx, personId, {
        type: 'ForgetPerson',
        data: { ...ctx.body, personId, today: today() },
      });
      if (numbers.idNumber !== null)
        await deps.vault.forget(idNumberSubject(deps.reservationKey, numbers.idNumber));
      if (numbers.phone !== null)
        await deps.vault.forget(phoneSubject(deps.reservationKey, numbers.phone));
      await deps.vault.forget(personId);
      const person = result.state as KnownPerson;
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        personId,
        forgottenOn: person.forgottenOn,
        revision: result.revision,
        events: result.eventIds,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/residents/people/:personId/arrivals',
    summary:
      "Record an arrival: a registered person returning from elsewhere; reported to the quarantine context, whose decision (a case, or none and why) shows on the person's record as quarantineAssessment",
    tags: ['people'],
    params: PersonParams,
    body: RecordArrivalSchema,
    roles: ['registrar'],
    status: 201,
    handler: async (ctx) => {
      const { personId } = ctx.params;
      const result = await run(ctx, personId, {
        type: 'RecordArrival',
        data: { ...ctx.body, personId, today: today() },
      });
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        personId,
        revision: result.revision,
        events: result.eventIds,
        passRevoked: result.events.some((e) => e.type === 'residents.pass-revoked'),
        quarantineAssessment: pendingAssessment(personId),
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/residents/people/:personId/move-in',
    summary: 'Move a person into another household (also brings back someone who had moved out)',
    tags: ['people'],
    params: PersonParams,
    body: MoveInSchema,
    roles: ['registrar'],
    handler: async (ctx) => {
      const { personId } = ctx.params;
      const household = await householdFacts(ctx.user, ctx.body.householdId);
      const result = await run(ctx, personId, {
        type: 'MoveIn',
        data: { ...ctx.body, personId, today: today(), household },
      });
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        personId,
        householdId: ctx.body.householdId,
        revision: result.revision,
        events: result.eventIds,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/residents/people/:personId/move-out',
    summary: 'Record that a person has left the district; a valid pass is revoked',
    tags: ['people'],
    params: PersonParams,
    body: MoveOutSchema,
    roles: ['registrar'],
    handler: async (ctx) => {
      const { personId } = ctx.params;
      const result = await run(ctx, personId, {
        type: 'MoveOut',
        data: { ...ctx.body, personId, today: today() },
      });
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        personId,
        revision: result.revision,
        events: result.eventIds,
        passRevoked: result.events.some((e) => e.type === 'residents.pass-revoked'),
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/residents/people/:personId/screenings',
    summary:
      'Record a door-to-door screening (排查); ≥ 37.3 °C or any symptom is abnormal and revokes a valid pass',
    tags: ['people', 'screenings'],
    params: PersonParams,
    body: RecordScreeningSchema,
    roles: ['registrar'],
    status: 201,
    handler: async (ctx) => {
      const { personId } = ctx.params;
      const screeningId = deps.newId();
      const result = await run(ctx, personId, {
        type: 'RecordScreening',
        data: {
          ...ctx.body,
          personId,
          screeningId,
          today: today(),
          visitedBy: ctx.user.id,
          feverThresholdC: district.feverThresholdC,
        },
      });
      const recorded = result.events[0]!.data as { result: string };
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        personId,
        screeningId,
        result: recorded.result,
        passRevoked: result.events.some((e) => e.type === 'residents.pass-revoked'),
        revision: result.revision,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/residents/people/:personId/pass',
    summary:
      'Issue a pass (通行证): needs a normal latest screening after the last arrival, and no home quarantine',
    tags: ['people', 'passes'],
    params: PersonParams,
    body: IssuePassSchema,
    roles: ['registrar'],
    status: 201,
    handler: async (ctx) => {
      const { personId } = ctx.params;
      const passId = deps.newId();
      const result = await run(ctx, personId, {
        type: 'IssuePass',
        data: { ...ctx.body, personId, passId, today: today() },
      });
      ctx.reply.header('etag', `"${result.revision}"`);
      return { personId, passId, validUntil: ctx.body.validUntil, revision: result.revision };
    },
  });

  route(app, {
    method: 'POST',
    url: '/residents/people/:personId/pass/revocation',
    summary: 'Revoke the valid pass, saying why',
    tags: ['people', 'passes'],
    params: PersonParams,
    body: RevokePassSchema,
    roles: ['registrar'],
    handler: async (ctx) => {
      const { personId } = ctx.params;
      const result = await run(ctx, personId, {
        type: 'RevokePass',
        data: { ...ctx.body, personId, today: today() },
      });
      ctx.reply.header('etag', `"${result.revision}"`);
      const person = result.state as KnownPerson;
      return { personId, pass: passView(person, today()), revision: result.revision };
    },
  });
}
