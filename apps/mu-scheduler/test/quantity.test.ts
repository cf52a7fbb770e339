import { describe, expect, it } from 'vitest';
import { cpuCores, memoryMiB, parseQuantity, QuantityError } from '../src/k8s/quantity.ts';
import { podRequests } from '../src/k8s/pods.ts';

describe('Kubernetes quantities', () => {
  it('parses decimal, binary and exponent suffixes', () => {
    expect(cpuCores('500m')).toBe(0.5);
    expect(cpuCores('2')).toBe(2);
    expect(cpuCores('1.5')).toBe(1.5);
    expect(memoryMiB('128Mi')).toBe(128);
    expect(memoryMiB('1Gi')).toBe(1024);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('12k')).toBe(12000);
  });
  it('rejects garbage, negatives and NaN', () => {
    for (const q of ['abc', '-1', '1Zi', '', NaN, -3, null, {}]) expect(() => parseQuantity(q)).toThrow(QuantityError);
  });
  it('computes effective pod requests: max(Σ containers, max init) + overhead', () => {
    const p = {
      spec: {
        containers: [{ resources: { requests: { cpu: '250m', memory: '64Mi' } } }, { resources: { requests: { cpu: '250m' } } }],
        initContainers: [{ resources: { requests: { cpu: '2', memory: '16Mi' } } }],
        overhead: { cpu: '100m', memory: '10Mi' },
      },
    };
    const [cpu, mem, pods] = podRequests(p);
    expect(cpu).toBeCloseTo(2.1, 12);
    expect(mem).toBe(74);
    expect(pods).toBe(1);
  });
});
