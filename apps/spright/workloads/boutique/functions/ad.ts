// adservice: GetAds — ads for the context keys (product categories), else 2 random ads.
import { defineFunction } from '@fastpath/spright-sdk';
import { ADS } from '../data.ts';

const ALL = Object.values(ADS).flat();

export default defineFunction({
  name: 'ad',
  handle(ctx) {
    const q = ctx.json<{ contextKeys?: string[] }>();
    let ads = (q.contextKeys ?? []).flatMap((k) => ADS[k] ?? []);
    if (ads.length === 0) ads = [ALL[Math.floor(Math.random() * ALL.length)], ALL[Math.floor(Math.random() * ALL.length)]];
    ctx.respond(200, {}, { ads });
  },
});
