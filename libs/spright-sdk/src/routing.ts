// Userspace half of Direct Function Routing (the dissertation's two-step routing): the chain's
// routing table picks the next function (by sequence position or (function, topic)) and one of
// its live instances; the transport then moves the descriptor to that instance.
import type { ChainTopology, InstanceInfo } from './topology.ts';

/** A route that names a topic or function the chain does not have. */
export class RouteError extends Error {
  constructor(message: string) {
    super(`spright: ${message}`);
    this.name = 'RouteError';
  }
}

export class Router {
  readonly #byFn = new Map<string, InstanceInfo[]>();
  readonly #down = new Set<number>();
  readonly #rr = new Map<string, number>();

  constructor(readonly topology: ChainTopology) {
    for (const f of topology.functions) this.#byFn.set(f.name, f.instances);
  }

  markDown(id: number): void {
    this.#down.add(id);
  }
  markUp(id: number): void {
    this.#down.delete(id);
  }
  isUp(id: number): boolean {
    return !this.#down.has(id);
  }

  /** Live instances of fn, in round-robin order starting at the next one. */
  candidates(fn: string): InstanceInfo[] {
    const all = this.#byFn.get(fn);
    if (!all) throw new RouteError(`no function "${fn}" in chain "${this.topology.chain}"`);
    const start = this.#rr.get(fn) ?? 0;
    this.#rr.set(fn, (start + 1) % all.length);
    const out: InstanceInfo[] = [];
    for (let i = 0; i < all.length; i++) {
      const inst = all[(start + i) % all.length];
      if (!this.#down.has(inst.id)) out.push(inst);
    }
    return out;
  }

  topicId(topic: string): number {
    const id = this.topology.topicIds[topic];
    if (id === undefined) throw new RouteError(`unknown topic "${topic}" (chain "${this.topology.chain}" has: ${Object.keys(this.topology.topicIds).join(', ') || 'none'})`);
    return id;
  }

  /** Function that follows `from` on `topic`, per routes.topics. */
  byTopic(from: string, topic: string): string {
    const to = this.topology.topicRoutes[`${from}/${this.topicId(topic)}`];
    if (!to) throw new RouteError(`no route for (${from}, ${topic})`);
    return to;
  }

  /** Function after `from` in sequence `seq`, or undefined at the end (answer goes back). */
  bySequence(seq: number, from: string): string | undefined {
    const s = this.topology.sequences[seq] ?? this.topology.sequences[0];
    const at = s.functions.indexOf(from);
    return at >= 0 ? s.functions[at + 1] : undefined;
  }

  head(seq: number): string {
    return (this.topology.sequences[seq] ?? this.topology.sequences[0]).functions[0];
  }
}
