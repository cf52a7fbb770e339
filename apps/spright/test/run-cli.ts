// The `spright` program in-process (fast): returns what it printed, or throws what main would print.
import { vi } from 'vitest';
import { buildProgram } from '../src/cli/program.ts';

export async function runCli(...args: string[]): Promise<string> {
  let text = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (text += `${a.join(' ')}\n`));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((text += String(s)), true));
  try {
    await buildProgram({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) }).parseAsync(['node', 'spright', ...args]);
    return text;
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === 'commander.helpDisplayed') return text;
    throw err;
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}
