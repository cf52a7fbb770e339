// eslint-disable-next-line @nx/enforce-module-boundaries -- the shared preset lives at the root
import { fastpathVitest } from '../../vitest.preset.ts';
// Files may run in parallel: every kernel object a test creates is its own (a manager and its
// maps per file, pid-prefixed netns/veths, checks by program id), and most time is spent waiting
// for function processes to start.
export default fastpathVitest(import.meta.dirname, { testTimeout: 60_000 });
