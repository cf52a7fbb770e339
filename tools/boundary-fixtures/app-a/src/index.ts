// Boundary fixture: an app importing another app (must be rejected) and a lib (allowed).
import { b } from '@fixtures/app-b';
import { c } from '@fixtures/lib-c';
export const a = b + c;
