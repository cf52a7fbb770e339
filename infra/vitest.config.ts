import { fastpathVitest } from '../vitest.preset.ts';
export default fastpathVitest(import.meta.dirname, { include: ['*/test/**/*.test.ts'], testTimeout: 60_000 });
