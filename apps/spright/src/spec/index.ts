export { parseChainSpec, loadChainSpec, MAX_TOPICS, type ParseOptions } from './load.ts';
export { ChainSpecError, type SpecIssue } from './errors.ts';
export type { ChainSpec, FunctionSpec, Transport, SequenceRoute, TopicRoute } from './types.ts';
