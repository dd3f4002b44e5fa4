export { seedDistrict, type SeedOptions, type SeedSummary } from './district.ts';
export { httpTransport, injectTransport, send, type SeedTransport } from './client.ts';
export { DEMO_USERS, ESTATES, KUTAO_COMMUNITIES, demoUser, loadOrCreateSecret } from './users.ts';
