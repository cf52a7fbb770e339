// emailservice: SendOrderConfirmation — renders the confirmation (the demo renders a Jinja
// template and logs instead of sending); answers with the rendered size.
import { defineFunction } from '@fastpath/spright-sdk';

export default defineFunction({
  name: 'email',
  handle(ctx) {
    const q = ctx.json<{ email: string; order: { orderId: string; shippingTrackingId: string; items: { item: { productId: string; quantity: number }; cost: { currencyCode: string; units: number; nanos: number } }[] } }>();
    if (!/^[^@\s]+@[^@\s]+$/.test(q.email ?? '')) return ctx.respond(400, {}, { error: 'invalid email' });
    const lines = q.order.items.map((i) => `<tr><td>${i.item.productId}</td><td>${i.item.quantity}</td><td>${i.cost.currencyCode} ${(i.cost.units + i.cost.nanos / 1e9).toFixed(2)}</td></tr>`);
    const html = `<h2>Your Order Confirmation</h2><p>Order ${q.order.orderId}, tracking ${q.order.shippingTrackingId}</p><table>${lines.join('')}</table>`;
    ctx.respond(200, {}, { sent: true, to: q.email, bytes: html.length });
  },
});
