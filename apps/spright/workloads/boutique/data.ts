// Fixed data of Google's Online Boutique demo (microservices-demo): the product catalogue
// (products.json), the currency table (currency_conversion.json, EUR-based) and the ads.
export interface Money {
  currencyCode: string;
  units: number;
  nanos: number;
}
export interface Product {
  id: string;
  name: string;
  description: string;
  priceUsd: Money;
  categories: string[];
}

const usd = (units: number, nanos: number): Money => ({ currencyCode: 'USD', units, nanos });

export const PRODUCTS: Product[] = [
  { id: 'OLJCESPC7Z', name: 'Sunglasses', description: 'Add a modern touch to your outfits with these sleek aviator sunglasses.', priceUsd: usd(19, 990000000), categories: ['accessories'] },
  { id: '66VCHSJNUP', name: 'Tank Top', description: 'Perfectly cropped cotton tank, with a scooped neckline.', priceUsd: usd(18, 990000000), categories: ['clothing', 'tops'] },
  { id: '1YMWWN1N4O', name: 'Watch', description: 'This gold-tone stainless steel watch will work with most of your outfits.', priceUsd: usd(109, 990000000), categories: ['accessories'] },
  { id: 'L9ECAV7KIM', name: 'Loafers', description: 'A neat addition to your summer wardrobe.', priceUsd: usd(89, 990000000), categories: ['footwear'] },
  { id: '2ZYFJ3GM2N', name: 'Hairdryer', description: 'This lightweight hairdryer has 3 heat and speed settings. It\'s perfect for travel.', priceUsd: usd(24, 990000000), categories: ['hair', 'beauty'] },
  { id: '0PUK6V6EV0', name: 'Candle Holder', description: 'This small but intricate candle holder is an excellent gift.', priceUsd: usd(18, 990000000), categories: ['decor', 'home'] },
  { id: 'LS4PSXUNUM', name: 'Salt & Pepper Shakers', description: 'Add some flavor to your kitchen.', priceUsd: usd(18, 490000000), categories: ['kitchen'] },
  { id: '9SIQT8TOJO', name: 'Bamboo Glass Jar', description: 'This bamboo glass jar can hold 57 oz (1.7 l) and is perfect for any kitchen.', priceUsd: usd(5, 490000000), categories: ['kitchen'] },
  { id: '6E92ZMYYFZ', name: 'Mug', description: 'A simple mug with a mustard interior.', priceUsd: usd(8, 990000000), categories: ['kitchen'] },
];

/** Units of each currency per 1 EUR. */
export const EUR_RATES: Record<string, number> = {
  EUR: 1.0, USD: 1.1305, JPY: 126.4, BGN: 1.9558, CZK: 25.592, DKK: 7.4609, GBP: 0.8597, HUF: 315.51, PLN: 4.2996, RON: 4.7463,
  SEK: 10.5375, CHF: 1.1360, ISK: 136.8, NOK: 9.8040, HRK: 7.4210, RUB: 74.4208, TRY: 6.1247, AUD: 1.6072, BRL: 4.2682, CAD: 1.5128,
  CNY: 7.5857, HKD: 8.8743, IDR: 15999.4, ILS: 4.0875, INR: 79.4320, KRW: 1275.05, MXN: 21.7999, MYR: 4.6289, NZD: 1.6679, PHP: 59.083,
  SGD: 1.5349, THB: 36.012, ZAR: 16.0583,
};

export const ADS: Record<string, { redirectUrl: string; text: string }[]> = {
  clothing: [{ redirectUrl: '/product/66VCHSJNUP', text: 'Tank top for sale. 20% off.' }],
  accessories: [{ redirectUrl: '/product/1YMWWN1N4O', text: 'Watch for sale. Buy one, get second kit for free' }],
  footwear: [{ redirectUrl: '/product/L9ECAV7KIM', text: 'Loafers for sale. Buy one, get second one for free' }],
  hair: [{ redirectUrl: '/product/2ZYFJ3GM2N', text: 'Hairdryer for sale. 50% off.' }],
  decor: [{ redirectUrl: '/product/0PUK6V6EV0', text: 'Candle holder for sale. 30% off.' }],
  kitchen: [
    { redirectUrl: '/product/9SIQT8TOJO', text: 'Bamboo glass jar for sale. 10% off.' },
    { redirectUrl: '/product/6E92ZMYYFZ', text: 'Mug for sale. Buy two, get third one for free' },
  ],
};

const NANOS = 1_000_000_000;
export const toNumber = (m: Money) => m.units + m.nanos / NANOS;
export function fromNumber(code: string, v: number): Money {
  const units = Math.trunc(v);
  return { currencyCode: code, units, nanos: Math.round((v - units) * NANOS) };
}
export function multiply(m: Money, n: number): Money {
  return fromNumber(m.currencyCode, toNumber(m) * n);
}
export function sum(a: Money, b: Money): Money {
  if (a.currencyCode !== b.currencyCode) throw new Error(`mismatching currencies ${a.currencyCode} ${b.currencyCode}`);
  return fromNumber(a.currencyCode, toNumber(a) + toNumber(b));
}
export const fmt = (m: Money) => `${m.currencyCode} ${toNumber(m).toFixed(2)}`;
