// eslint-disable-next-line @nx/enforce-module-boundaries -- the shared preset is a root file, not a project
import { fastpathVitest } from '../../vitest.preset.ts';
// Serial: tests own processes, regions, netns and measure idle CPU.
export default fastpathVitest(import.meta.dirname, { serial: true, testTimeout: 60_000 });
