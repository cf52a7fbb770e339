// The ASan/UBSan build of libfastpath_pdrcls loaded into node through the same binding.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';
import { runUnderAsan } from '@fastpath/native/testing';

it('binding runs clean under ASan+UBSan', () => {
  const r = runUnderAsan(join(workspaceRoot, 'libs/pdrcls/test/fixtures/asan-smoke.ts'));
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain('asan-pdrcls-ok');
});
