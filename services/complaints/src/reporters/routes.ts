import { ForgetReporterSchema } from '@fangyi/contracts';
import {
  businessDate,
  commandMeta,
  handleCommand,
  phoneSubject,
  route,
  type ServiceApp,
} from '@fangyi/service-kit';
import type { ComplaintsDeps } from '../complaint/routes.ts';
import { reporterDecider, reporterStreamId, type ReporterState } from './reporter.ts';

/** HTTP for reporters: forgetting one by their phone number (crypto-shredding). */
export function reporterRoutes(app: ServiceApp, deps: ComplaintsDeps): void {
  route(app, {
    method: 'POST',
    url: '/complaints/reporters/forget',
    summary:
      "Forget a reporter by their phone number (crypto-shredding): the phone's key is deleted, so it can no longer be read in any complaint, on any topic or in any backup; the complaints stay and every count still adds up. Forgetting a resident in residents forgets their phone here too",
    tags: ['complaints'],
    body: ForgetReporterSchema,
    roles: ['admin'],
    handler: async (ctx) => {
      const subject = phoneSubject(deps.namingKey, ctx.body.phone);
      // Recorded first, then the key deleted: a failure between the two is mended by sending it again.
      const keyHeld = await deps.vault.has(subject);
      const today = businessDate(deps.clock(), deps.timeZone);
      const result = await handleCommand(
        deps.eventStore,
        reporterStreamId(subject),
        reporterDecider,
        { type: 'ForgetReporter', data: { subject, reason: ctx.body.reason, today, keyHeld } },
        commandMeta(ctx, { newId: deps.newId, occurredAt: deps.clock() }),
      );
      await deps.vault.forget(subject);
      const state = result.state as ReporterState;
      return {
        forgotten: keyHeld,
        forgottenOn: state.status === 'forgotten' ? state.forgottenOn : null,
        events: result.eventIds,
      };
    },
  });
}
