import { pino } from 'pino';
import { InProcessMessageBus } from '@fangyi/messaging';
import { quarantinePolicySuite } from './policySuite.ts';

quarantinePolicySuite(
  'in-process bus',
  () => new InProcessMessageBus({ logger: pino({ level: 'silent' }), handlerRetryMs: 20 }),
);
