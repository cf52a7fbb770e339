// frontend: the demo's HTTP handlers (JSON instead of HTML templates), calling the other nine
// services with ctx.call. Session and currency travel in the demo's cookies.
import { randomUUID } from 'node:crypto';
import { defineFunction, type Context } from '@fastpath/spright-sdk';
import type { Money, Product } from '../data.ts';

const JSON_CT = { 'content-type': 'application/json' };

function cookies(ctx: Context): Record<string, string> {
  const raw = ctx.headers.cookie;
  const out: Record<string, string> = {};
  for (const part of (Array.isArray(raw) ? raw.join(';') : (raw ?? '')).split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

async function call<T>(ctx: Context, fn: string, body: object): Promise<T> {
  const r = await ctx.call(fn, body);
  if (r.status !== 200) throw Object.assign(new Error(`${fn}: ${r.status} ${r.text()}`), { status: r.status });
  return r.json<T>();
}

const convertMany = async (ctx: Context, many: Money[], to: string) => (to === 'USD' ? many : (await call<{ many: Money[] }>(ctx, 'currency', { op: 'convert', many, to })).many);

export default defineFunction({
  name: 'frontend',
  async handle(ctx) {
    const c = cookies(ctx);
    const session = c['shop_session-id'] ?? randomUUID();
    const currency = c.shop_currency ?? 'USD';
    const setCookie: Record<string, string> = c['shop_session-id'] ? {} : { 'set-cookie': `shop_session-id=${session}; Max-Age=172800; Path=/` };
    const form = () => new URLSearchParams(ctx.text());
    const path = ctx.path;
    try {
      if (ctx.method === 'GET' && path === '/') {
        const [{ currencyCodes }, { products }, cart, ads] = await Promise.all([
          call<{ currencyCodes: string[] }>(ctx, 'currency', { op: 'supported' }),
          call<{ products: Product[] }>(ctx, 'productcatalog', { op: 'list' }),
          call<{ items: unknown[] }>(ctx, 'cart', { op: 'get', userId: session }),
          call<{ ads: unknown[] }>(ctx, 'ad', { contextKeys: [] }),
        ]);
        const prices = await convertMany(ctx, products.map((p) => p.priceUsd), currency);
        return ctx.respond(200, { ...JSON_CT, ...setCookie }, { page: 'home', currency, currencies: currencyCodes, cartSize: cart.items.length, products: products.map((p, i) => ({ id: p.id, name: p.name, price: prices[i] })), ad: ads.ads[0] });
      }
      if (ctx.method === 'POST' && path === '/setCurrency') {
        const code = form().get('currency_code') ?? '';
        const { currencyCodes } = await call<{ currencyCodes: string[] }>(ctx, 'currency', { op: 'supported' });
        if (!currencyCodes.includes(code)) return ctx.respond(422, JSON_CT, { error: `unsupported currency ${code}` });
        return ctx.respond(302, { location: '/', 'set-cookie': `shop_currency=${code}; Max-Age=172800; Path=/`, ...JSON_CT }, { currency: code });
      }
      if (ctx.method === 'GET' && path.startsWith('/product/')) {
        const id = path.slice('/product/'.length);
        const pr = await ctx.call('productcatalog', { op: 'get', id });
        if (pr.status === 404) return ctx.respond(404, JSON_CT, { error: `product ${id} not found` });
        const p = pr.json<Product>();
        const [[price], cart, rec, ads] = await Promise.all([
          convertMany(ctx, [p.priceUsd], currency),
          call<{ items: { productId: string }[] }>(ctx, 'cart', { op: 'get', userId: session }),
          call<{ productIds: string[] }>(ctx, 'recommendation', { userId: session, productIds: [id] }),
          call<{ ads: unknown[] }>(ctx, 'ad', { contextKeys: p.categories }),
        ]);
        return ctx.respond(200, { ...JSON_CT, ...setCookie }, { page: 'product', product: { ...p, price }, cartSize: cart.items.length, recommendations: rec.productIds, ad: ads.ads[0] });
      }
      if (ctx.method === 'POST' && path === '/cart') {
        const f = form();
        const id = f.get('product_id') ?? '';
        const quantity = Number(f.get('quantity'));
        if (!Number.isInteger(quantity) || quantity < 1 || quantity > 10) return ctx.respond(422, JSON_CT, { error: 'quantity must be 1..10' });
        const pr = await ctx.call('productcatalog', { op: 'get', id });
        if (pr.status !== 200) return ctx.respond(404, JSON_CT, { error: `product ${id} not found` });
        const cart = await call<{ items: unknown[] }>(ctx, 'cart', { op: 'add', userId: session, productId: id, quantity });
        return ctx.respond(302, { location: '/cart', ...JSON_CT, ...setCookie }, { cartSize: cart.items.length });
      }
      if (ctx.method === 'GET' && path === '/cart') {
        const cart = await call<{ items: { productId: string; quantity: number }[] }>(ctx, 'cart', { op: 'get', userId: session });
        const ids = cart.items.map((i) => i.productId);
        const [rec, quote, products] = await Promise.all([
          call<{ productIds: string[] }>(ctx, 'recommendation', { userId: session, productIds: ids }),
          call<{ costUsd: Money }>(ctx, 'shipping', { op: 'quote', items: cart.items }),
          ids.length ? call<{ products: Product[] }>(ctx, 'productcatalog', { op: 'getMany', ids }) : Promise.resolve({ products: [] as Product[] }),
        ]);
        const prices = await convertMany(ctx, [quote.costUsd, ...products.products.map((p) => p.priceUsd)], currency);
        return ctx.respond(200, { ...JSON_CT, ...setCookie }, { page: 'cart', shippingCost: prices[0], items: cart.items.map((it, k) => ({ ...it, price: prices[k + 1] })), recommendations: rec.productIds });
      }
      if (ctx.method === 'POST' && path === '/cart/checkout') {
        const f = form();
        const r = await ctx.call('checkout', {
          userId: session,
          userCurrency: currency,
          email: f.get('email'),
          address: { streetAddress: f.get('street_address'), city: f.get('city'), state: f.get('state'), country: f.get('country'), zipCode: Number(f.get('zip_code')) },
          creditCard: { creditCardNumber: f.get('credit_card_number'), creditCardCvv: Number(f.get('credit_card_cvv')), creditCardExpirationYear: Number(f.get('credit_card_expiration_year')), creditCardExpirationMonth: Number(f.get('credit_card_expiration_month')) },
        });
        return ctx.respond(r.status === 200 ? 200 : r.status, { ...JSON_CT, ...setCookie }, r.body.slice());
      }
      return ctx.respond(404, JSON_CT, { error: `no route ${ctx.method} ${path}` });
    } catch (err) {
      const e = err as Error & { status?: number };
      return ctx.respond(e.status && e.status >= 400 ? 502 : 500, JSON_CT, { error: e.message });
    }
  },
});
