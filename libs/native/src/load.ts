import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { libraryPath, type NativeVariant, defaultVariant } from './paths.ts';

/** A native library that is not built yet, or failed to load. */
export class NativeLoadError extends Error {
  constructor(
    readonly library: string,
    readonly path: string,
    cause?: unknown,
  ) {
    super(
      existsSync(path)
        ? `fastpath: cannot load ${path}: ${(cause as Error)?.message ?? cause}`
        : `fastpath: native library ${library} is not built (${path} missing); run: pnpm nx run native-${library.replace(/^fastpath_/, '')}:build`,
      { cause },
    );
    this.name = 'NativeLoadError';
  }
}

const cache = new Map<string, koffi.IKoffiLib>();

/** Loads dist/native/lib<name>.so (or its ASan build) once per process. */
export function loadLibrary(name: string, variant: NativeVariant = defaultVariant()): koffi.IKoffiLib {
  const path = libraryPath(name, variant);
  let lib = cache.get(path);
  if (!lib) {
    if (!existsSync(path)) throw new NativeLoadError(name, path);
    try {
      lib = koffi.load(path);
    } catch (err) {
      throw new NativeLoadError(name, path, err);
    }
    cache.set(path, lib);
  }
  return lib;
}

export { koffi };
