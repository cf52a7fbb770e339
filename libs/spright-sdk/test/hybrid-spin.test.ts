// H mode spins only while the chain's processes fit on the cores (else the spin steals the CPU
// its producers need); SPRIGHT_H_SPIN_NS overrides, bad values are ignored.
import { describe, expect, it } from 'vitest';
import { hybridSpinNs } from '../src/index.ts';

describe('hybridSpinNs', () => {
  it('spins 50 µs while processes <= cores, not at all beyond', () => {
    expect(hybridSpinNs(2, 2, {})).toBe(50_000);
    expect(hybridSpinNs(3, 2, {})).toBe(0);
    expect(hybridSpinNs(11, 8, {})).toBe(0);
    expect(hybridSpinNs(11, 16, {})).toBe(50_000);
  });
  it('SPRIGHT_H_SPIN_NS overrides; empty or non-numeric values fall back to the rule', () => {
    expect(hybridSpinNs(11, 2, { SPRIGHT_H_SPIN_NS: '20000' })).toBe(20_000);
    expect(hybridSpinNs(2, 2, { SPRIGHT_H_SPIN_NS: '0' })).toBe(0);
    expect(hybridSpinNs(2, 2, { SPRIGHT_H_SPIN_NS: '-5' })).toBe(0);
    expect(hybridSpinNs(2, 2, { SPRIGHT_H_SPIN_NS: '' })).toBe(50_000);
    expect(hybridSpinNs(2, 2, { SPRIGHT_H_SPIN_NS: 'fast' })).toBe(50_000);
  });
});
