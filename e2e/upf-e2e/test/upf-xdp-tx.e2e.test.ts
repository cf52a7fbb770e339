// The UPF end-to-end suite with the default I/O of a config that names the N3 interface and the
// N6 next hop: AF_XDP receive and send on N3, AF_XDP send on N6 (shared UMEM).
import { defineUpfE2e } from './suite.ts';

defineUpfE2e('xdp-tx');
