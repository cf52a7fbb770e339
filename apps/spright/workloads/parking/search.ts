// Parking (3) plate search: is the plate's metadata in the database? found -> charge, else -> persist.
import { defineFunction } from '@fastpath/spright-sdk';
import { findPlate } from './db.ts';

export default defineFunction({
  name: 'search',
  handle(ctx) {
    const o = ctx.json<{ plate: string }>();
    return findPlate(o.plate) ? ctx.next('found') : ctx.next();
  },
});
