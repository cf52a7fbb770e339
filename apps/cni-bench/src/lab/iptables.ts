// iptables state of a lab host: loading rule sets with iptables-restore (in batches, as
// Calico's Felix does), and reading back which chains and rules packets traversed.
import { inNs, run } from '../exec.ts';

/** Loads an iptables-restore document into a namespace without flushing other chains. */
export async function restore(ns: string, doc: string): Promise<void> {
  await inNs(ns, ['iptables-restore', '-w', '--noflush'], { input: doc });
}

export interface ChainRules {
  table: 'filter' | 'nat' | 'mangle' | 'raw';
  /** New chains to declare (user-defined). */
  chains: string[];
  /** Rules in iptables-save syntax: "-A CHAIN ...". */
  rules: string[];
}

export function document(sets: ChainRules[]): string {
  const byTable = new Map<string, ChainRules[]>();
  for (const s of sets) byTable.set(s.table, [...(byTable.get(s.table) ?? []), s]);
  let out = '';
  for (const [table, parts] of byTable) {
    out += `*${table}\n`;
    for (const c of new Set(parts.flatMap((p) => p.chains))) out += `:${c} - [0:0]\n`;
    for (const r of parts.flatMap((p) => p.rules)) out += r + '\n';
    out += 'COMMIT\n';
  }
  return out;
}

/** Installs chains first, then rules in batches of `batch` per iptables-restore call. */
export async function restoreInBatches(ns: string, set: ChainRules, batch: number): Promise<{ batches: number; ms: number }> {
  if (!(batch >= 1)) throw new Error(`policy batch size must be >= 1 (got ${batch})`);
  const t0 = performance.now();
  await restore(ns, document([{ ...set, rules: [] }]));
  let batches = 0;
  for (let i = 0; i < set.rules.length; i += batch) {
    await restore(ns, document([{ table: set.table, chains: [], rules: set.rules.slice(i, i + batch) }]));
    batches++;
  }
  return { batches, ms: performance.now() - t0 };
}

export interface ParsedRule {
  chain: string;
  packets: number;
  bytes: number;
  target: string | null;
  text: string;
}

export interface ParsedTable {
  table: string;
  /** chain -> [policy, packets] (policy '-' for user chains) */
  chains: Map<string, { policy: string; packets: number }>;
  rules: ParsedRule[];
}

/** Parses `iptables-save -c` output. */
export function parseSave(text: string): ParsedTable[] {
  const tables: ParsedTable[] = [];
  let cur: ParsedTable | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = { table: line.slice(1).trim(), chains: new Map(), rules: [] };
      tables.push(cur);
    } else if (cur && line.startsWith(':')) {
      const m = /^:(\S+) (\S+) \[(\d+):(\d+)\]/.exec(line);
      if (m) cur.chains.set(m[1], { policy: m[2], packets: Number(m[3]) });
    } else if (cur && line.startsWith('[')) {
      const m = /^\[(\d+):(\d+)\] -A (\S+)(.*)$/.exec(line);
      if (!m) continue;
      const t = /(?:^| )-[jg] (\S+)/.exec(m[4]);
      cur.rules.push({ chain: m[3], packets: Number(m[1]), bytes: Number(m[2]), target: t ? t[1] : null, text: `-A ${m[3]}${m[4]}` });
    }
  }
  return tables;
}

const TERMINAL = new Set(['ACCEPT', 'DROP', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'RETURN', 'REDIRECT']);

export interface Traversal {
  /** "table/chain" entered by at least one packet. */
  chains: string[];
  /** Rules evaluated in those chains (see below). */
  rulesEvaluated: number;
  /** Rules that matched at least one packet. */
  rulesMatched: number;
  totalRules: number;
}

/**
 * From counters after a known exchange: a built-in chain was entered if its policy counter or
 * any rule counted; a user chain if a rule jumping to it counted. In an entered chain every
 * rule up to the last matched terminating rule was evaluated (all rules if none terminated) —
 * counters only count matches, so this is the evaluation count implied by them.
 */
export function traversal(tables: ParsedTable[]): Traversal {
  const chains: string[] = [];
  let evaluated = 0;
  let matched = 0;
  let total = 0;
  for (const t of tables) {
    const jumpedTo = new Set(t.rules.filter((r) => r.packets > 0 && r.target).map((r) => r.target!));
    for (const [name, c] of t.chains) {
      const rules = t.rules.filter((r) => r.chain === name);
      total += rules.length;
      const builtin = c.policy !== '-';
      const entered = builtin ? c.packets > 0 || rules.some((r) => r.packets > 0) : jumpedTo.has(name);
      if (!entered) continue;
      if (!(builtin && rules.length === 0)) chains.push(`${t.table}/${name}`);
      let last = rules.length;
      for (let i = rules.length - 1; i >= 0; i--) {
        if (rules[i].packets > 0 && rules[i].target && TERMINAL.has(rules[i].target!)) {
          last = i + 1;
          break;
        }
      }
      evaluated += last;
      matched += rules.filter((r) => r.packets > 0).length;
    }
  }
  return { chains, rulesEvaluated: evaluated, rulesMatched: matched, totalRules: total };
}

export async function zeroCounters(ns: string): Promise<void> {
  for (const t of ['filter', 'nat', 'mangle', 'raw']) await inNs(ns, ['iptables', '-w', '-t', t, '-Z'], { allowFail: true });
}

export async function save(ns: string): Promise<ParsedTable[]> {
  return parseSave((await inNs(ns, ['iptables-save', '-c'])).stdout);
}

export { run };
