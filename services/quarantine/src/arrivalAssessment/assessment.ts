import type { ArrivalAssessed, ArrivalAssessmentEvent } from '@fangyi/contracts';
import { DomainError } from '@fangyi/service-kit/errors';

/** One stream per arrival event: the policy's decision on it is recorded once, however often it is delivered. */
export const arrivalAssessmentStreamId = (arrivalEventId: string) =>
  `arrivalAssessment-${arrivalEventId}`;

export type RecordArrivalAssessment = { type: 'RecordArrivalAssessment'; data: ArrivalAssessed };

export type ArrivalAssessmentState =
  | { readonly status: 'none' }
  | { readonly status: 'assessed'; readonly assessment: ArrivalAssessed };

export const arrivalAssessmentDecider = {
  initialState: (): ArrivalAssessmentState => ({ status: 'none' }),
  evolve: (
    _state: ArrivalAssessmentState,
    event: ArrivalAssessmentEvent,
  ): ArrivalAssessmentState => ({ status: 'assessed', assessment: event.data }),
  decide: (
    command: RecordArrivalAssessment,
    state: ArrivalAssessmentState,
  ): ArrivalAssessmentEvent[] => {
    if (state.status === 'assessed')
      throw new DomainError(
        'ARRIVAL_ALREADY_ASSESSED',
        `arrival ${command.data.arrivalEventId}: ${state.assessment.outcome}`,
      );
    return [{ type: 'quarantine.arrival-assessed', data: command.data }];
  },
};
