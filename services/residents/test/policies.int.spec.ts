import { describe } from 'vitest';
import { pino } from 'pino';
import { InProcessMessageBus } from '@fangyi/messaging';
import { policyScenario } from './policyScenario.ts';

describe('residents policies over the in-process bus', () => {
  policyScenario(
    () => new InProcessMessageBus({ logger: pino({ level: 'silent' }), handlerRetryMs: 20 }),
  );
});
