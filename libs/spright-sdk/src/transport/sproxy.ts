// S transport (SPROXY): placeholder until @fastpath/ebpf's socket API lands.
import type { Region } from '@fastpath/shm';
import type { ChainTopology } from '../topology.ts';
import type { DescriptorTransport } from './types.ts';

export class TransportUnavailableError extends Error {
  constructor(message: string) {
    super(`spright: ${message}`);
    this.name = 'TransportUnavailableError';
  }
}

export function sprightSTransport(_region: Region, _topology: ChainTopology, _selfId: number): DescriptorTransport {
  throw new TransportUnavailableError('transport "s" (SPROXY) is not wired yet; use transport: h or d');
}
