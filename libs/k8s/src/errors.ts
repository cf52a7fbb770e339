// Typed errors for the Kubernetes layer: callers branch on `code` (409 conflict, 410 gone, ...)
// instead of parsing messages.

/** An API call answered with a non-2xx status (or a watch ERROR event). */
export class K8sApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'K8sApiError';
  }
}

/** A manifest that does not match the Kubernetes OpenAPI schema of its kind. */
export class ManifestValidationError extends Error {
  constructor(
    readonly manifest: string,
    readonly details: string,
  ) {
    super(`invalid manifest ${manifest}: ${details}`);
    this.name = 'ManifestValidationError';
  }
}

/** Waiting for an object to become ready ran out of time. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly object: string,
    readonly timeoutMs: number,
    readonly lastState: string,
  ) {
    super(`${object} not ready after ${timeoutMs} ms (last state: ${lastState})`);
    this.name = 'WaitTimeoutError';
  }
}

/** Status code of anything client-node or we throw: ApiException.code, error.statusCode, K8sApiError.code. */
export function statusCodeOf(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

export const isConflict = (err: unknown): boolean => statusCodeOf(err) === 409;
export const isGone = (err: unknown): boolean => statusCodeOf(err) === 410;
export const isNotFound = (err: unknown): boolean => statusCodeOf(err) === 404;

/** Converts a client-node ApiException (body is a JSON string or a Status) into a K8sApiError. */
export function toApiError(err: unknown, what: string): unknown {
  const code = statusCodeOf(err);
  if (code === undefined || err instanceof K8sApiError) return err;
  let body: any = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* keep the raw text */
    }
  }
  const reason = typeof body === 'object' && body?.reason ? String(body.reason) : String(code);
  const msg = typeof body === 'object' && body?.message ? String(body.message) : (err as Error).message;
  return new K8sApiError(code, reason, `${what}: HTTP ${code} ${reason}: ${msg}`, body);
}
