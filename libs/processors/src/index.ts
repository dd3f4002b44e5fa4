export {
  startProcessor,
  startProcessors,
  readinessOf,
  StatusTracker,
  type Processor,
  type ProcessorGroup,
  type ProcessorSource,
  type ProcessorState,
  type ProcessorStatus,
  type RunningProcessor,
} from './processor.ts';
export { logSource, type LogSourceOptions } from './logSource.ts';
export { busSource, type BusSourceOptions } from './busSource.ts';
export {
  policyProcessor,
  readModelProcessor,
  startLogView,
  type LogView,
  type LogViewOptions,
  type PolicyOptions,
  type ReadModelOptions,
} from './kinds.ts';
export { tracedProcessor } from './tracing.ts';
