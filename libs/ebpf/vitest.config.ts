// eslint-disable-next-line @nx/enforce-module-boundaries -- the shared preset lives at the root
import { fastpathVitest } from '../../vitest.preset.ts';
// Serial: the tests own kernel objects (sockhash entries, netns, XDP/tc attachments).
export default fastpathVitest(import.meta.dirname, { serial: true, testTimeout: 60_000 });
