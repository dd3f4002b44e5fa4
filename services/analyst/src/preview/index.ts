import type { EventStore } from '@fangyi/eventstore';
import { readPreviewHistory } from './history.ts';
import { previewPolicy, type PolicyPreview } from './preview.ts';
import {
  DEFAULT_CHECKS_PER_CALLER_PER_DAY,
  TODAY_POLICY,
  previewPolicyOf,
  type FollowUpPolicy,
  type PreviewRequest,
} from './settings.ts';

export {
  foldHistory,
  historyFold,
  readPreviewHistory,
  type PreviewHistory,
  type RecordedArrival,
  type RecordedCase,
  type RecordedCheck,
} from './history.ts';
export {
  casesUnder,
  differenceOf,
  previewPolicy,
  slotOfMinute,
  type Comparison,
  type DailyFigures,
  type Figures,
  type PolicyCase,
  type PolicyPreview,
  type PreviewOptions,
} from './preview.ts';
export {
  DEFAULT_CHECKS_PER_CALLER_PER_DAY,
  PreviewRequestSchema,
  TODAY_POLICY,
  describePolicy,
  todayPolicyOf,
  formatWindow,
  previewPolicyOf,
  type FollowUpPolicy,
  type PreviewRequest,
} from './settings.ts';

/** Reads the history through the port and compares today's policy with the one the request describes. */
export async function runPolicyPreview(
  store: EventStore,
  request: PreviewRequest,
  options: { now: Date; timeZone: string; today?: FollowUpPolicy },
): Promise<PolicyPreview> {
  const history = await readPreviewHistory(
    store,
    request.community ? { community: request.community } : {},
  );
  const today = options.today ?? TODAY_POLICY;
  return previewPolicy(history, today, previewPolicyOf(request, today), {
    ...(request.from ? { from: request.from } : {}),
    ...(request.to ? { to: request.to } : {}),
    ...(request.community ? { community: request.community } : {}),
    now: options.now,
    timeZone: options.timeZone,
    checksPerCallerPerDay: request.checksPerCallerPerDay ?? DEFAULT_CHECKS_PER_CALLER_PER_DAY,
  });
}
