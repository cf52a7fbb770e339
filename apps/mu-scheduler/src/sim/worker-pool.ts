// A small pool of worker threads running TypeScript modules. Node 20 does not hand tsx's loader to
// worker threads, so each worker first registers tsx (resolved from here) and then imports the module.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** tsx's ESM API entry; import.meta.resolve is missing under vitest, so fall back to require's resolution of the same export. */
function tsxApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

export function startTsWorker(moduleUrl: URL): Worker {
  const api = tsxApi();
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); }).catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(code, { eval: true });
}

/**
 * Runs every job on `size` workers (each worker takes the next job when it answers) and resolves with
 * the answers in job order. A worker error or exit before the end rejects, and all workers are ended —
 * not before `keepUntil` settles: workers that loaded a native addon (koffi) are not torn down while
 * the main thread may be inside a native call of the same addon.
 */
export async function runOnPool<J, R>(moduleUrl: URL, size: number, jobs: J[], onResult?: (r: R, job: number) => void, keepUntil?: Promise<unknown>): Promise<R[]> {
  const out = new Array<R>(jobs.length);
  if (jobs.length === 0) return out;
  const workers = Array.from({ length: Math.max(1, Math.min(size, jobs.length)) }, () => startTsWorker(moduleUrl));
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      for (const w of workers) {
        let current = -1;
        const feed = () => {
          if (next >= jobs.length) return;
          current = next++;
          w.postMessage(jobs[current]);
        };
        w.on('message', (r: R) => {
          out[current] = r;
          onResult?.(r, current);
          if (++done === jobs.length) resolve();
          else feed();
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (done < jobs.length) reject(new Error(`simulation worker exited with code ${code} before the last case`));
        });
        feed();
      }
    });
  } finally {
    await keepUntil?.catch(() => undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
