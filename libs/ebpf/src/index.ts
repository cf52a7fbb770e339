// @fastpath/ebpf: libbpf for Node (typed, disposable), SPROXY (descriptor routing between
// function sockets), EPROXY (XDP/tc forwarding) and Prometheus export of their per-CPU maps.
export { BpfError, BpfPermissionError, BpfVerifierError, BpfNotFoundError, BpfUsageError } from './errors.ts';
export { BpfObject, BpfProgram, type OpenOptions } from './object.ts';
export { BpfMap, TypedMap, MapType, UpdateFlags, possibleCpus, structCodec, u32Codec, u64Codec, type Codec } from './map.ts';
export { attachSkMsg, attachXdp, attachTc, xdpProgramId, ifindex, linkSupport, type Attachment, type XdpOptions, type TcOptions } from './attach.ts';
export * from './layout.ts';
export { DescriptorIo, type UnitsHandler, type DescriptorIoOptions } from './descriptor-io.ts';
export { CreditTransport, BackpressureError, type FunctionIdentity, type TransportOptions, type Received } from './transport.ts';
export { SproxyManager, sproxyObjectPath, type FunctionEndpoint, type SproxyOptions, type MetricsRow } from './sproxy.ts';
export { registerFunctionSocket, type RegisteredSocket } from './register.ts';
export { Eproxy, eproxyObjectPath, type EproxyInterface, type EproxyCounters } from './eproxy.ts';
export { exportSproxyMetrics, exportEproxyMetrics } from './metrics.ts';
