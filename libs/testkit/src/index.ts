export { deciderSpec } from './deciderSpec.ts';
export { requireInfra, type InfraName } from './infra.ts';
export {
  TEST_AUTH_SECRET,
  TEST_MASTER_KEY,
  TEST_RESERVATION_KEY,
  authHeader,
  testToken,
  testUser,
} from './auth.ts';
export { dropSchema, freshSchemaName } from './postgres.ts';
export * from './properties.ts';
export { TEST_NAMING_KEY, testVault } from './privacy.ts';
export { ALL_DAY_SLOT_WINDOWS, districtFile } from './district.ts';
export { type TempEventStore, tempEventStore } from './tempEventStore.ts';
export { freePort } from './ports.ts';
