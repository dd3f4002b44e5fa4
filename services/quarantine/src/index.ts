export { buildQuarantineApp, registerQuarantine, type QuarantineAppDeps } from './app.ts';
export { quarantineErrors, homeQuarantineDecider, streamIdOf } from './homeQuarantine/homeQuarantine.ts';
