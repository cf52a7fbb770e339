// Runs this library's C unit tests (built with ASan+UBSan) as vitest cases.
import { defineCTests } from '@fastpath/native/testing';
defineCTests('fastpath_upf_dp');
