// @fastpath/spright-sdk: write SPRIGHT functions (defineFunction + ctx) and the runtime pieces
// the gateway and function hosts share (object layout, routing, transports, ingress).
export { defineFunction, isSprightFunction, FunctionDefinitionError, type FunctionDefinition, type SprightFunction } from './define.ts';
export { Context, type CallResult, type CallOptions } from './context.ts';
export { CallFailedError, ContextDoneError } from './errors.ts';
export * from './object-layout.ts';
export * from './topology.ts';
export { Router, RouteError } from './routing.ts';
export { FunctionRuntime, type RuntimeOptions, type RuntimeStats } from './runtime.ts';
export { ChainIngress, type IngressOptions, type IngressResult, type IngressStats } from './ingress.ts';
export { attachPlane, type ChainPlane } from './plane.ts';
export { RingTransport, hybridSpinNs } from './transport/ring.ts';
export { TransportUnavailableError, SproxyTransport, functionId, ENV_SPROXY_SOCKET, ENV_SPROXY_FD } from './transport/sproxy.ts';
export type { DescriptorTransport, ObjectOwners, SendResult } from './transport/types.ts';
export * from './host-messages.ts';
import { fileURLToPath } from 'node:url';
/** Path of the function host entry the agent spawns (one process per instance). */
export const hostEntry: string = fileURLToPath(new URL('./host-main.ts', import.meta.url));
