// Shared test helpers: packet builders re-exported from @fastpath/gtpu and address conversion.
export { decodeGtpu, encodeGtpu, GtpuType, udpPacket, icmpPacket, parseIpv4 } from '@fastpath/gtpu';
import { ipv4ToInt } from '@fastpath/pfcp';
export const ipv4ToIntForTest = ipv4ToInt;
