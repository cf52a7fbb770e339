import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { probeCapabilities, renderCapabilities } from '../src/capabilities.ts';

describe('capability probe', () => {
  const caps = probeCapabilities();
  const byName = Object.fromEntries(caps.map((c) => [c.name, c]));

  it('asks the kernel: BTF and netns agree with the file system and ip', () => {
    expect(byName['BTF'].ok).toBe(true); // CI's kernel has BTF; the build depends on it
    expect(byName['network namespaces'].ok).toBe(true);
    expect(byName['BPF sk_msg + sockmap'].ok).toBe(true);
  });

  it('leaves no namespaces behind', () => {
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(/fpdoc/);
  });

  it('renders ✓/✗ with the consequence only for what is missing', () => {
    const text = renderCapabilities([
      { name: 'A', ok: true, detail: 'fine', consequence: 'never shown' },
      { name: 'Bee', ok: false, detail: 'absent', consequence: 'feature X is skipped' },
    ]);
    expect(text).toContain('✓ A    fine');
    expect(text).toContain('✗ Bee  absent — feature X is skipped');
    expect(text).not.toContain('never shown');
  });
});
