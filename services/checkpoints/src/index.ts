export {
  buildCheckpointsApp,
  registerCheckpoints,
  checkpointsErrors,
  type CheckpointsAppDeps,
} from './app.ts';
export type { CheckpointsDeps } from './http.ts';
export {
  checkpointDecider,
  checkpointStreamId,
  currentShift,
  type CheckpointState,
  type ShiftRecord,
} from './checkpoint/checkpoint.ts';
export { computeCoverage, type Coverage } from './checkpoint/coverage.ts';
export {
  CHECKPOINT_LIST_COLLECTION,
  checkpointListProjection,
  evolveListItem,
  startCheckpointList,
  type CheckpointList,
  type CheckpointListItem,
  type ListStatus,
} from './checkpointList/projection.ts';
export { crossingDecider, crossingStreamId } from './crossings/crossings.ts';
export {
  UNDER_QUARANTINE_COLLECTION,
  startCheckpointsProjections,
  underQuarantineOf,
  underQuarantineProjection,
  type CheckpointsProjectionsOptions,
  type UnderQuarantineDoc,
} from './underQuarantine/projection.ts';
export {
  KNOWN_PASSES_COLLECTION,
  KNOWN_PEOPLE_COLLECTION,
  residentsDirectoryProjection,
  startResidentsDirectory,
  type ResidentsDirectory,
} from './residentsDirectory/projection.ts';
