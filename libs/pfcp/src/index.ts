export * from './constants.ts';
export * from './errors.ts';
export { Reader, Writer, ipv4ToInt, intToIpv4, ipv4Bytes, ipv6Bytes } from './bytes.ts';
export type { NodeId, FSeid, FTeid, UeIpAddress, SdfFilter, OuterHeaderRemoval, OuterHeaderCreation, GateStatus, BitRate, Volume, VolumeMeasurement } from './ies.ts';
export type * from './grouped.ts';
export * from './messages.ts';
export * from './sdf.ts';
export * from './cause.ts';
export * from './client.ts';
