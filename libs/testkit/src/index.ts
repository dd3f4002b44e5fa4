export { deciderSpec } from './deciderSpec.ts';
export { requireInfra, type InfraName } from './infra.ts';
