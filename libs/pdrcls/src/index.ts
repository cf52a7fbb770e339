// @fastpath/pdrcls: PDR classifiers (LL, TSS, PSTSS, PartitionSort, oracle) and the session
// front end from native/pdrcls, plus parsers for the ClassBench and dissertation inputs.
export { PdrclsError, ParseError, ERROR_CODES, type PdrclsErrorCode } from './errors.ts';
export {
  PDR_DIMS, RULE_BYTES, KEY_BYTES, PDR_ID_NONE, Dim, DIM_MAX, anyRule, prefixRange, validateRule,
  writeRule, readRule, encodeRules, encodeKeys, ruleMatches, type PdrRule,
} from './rules.ts';
export {
  Classifier, Sessions, Kind, KIND_NAMES, Direction, MATCH_BYTES, abiVersion, strerror, kindName, ruleBetter,
  dimMax, nativeRuleMatches, nativeAnyRule, type KindName, type ClassifierStats, type SessionMatch, type SessionStats,
} from './binding.ts';
export {
  CLASSBENCH_SETS, PDR_RULE_COUNTS, DISSERTATION_PACKET, classbenchDir, classbenchPaths, classbenchMissing, readText,
  parseClassBenchRules, parsePdrRules, parseTrace, parseExpected, parseUpdates, loadClassBench, loadPdrRules,
  type ClassBenchSet, type Trace, type UpdateTrace,
} from './classbench.ts';
