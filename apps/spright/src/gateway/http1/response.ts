// Serializes an HTTP/1.1 response into one Buffer (status line, headers, body): the connection
// writes it with a single write, batched with the other answers ready in the same turn.
import { STATUS_CODES } from 'node:http';
import { BAD_OUT_VALUE_CHAR, TOKEN } from './syntax.ts';

export type OutgoingHeaders = Record<string, string | string[] | number>;

/** Hop-by-hop and framing headers are the gateway's business, not the function's. */
export const DROP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer', 'date']);

/** A response a function produced that cannot be written (bad status, header name or value). */
export class InvalidResponseError extends Error {}

let dateSecond = 0;
let dateLine = '';

/** "date: <IMF-fixdate>\r\n", formatted at most once per second. */
function date(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateLine = `date: ${new Date(s * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let l = statusLines.get(status);
  if (l === undefined) {
    l = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    if (statusLines.size < 1000) statusLines.set(status, l);
  }
  return l;
}

export interface ResponseFraming {
  /** A HEAD request: headers (with the length the body has) but no body. */
  head: boolean;
  /** The connection closes after this answer ("connection: close"). */
  close: boolean;
  /** HTTP/1.0 client that asked for keep-alive: say it is granted. */
  keepAlive10: boolean;
}

/** Status without a body and without Content-Length (RFC 9110 §8.6, §15.3.5, §15.4.5). */
function bodiless(status: number): boolean {
  return status === 204 || status === 304 || status < 200;
}

/** The whole response as one Buffer. Throws InvalidResponseError for what node:http would refuse
 * to write (status outside 200..999, header names that are not tokens, CR/LF in values). */
export function serializeResponse(status: number, headers: OutgoingHeaders, body: Uint8Array, f: ResponseFraming): Buffer {
  if (!Number.isInteger(status) || status < 200 || status > 999) throw new InvalidResponseError(`invalid status ${status}`);
  let head = statusLine(status);
  for (const k in headers) {
    const v = headers[k];
    if (DROP.has(k.toLowerCase())) continue;
    if (!TOKEN.test(k)) throw new InvalidResponseError(`invalid header name ${JSON.stringify(k)}`);
    if (Array.isArray(v)) {
      for (const x of v) head += headerLine(k, String(x));
    } else head += headerLine(k, typeof v === 'number' ? String(v) : v);
  }
  const noBody = bodiless(status);
  if (!noBody) head += `content-length: ${body.byteLength}\r\n`;
  head += date();
  if (f.close) head += 'connection: close\r\n';
  else if (f.keepAlive10) head += 'connection: keep-alive\r\n';
  head += '\r\n';
  const withBody = !noBody && !f.head && body.byteLength > 0;
  const out = Buffer.allocUnsafe(head.length + (withBody ? body.byteLength : 0));
  out.write(head, 0, 'latin1');
  if (withBody) out.set(body, head.length);
  return out;
}

function headerLine(k: string, v: string): string {
  if (BAD_OUT_VALUE_CHAR.test(v)) throw new InvalidResponseError(`invalid character in header ${k}`);
  return `${k}: ${v}\r\n`;
}

export const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
