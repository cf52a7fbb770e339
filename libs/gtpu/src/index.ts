export * from './gtpu.ts';
export * from './ip.ts';
export * from './pcap.ts';
