// The UPF end-to-end suite with N3 received by recvmmsg on a UDP socket.
import { defineUpfE2e } from './suite.ts';

defineUpfE2e('socket');
