// Typed errors for every FP_E_* code of native/shm; each names the region (and object) involved.

/** Error codes of native/shm (enum fp_shm_error). */
export const ShmCode = {
  INVAL: -1,
  NOENT: -2,
  EXIST: -3,
  KEY: -4,
  MAGIC: -5,
  VERSION: -6,
  NOSPACE: -7,
  EXHAUSTED: -8,
  DOUBLE_FREE: -9,
  STALE: -10,
  FULL: -11,
  TIMEOUT: -12,
  SYS: -13,
  TYPE: -14,
  NOHUGE: -15,
  CLOSED: -16,
} as const;

export class ShmError extends Error {
  constructor(
    readonly code: number,
    readonly region: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
/** attach() to a region that does not exist (or a pool/ring name that is not in it). */
export class RegionNotFoundError extends ShmError {}
export class RegionExistsError extends ShmError {}
/** attach() with a key that is not the region's domain key. */
export class RegionKeyError extends ShmError {}
/** The file is not a fastpath region. */
export class RegionMagicError extends ShmError {}
/** The region was written by another layout version of this library. */
export class RegionVersionError extends ShmError {}
export class RegionNoSpaceError extends ShmError {}
export class HugepagesUnavailableError extends ShmError {}
export class ObjectTypeError extends ShmError {}
/** A stale object reference (old generation) was used. */
export class StaleObjectError extends ShmError {}
export class DoubleFreeError extends ShmError {}
export class InvalidArgumentError extends ShmError {}
export class SystemCallError extends ShmError {}

const classes: Record<number, new (code: number, region: string | undefined, message: string) => ShmError> = {
  [ShmCode.NOENT]: RegionNotFoundError,
  [ShmCode.EXIST]: RegionExistsError,
  [ShmCode.KEY]: RegionKeyError,
  [ShmCode.MAGIC]: RegionMagicError,
  [ShmCode.VERSION]: RegionVersionError,
  [ShmCode.NOSPACE]: RegionNoSpaceError,
  [ShmCode.NOHUGE]: HugepagesUnavailableError,
  [ShmCode.TYPE]: ObjectTypeError,
  [ShmCode.STALE]: StaleObjectError,
  [ShmCode.DOUBLE_FREE]: DoubleFreeError,
  [ShmCode.INVAL]: InvalidArgumentError,
  [ShmCode.SYS]: SystemCallError,
};

/** Builds the typed error for a negative FP_E_* code; `what` says what was being done. */
export function shmError(code: number, region: string | undefined, what: string, strerror: (c: number) => string): ShmError {
  const Cls = classes[code] ?? ShmError;
  const where = region === undefined ? '' : ` (region "${region}")`;
  return new Cls(code, region, `fastpath/shm: ${what}${where}: ${strerror(code)}`);
}
