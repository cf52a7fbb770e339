import { fastpathVitest } from '../../vitest.preset.ts';
// One lab run at a time; a quick suite takes a few minutes on a loaded 2-core machine.
export default fastpathVitest(import.meta.dirname, { serial: true, testTimeout: 900_000 });
