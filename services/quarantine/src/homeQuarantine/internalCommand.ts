import type { Actor } from '@fangyi/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@fangyi/eventstore';
import { DomainError, handleCommand } from '@fangyi/service-kit';
import type { HomeQuarantineCommand } from './commands.ts';
import { homeQuarantineDecider, streamIdOf } from './homeQuarantine.ts';

export type InternalOutcome =
  | { readonly done: 'appended'; readonly revision: number }
  | { readonly done: 'already'; readonly code: string };

/**
 * A command the service sends itself (from a policy or the scheduler). A writer that lost a race
 * on the stream reads it again and decides anew, which is how a second instance finds that the
 * work is done. Refusals listed in `alreadyDone` mean exactly that and are returned, not thrown.
 */
export async function sendInternalCommand(
  eventStore: EventStore,
  command: HomeQuarantineCommand,
  meta: {
    actor: Actor;
    correlationId: string;
    causationId: string | null;
    occurredAt: Date;
    newId: () => string;
    alreadyDone: readonly string[];
    attempts?: number;
  },
): Promise<InternalOutcome> {
  const attempts = meta.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await handleCommand(
        eventStore,
        streamIdOf(command.data.caseId),
        homeQuarantineDecider,
        command,
        {
          actor: meta.actor,
          correlationId: meta.correlationId,
          causationId: meta.causationId,
          occurredAt: meta.occurredAt,
          newId: meta.newId,
        },
      );
      return { done: 'appended', revision: result.revision };
    } catch (error) {
      if (error instanceof DomainError && meta.alreadyDone.includes(error.code))
        return { done: 'already', code: error.code };
      if (error instanceof WrongExpectedRevisionError && attempt < attempts) continue;
      throw error;
    }
  }
}
