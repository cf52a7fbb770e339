import { fastpathVitest } from '../../vitest.preset.ts';
// Serial: the multi-process tests need both cores and own shared-memory files.
export default fastpathVitest(import.meta.dirname, { serial: true, testTimeout: 120_000 });
