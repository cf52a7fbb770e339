// Private addresses used inside a lab. They only exist inside the lab's own namespaces
// (two hosts joined by a veth wire), so concurrent labs never collide and nothing leaves.
export const WIRE_NET = '192.168.77';
export const POD_NET = '10.244';
export const SERVICE_NET = '10.96.0';
/** Link-local gateway the L3 styles (Calico, Cilium) give every pod, as Calico does. */
export const L3_GATEWAY = '169.254.1.1';
/** Ports: tcprr, iperf3 test stream, HTTP. */
export const PORTS = { rr: 12865, stream: 5201, http: 80, bgBase: 5300 } as const;

export const wireIp = (host: number) => `${WIRE_NET}.${host}`;
export const podCidr = (host: number) => `${POD_NET}.${host}.0/24`;
export const podIp = (host: number, idx: number) => {
  if (idx < 0 || idx > 200) throw new RangeError(`pod index ${idx} outside 0..200`);
  return `${POD_NET}.${host}.${10 + idx}`;
};
export const bridgeIp = (host: number) => `${POD_NET}.${host}.1`;
export const serviceIp = (k: number) => `${SERVICE_NET}.${10 + k}`;
