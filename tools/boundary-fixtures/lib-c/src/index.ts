// Boundary fixture: a lib importing an app (must be rejected).
import { b } from '@fixtures/app-b';
export const c = b + 1;
