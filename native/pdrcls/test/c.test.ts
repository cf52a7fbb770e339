// Runs this library's C unit tests (built with ASan+UBSan) as vitest cases.
// eslint-disable-next-line @nx/enforce-module-boundaries -- native projects only use the shared test runner
import { defineCTests } from '@fastpath/native/testing';
defineCTests('fastpath_pdrcls');
