import { describe, expect, it } from 'vitest';
import { defineFunction, FunctionDefinitionError, isSprightFunction } from '../src/define.ts';

describe('defineFunction', () => {
  it('brands a valid definition', () => {
    const f = defineFunction({ name: 'echo', handle: () => {} });
    expect(isSprightFunction(f)).toBe(true);
    expect(isSprightFunction({ name: 'echo', handle: () => {} })).toBe(false);
    expect(Object.isFrozen(f)).toBe(true);
  });

  it('rejects bad definitions with a clear typed error', () => {
    expect(() => defineFunction({ name: 'Bad Name', handle: () => {} })).toThrow(FunctionDefinitionError);
    expect(() => defineFunction({ name: 'x' } as never)).toThrow(/has no handle/);
    expect(() => defineFunction(null as never)).toThrow(FunctionDefinitionError);
    expect(() => defineFunction({ name: 'x', handle: () => {}, init: 3 } as never)).toThrow(/init must be a function/);
  });
});
