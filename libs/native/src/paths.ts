import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which build of a native library to load: the optimised one, or the ASan/UBSan one. */
export type NativeVariant = 'release' | 'asan';

function findWorkspaceRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`fastpath: no nx.json above ${start}; is this a fastpath checkout?`);
    dir = up;
  }
}

/** The repository root (the folder holding nx.json). */
export const workspaceRoot: string = findWorkspaceRoot(dirname(fileURLToPath(import.meta.url)));

/** Where native builds land: $FASTPATH_NATIVE_DIR or <root>/dist/native. */
export function nativeDir(): string {
  return resolve(process.env.FASTPATH_NATIVE_DIR ?? join(workspaceRoot, 'dist', 'native'));
}

/** Variant chosen by FASTPATH_NATIVE_VARIANT (release unless it says asan). */
export function defaultVariant(): NativeVariant {
  return process.env.FASTPATH_NATIVE_VARIANT === 'asan' ? 'asan' : 'release';
}

export function libraryPath(name: string, variant: NativeVariant = defaultVariant()): string {
  const file = `lib${name}.so`;
  return variant === 'asan' ? join(nativeDir(), 'asan', file) : join(nativeDir(), file);
}

/** Fixed test and benchmark inputs: $FASTPATH_DATA or ../shared/data beside the checkout. */
export function dataDir(): string {
  return resolve(process.env.FASTPATH_DATA ?? join(workspaceRoot, '..', 'shared', 'data'));
}
