import { Region } from './src/index.ts';
const r = Region.create(`fpt-${process.pid}-y`, { size: 1 << 20, hugepages: 'never' });
const ring = r.createRing('x', { slots: 16 });
const stop = ring.listen({ strategy: 'sleep' });
try { ring.listen({ strategy: 'sleep' }); } catch (e) { console.log((e as Error).message); }
stop();
try { ring.listen({ strategy: 'sleep', integration: 'carrier-pigeon' as never }); } catch (e) { console.log((e as Error).message); }
console.log('stopped 1');
const stop2 = ring.listen({ strategy: 'sleep' });
ring.on('burst', (b, n) => { console.log('burst', n); stop2(); r.destroy(); });
ring.send({ instance: 3, chain: 0, flags: 0, topic: 0, offset: 0, generation: 0 });
console.log('sent');
