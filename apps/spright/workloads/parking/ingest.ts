// Parking (1) ingest: validates a snapshot upload (header, size), stamps the spot and time.
import { defineFunction } from '@fastpath/spright-sdk';
import { HEADER, MAGIC } from './snapshot.ts';

export default defineFunction({
  name: 'ingest',
  handle(ctx) {
    const b = ctx.body;
    const magicOk = b.byteLength >= HEADER && MAGIC.split('').every((c, i) => b[i] === c.charCodeAt(0));
    if (!magicOk) return ctx.respond(400, {}, { error: 'not a parking snapshot' });
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const w = v.getUint16(10, true);
    const h = v.getUint16(12, true);
    if (b.byteLength !== HEADER + w * h) return ctx.respond(400, {}, { error: `snapshot is ${b.byteLength} bytes, header says ${w}x${h}` });
    ctx.next(); // the image stays in place (zero-copy) for detect
  },
});
