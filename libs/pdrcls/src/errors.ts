// Typed errors of the binding and the file parsers.

/** Negative return codes of libfastpath_pdrcls, by name. */
export const ERROR_CODES = { EINVAL: -22, EEXIST: -17, ENOENT: -2, ENOMEM: -12, ENOSPC: -28 } as const;
export type PdrclsErrorCode = keyof typeof ERROR_CODES | 'UNKNOWN';

/** A C call failed; `code` names the PDRCLS_E* error, `op` the call. */
export class PdrclsError extends Error {
  constructor(
    readonly code: PdrclsErrorCode,
    readonly op: string,
    message: string,
  ) {
    super(`pdrcls ${op}: ${message} (${code})`);
    this.name = 'PdrclsError';
  }
}

/** A rule, trace or update file line could not be parsed. */
export class ParseError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${source}:${line}: ${reason}`);
    this.name = 'ParseError';
  }
}

export function codeName(rc: number): PdrclsErrorCode {
  for (const [k, v] of Object.entries(ERROR_CODES)) if (v === rc) return k as PdrclsErrorCode;
  return 'UNKNOWN';
}
