// The UPF end-to-end suite with N3 received through AF_XDP (bpf/upf_xsk.bpf.c on the N3 veth).
import { defineUpfE2e } from './suite.ts';

defineUpfE2e('xdp');
