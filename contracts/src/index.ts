export * from './ids.ts';
export * from './envelope.ts';
export * from './quarantine.ts';
export * from './registry.ts';
export * from './topics.ts';
export * from './residents.ts';
export * from './checkpoints.ts';
export * from './complaints.ts';
