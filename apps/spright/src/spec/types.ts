// The validated, defaulted chain spec as the agent, gateway and CLI see it.
export type Transport = 's' | 'd' | 'h';

export interface FunctionSpec {
  name: string;
  /** Absolute path after loading (resolved against the spec file's folder). */
  module: string;
  instances: number;
  concurrency: number;
  env: Record<string, string>;
  resources?: { cpu?: string; memory?: string };
}

export interface SequenceRoute {
  path: string;
  method?: string;
  functions: string[];
}

export interface TopicRoute {
  from: string;
  topic: string;
  to: string;
}

export interface ChainSpec {
  apiVersion?: 'spright/v1';
  name: string;
  transport: Transport;
  pool: { objectSize: number; objects: number };
  gateway: { address: string; port: number; concurrency: number; timeoutMs: number; http2Port?: number; netns: boolean };
  functions: FunctionSpec[];
  routes: { default: string[]; sequences: SequenceRoute[]; topics: TopicRoute[] };
  adapters: { protocol: 'mqtt' | 'coap'; port: number }[];
}
