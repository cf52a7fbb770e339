/** ctx.call failed: the callee died (its objects were reclaimed), timed out or had no live instance.
 * Left unhandled in a handler, it turns into a 502 for the request. */
export class CallFailedError extends Error {
  constructor(
    readonly fn: string,
    readonly reason: 'dead' | 'timeout' | 'unavailable' | 'backpressure',
    message: string,
  ) {
    super(`spright: call to "${fn}" failed (${reason}): ${message}`);
    this.name = 'CallFailedError';
  }
}

/** The request was already answered or handed on; a context is single-use. */
export class ContextDoneError extends Error {
  constructor(what: string) {
    super(`spright: ${what} after the request was already answered or handed on`);
    this.name = 'ContextDoneError';
  }
}
