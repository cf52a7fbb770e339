// Closed-loop user model of the demo's Locust file (loadgenerator/locustfile.py): each user starts
// with index, then loops: pick a task by weight (index 1, setCurrency 2, browseProduct 10,
// addToCart 2, viewCart 3, checkout 1), run its requests, think between(1, 10) s (scaled by
// `thinkScale` to compress time). Cookies per user, one keep-alive connection per user.
import { Agent, request } from 'node:http';
import { PRODUCTS } from './data.ts';

export const TASKS = { index: 1, setCurrency: 2, browseProduct: 10, addToCart: 2, viewCart: 3, checkout: 1 } as const;
export type Task = keyof typeof TASKS;
const CURRENCIES = ['EUR', 'USD', 'JPY', 'CAD', 'GBP', 'TRY'];

export interface Sample {
  task: Task;
  /** ms since the run started, when the task began. */
  at: number;
  latencyMs: number;
  status: number;
  ok: boolean;
}

export interface UserRunOptions {
  users: number;
  durationS: number;
  /** Think time is uniform in [1, 10] s times this (1 = the demo's). */
  thinkScale?: number;
  /** Users start spread over this many seconds (Locust's spawn rate). */
  rampS?: number;
  rng?: () => number;
}

/** Deterministic PRNG for reproducible task mixes (shared with the other workloads). */
export { mulberry32 } from '@fastpath/bench';

export function pickTask(r: number): Task {
  const total = Object.values(TASKS).reduce((a, b) => a + b, 0);
  let x = r * total;
  for (const [t, w] of Object.entries(TASKS) as [Task, number][]) {
    if ((x -= w) < 0) return t;
  }
  return 'browseProduct';
}

interface Resp {
  status: number;
  body: string;
}

class User {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  readonly jar = new Map<string, string>();
  constructor(readonly base: URL) {}

  req(method: string, path: string, form?: Record<string, string>): Promise<Resp> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string> = {};
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    return new Promise((resolve, reject) => {
      const r = request({ host: this.base.hostname, port: this.base.port, path, method, headers, agent: this.agent }, (res) => {
        for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
          const [kv] = c.split(';');
          const i = kv.indexOf('=');
          if (i > 0) this.jar.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      });
      r.setTimeout(30_000, () => r.destroy(new Error(`timeout ${method} ${path}`)));
      r.on('error', reject);
      r.end(body);
    });
  }
}

const okStatus = (s: number) => s === 200 || s === 302;

/** One task's requests; returns the status of its last request (any failure short-circuits). */
export async function runTask(u: User, task: Task, rng: () => number): Promise<number> {
  const product = () => PRODUCTS[Math.floor(rng() * PRODUCTS.length)].id;
  const steps: [string, string, Record<string, string>?][] = [];
  switch (task) {
    case 'index':
      steps.push(['GET', '/']);
      break;
    case 'setCurrency':
      steps.push(['POST', '/setCurrency', { currency_code: CURRENCIES[Math.floor(rng() * CURRENCIES.length)] }]);
      break;
    case 'browseProduct':
      steps.push(['GET', `/product/${product()}`]);
      break;
    case 'viewCart':
      steps.push(['GET', '/cart']);
      break;
    case 'addToCart':
    case 'checkout': {
      const p = product();
      steps.push(['GET', `/product/${p}`], ['POST', '/cart', { product_id: p, quantity: String(1 + Math.floor(rng() * 10)) }]);
      if (task === 'checkout') {
        steps.push(['POST', '/cart/checkout', {
          email: 'someone@example.com', street_address: '1600 Amphitheatre Parkway', zip_code: '94043', city: 'Mountain View', state: 'CA', country: 'United States',
          credit_card_number: '4432-8015-6152-0454', credit_card_expiration_month: '1', credit_card_expiration_year: '2039', credit_card_cvv: '672',
        }]);
      }
    }
  }
  let status = 0;
  for (const [m, p, f] of steps) {
    status = (await u.req(m, p, f)).status;
    if (!okStatus(status)) return status;
  }
  return status;
}

export async function runUsers(url: string, o: UserRunOptions, onSample?: (s: Sample) => void): Promise<Sample[]> {
  const rng = o.rng ?? Math.random;
  const think = o.thinkScale ?? 1;
  const t0 = performance.now();
  const end = t0 + o.durationS * 1000;
  const samples: Sample[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, end - performance.now()))));
  const one = async (i: number) => {
    await sleep(((o.rampS ?? 0) * 1000 * i) / Math.max(1, o.users));
    const u = new User(new URL(url));
    let first = true;
    while (performance.now() < end) {
      const task: Task = first ? 'index' : pickTask(rng());
      first = false;
      const s = performance.now();
      let status = 0;
      try {
        status = await runTask(u, task, rng);
      } catch {
        status = 0;
      }
      const sample = { task, at: s - t0, latencyMs: performance.now() - s, status, ok: okStatus(status) };
      samples.push(sample);
      onSample?.(sample);
      await sleep((1000 + rng() * 9000) * think);
    }
    u.agent.destroy();
  };
  await Promise.all(Array.from({ length: o.users }, (_, i) => one(i)));
  return samples;
}
