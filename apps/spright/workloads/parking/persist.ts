// Parking (5) persist-metadata: stores a new plate in the database, then on to charge.
import { defineFunction } from '@fastpath/spright-sdk';
import { addPlate, findPlate } from './db.ts';

export default defineFunction({
  name: 'persist',
  handle(ctx) {
    const o = ctx.json<{ plate: string; since: number }>();
    if (!findPlate(o.plate)) addPlate(o.plate, o.since);
    ctx.setBody({ ...o, persisted: true });
    ctx.next();
  },
});
