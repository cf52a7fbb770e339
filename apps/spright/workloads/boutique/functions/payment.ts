// paymentservice: Charge — validates the card (Luhn, VISA/MasterCard, not expired) and returns a
// transaction id, as the demo's charge.js does.
import { randomUUID } from 'node:crypto';
import { defineFunction } from '@fastpath/spright-sdk';

function luhn(n: string): boolean {
  let s = 0;
  for (let i = 0; i < n.length; i++) {
    let d = n.charCodeAt(n.length - 1 - i) - 48;
    if (i % 2) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    s += d;
  }
  return s % 10 === 0;
}

export default defineFunction({
  name: 'payment',
  handle(ctx) {
    const q = ctx.json<{ amount: { currencyCode: string; units: number; nanos: number }; creditCard: { creditCardNumber: string; creditCardExpirationYear: number; creditCardExpirationMonth: number } }>();
    const num = String(q.creditCard?.creditCardNumber ?? '').replace(/[\s-]/g, '');
    if (!/^\d{13,19}$/.test(num) || !luhn(num)) return ctx.respond(400, {}, { error: 'Credit card info is invalid' });
    const type = num.startsWith('4') ? 'visa' : /^5[1-5]/.test(num) ? 'mastercard' : 'other';
    if (type === 'other') return ctx.respond(400, {}, { error: `Sorry, we cannot process ${type} credit cards. Only VISA or MasterCard is accepted.` });
    const now = new Date();
    const y = q.creditCard.creditCardExpirationYear;
    const m = q.creditCard.creditCardExpirationMonth;
    if (y * 12 + m < now.getFullYear() * 12 + now.getMonth() + 1) return ctx.respond(400, {}, { error: `Your credit card (ending ${num.slice(-4)}) expired on ${m}/${y}` });
    ctx.respond(200, {}, { transactionId: randomUUID() });
  },
});
