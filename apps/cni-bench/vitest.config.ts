import { fastpathVitest } from '../../vitest.preset.ts';
// Serial: tests own kernel objects and the 2-core CI machine should not time out.
const config = fastpathVitest(import.meta.dirname, { serial: true, testTimeout: 120_000 });
// it.concurrent datapath tests: three labs at a time keep the 2-core CI machine responsive.
config.test!.maxConcurrency = 3;
export default config;
