// Control messages between the agent and the processes it supervises (Node IPC channel).
// The data plane never uses this channel; it carries lifecycle and health only.
export type ToAgent =
  | { t: 'ready'; instance: number; pid: number; setupMs: number }
  | { t: 'load-error'; instance: number; stack: string }
  | { t: 'stats'; instance: number; stats: Record<string, number> };

export type ToChild =
  | { t: 'instance-down'; id: number }
  | { t: 'instance-up'; id: number }
  /** Objects were reclaimed outside a death (e.g. SPROXY dead letters): re-check what you wait for. */
  | { t: 'recheck' }
  | { t: 'stats?' }
  | { t: 'shutdown' };

export const ENV_TOPOLOGY = 'SPRIGHT_TOPOLOGY';
export const ENV_INSTANCE = 'SPRIGHT_INSTANCE';
export const ENV_MODULE = 'SPRIGHT_MODULE';
