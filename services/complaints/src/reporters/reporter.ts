import type { ForgetReason, ReporterForgotten } from '@fangyi/contracts';

// A reporter, known only by the subject of their phone number (a keyed HMAC of it): what is
// recorded of them is that they were forgotten, and when. Their phone lives sealed in the
// complaints they filed; forgetting deletes that subject's key.

export type ReporterEvent = { type: 'complaints.reporter-forgotten'; data: ReporterForgotten };

export type ReporterState =
  | { readonly status: 'known' }
  | { readonly status: 'forgotten'; readonly forgottenOn: string };

/** The route says whether the subject still has a key: a phone left again after a forget has a new one. */
export type ForgetReporter = {
  type: 'ForgetReporter';
  data: {
    readonly subject: string;
    readonly reason: ForgetReason;
    readonly today: string;
    readonly keyHeld: boolean;
  };
};
export type ReporterCommand = ForgetReporter;

export const reporterStreamId = (subject: string): string => `reporter-${subject}`;

const initialState = (): ReporterState => ({ status: 'known' });

function evolve(_state: ReporterState, event: ReporterEvent): ReporterState {
  switch (event.type) {
    case 'complaints.reporter-forgotten':
      return { status: 'forgotten', forgottenOn: event.data.forgottenOn };
    default: {
      const _exhaustive: never = event.type;
      return _state;
    }
  }
}

/** Recorded whenever there is a key to delete; a forget with nothing left to forget records nothing (a resend). */
function decide(command: ReporterCommand, _state: ReporterState): ReporterEvent[] {
  switch (command.type) {
    case 'ForgetReporter': {
      const d = command.data;
      return d.keyHeld
        ? [
            {
              type: 'complaints.reporter-forgotten',
              data: { subject: d.subject, reason: d.reason, forgottenOn: d.today },
            },
          ]
        : [];
    }
    default: {
      const _exhaustive: never = command.type;
      throw new Error('unknown command');
    }
  }
}

export const reporterDecider = { initialState, evolve, decide };
