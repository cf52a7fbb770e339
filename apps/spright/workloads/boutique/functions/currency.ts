// currencyservice: GetSupportedCurrencies and Convert (via EUR, as the demo does).
import { defineFunction } from '@fastpath/spright-sdk';
import { EUR_RATES, fromNumber, toNumber, type Money } from '../data.ts';

export default defineFunction({
  name: 'currency',
  handle(ctx) {
    const q = ctx.json<{ op: string; from?: Money; to?: string; many?: Money[] }>();
    if (q.op === 'supported') return ctx.respond(200, {}, { currencyCodes: Object.keys(EUR_RATES) });
    if (q.op === 'convert') {
      const list = q.many ?? (q.from ? [q.from] : []);
      const to = q.to ?? '';
      if (!(to in EUR_RATES) || list.some((m) => !(m.currencyCode in EUR_RATES))) return ctx.respond(400, {}, { error: `unsupported currency ${to}` });
      const out = list.map((m) => fromNumber(to, (toNumber(m) / EUR_RATES[m.currencyCode]) * EUR_RATES[to]));
      return ctx.respond(200, {}, q.many ? { many: out } : out[0]);
    }
    return ctx.respond(400, {}, { error: `unknown op ${q.op}` });
  },
});
