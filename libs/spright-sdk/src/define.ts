// The user-facing SDK surface: defineFunction and the handler context type.
import type { Context } from './context.ts';

export interface FunctionDefinition {
  /** Must equal the function's name in the chain spec (checked at start). */
  name: string;
  /** Runs once per request; many run concurrently on the process's event loop. */
  handle(ctx: Context): Promise<void> | void;
  /** Optional one-time setup after the data plane is attached, before the instance is ready. */
  init?(): Promise<void> | void;
}

const BRAND = Symbol.for('fastpath.spright.function');

export type SprightFunction = FunctionDefinition & { readonly [BRAND]: true };

/** The clear error a module gets when its default export is not a defined function. */
export class FunctionDefinitionError extends TypeError {
  constructor(message: string) {
    super(`spright: ${message}`);
    this.name = 'FunctionDefinitionError';
  }
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

/** Declares a SPRIGHT function; export it as the module's default export. */
export function defineFunction(def: FunctionDefinition): SprightFunction {
  if (!def || typeof def !== 'object') throw new FunctionDefinitionError('defineFunction needs an object { name, handle }');
  if (typeof def.name !== 'string' || !NAME.test(def.name)) throw new FunctionDefinitionError(`function name ${JSON.stringify(def.name)} must match ${NAME}`);
  if (typeof def.handle !== 'function') throw new FunctionDefinitionError(`function "${def.name}" has no handle(ctx) method`);
  if (def.init !== undefined && typeof def.init !== 'function') throw new FunctionDefinitionError(`function "${def.name}": init must be a function`);
  return Object.freeze({ ...def, [BRAND]: true as const });
}

export function isSprightFunction(x: unknown): x is SprightFunction {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
}
