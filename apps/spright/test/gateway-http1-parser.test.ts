// The gateway's HTTP/1.1 request parser on its own: the same byte stream cut at every boundary
// gives the same requests; each refusal carries its status.
import { describe, expect, it } from 'vitest';
import { RequestParser, type ParsedRequest, type ParserLimits } from '../src/gateway/http1/parser.ts';

const LIMITS: ParserLimits = { maxHeaderBytes: 1024, maxHeaderCount: 20, maxBodyBytes: 256 };

interface Outcome {
  requests: { method: string; url: string; minor: number; keepAlive: boolean; headers: ParsedRequest['headers']; body: string }[];
  continues: number;
  error?: { status: number; reason: string };
}

function run(chunks: Buffer[], limits = LIMITS): Outcome {
  const out: Outcome = { requests: [], continues: 0 };
  const p = new RequestParser(limits, {
    request: (r, body) => out.requests.push({ method: r.method, url: r.url, minor: r.minor, keepAlive: r.keepAlive, headers: r.headers, body: body.toString('latin1') }),
    continue: () => out.continues++,
    error: (status, reason) => (out.error = { status, reason }),
  });
  for (const c of chunks) p.execute(c);
  return out;
}

const whole = (s: string, limits?: ParserLimits) => run([Buffer.from(s, 'latin1')], limits);

const PIPELINE =
  'POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-Dup: 1\r\nX-Dup: 2\r\nCookie: a=1\r\nCookie: b=2\r\n\r\nhello' +
  'POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0A\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n' +
  '\r\nGET /c HTTP/1.1\r\nhost: h\r\n\r\n' +
  'GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' +
  'HEAD /e HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n' +
  'GET /ignored HTTP/1.1\r\nHost: h\r\n\r\n';

describe('gateway HTTP/1.1 parser', () => {
  it('parses pipelined requests: Content-Length and chunked bodies, trailers skipped, header joining, keep-alive rules', () => {
    const o = whole(PIPELINE);
    expect(o.error).toBeUndefined();
    expect(o.requests.map((r) => [r.method, r.url, r.body, r.keepAlive])).toEqual([
      ['POST', '/a?x=1', 'hello', true],
      ['POST', '/b', 'abc0123456789', true],
      ['GET', '/c', '', true],
      ['GET', '/d', '', true],
      // Connection: close ends the stream: the request after it is not parsed.
      ['HEAD', '/e', '', false],
    ]);
    expect(o.requests[0].headers).toMatchObject({ host: 'h', 'content-length': '5', 'x-dup': '1, 2', cookie: 'a=1; b=2' });
    expect(o.requests[1].headers['x-trailer']).toBeUndefined();
    expect(o.requests[3].minor).toBe(0);
  });

  it('gives the same requests for the stream cut at every byte boundary (two pieces)', () => {
    const bytes = Buffer.from(PIPELINE, 'latin1');
    const expected = whole(PIPELINE);
    for (let i = 1; i < bytes.length; i++) {
      const o = run([bytes.subarray(0, i), bytes.subarray(i)]);
      expect(o, `split at ${i}`).toEqual(expected);
    }
  });

  it('gives the same requests fed one byte at a time', () => {
    const bytes = Buffer.from(PIPELINE, 'latin1');
    const o = run([...bytes].map((b) => Buffer.from([b])));
    expect(o).toEqual(whole(PIPELINE));
  });

  it('joins a large head and a chunked body trickled in small pieces (buffer growth keeps earlier bytes intact)', () => {
    const limits = { maxHeaderBytes: 16_384, maxHeaderCount: 20, maxBodyBytes: 10_000 };
    const big = 'v'.repeat(9000);
    const data = Array.from({ length: 40 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(100)).join('');
    const chunked = data.match(/.{1,300}/g)!.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('');
    const raw = `POST /big HTTP/1.1\r\nHost: h\r\nX-Big: ${big}\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}0\r\n\r\n`;
    const bytes = Buffer.from(raw, 'latin1');
    for (const piece of [1, 7, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += piece) chunks.push(bytes.subarray(i, i + piece));
      const o = run(chunks, limits);
      expect(o.error).toBeUndefined();
      expect(o.requests[0].headers['x-big']).toBe(big);
      expect(o.requests[0].body).toBe(data);
    }
  });

  it('HTTP/1.0 closes by default; HTTP/1.1 keeps alive', () => {
    expect(whole('GET / HTTP/1.0\r\n\r\n').requests[0].keepAlive).toBe(false);
    expect(whole('GET / HTTP/1.1\r\nHost: h\r\n\r\n').requests[0].keepAlive).toBe(true);
    expect(whole('GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, CLOSE\r\n\r\n').requests[0].keepAlive).toBe(false);
  });

  it('accepts repeated identical Content-Length values', () => {
    const o = whole('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok');
    expect(o.error).toBeUndefined();
    expect(o.requests[0].body).toBe('ok');
  });

  it('signals 100-continue only while the body has not started arriving', () => {
    const head = 'POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n';
    const a = run([Buffer.from(head), Buffer.from('ok')]);
    expect(a.continues).toBe(1);
    expect(a.requests[0].body).toBe('ok');
    expect(whole(`${head}ok`).continues).toBe(0);
    // HTTP/1.0 clients do not get an interim response.
    expect(whole('POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n').continues).toBe(0);
  });

  const refused: [string, string, number][] = [
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n', 400],
    ['whitespace before colon', 'GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n', 400],
    ['non-token field name', 'GET / HTTP/1.1\r\nHost: h\r\nX(A): 1\r\n\r\n', 400],
    ['field without colon', 'GET / HTTP/1.1\r\nHost: h\r\nnocolon\r\n\r\n', 400],
    ['control character in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01b\r\n\r\n', 400],
    ['bare LF line ending', 'GET / HTTP/1.1\nHost: h\n\n', 400],
    ['bare LF inside the head', 'GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n', 400],
    ['request line with two spaces', 'GET  / HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['request line without version', 'GET /\r\nHost: h\r\n\r\n', 400],
    ['non-token method', 'G(T / HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['control character in the target', 'GET /a\x7fb HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['malformed version', 'GET / HTTP/1.x\r\nHost: h\r\n\r\n', 400],
    ['HTTP/2.0 on the HTTP/1 port', 'GET / HTTP/2.0\r\nHost: h\r\n\r\n', 505],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['non-numeric Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n', 400],
    ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n', 400],
    ['empty Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n', 400],
    ['differing Content-Length fields', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 400],
    ['differing Content-Length list', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\nab', 400],
    ['Transfer-Encoding with Content-Length (smuggling)', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['chunked twice', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n', 400],
    ['gzip transfer coding', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501],
    ['unknown transfer coding', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo\r\n\r\n', 501],
    ['chunk size overflow', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000000001\r\n', 400],
    ['chunk size not hex', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['chunk size with junk', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n', 400],
    ['chunk data without CRLF', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n', 400],
    ['invalid trailer', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n', 400],
    ['unsupported expectation', 'POST / HTTP/1.1\r\nHost: h\r\nExpect: something\r\nContent-Length: 0\r\n\r\n', 417],
    ['body over the object (Content-Length)', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 257\r\n\r\n', 413],
    ['body over the object (chunked)', `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n${'a'.repeat(128)}\r\n81\r\n`, 413],
    ['head over the byte limit', `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(1100)}\r\n\r\n`, 431],
    ['incomplete head over the byte limit', `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(1100)}`, 431],
    ['too many fields', `GET / HTTP/1.1\r\nHost: h\r\n${Array.from({ length: 20 }, (_, i) => `X-${i}: 1\r\n`).join('')}\r\n`, 431],
    ['trailers over the byte limit', `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${Array.from({ length: 40 }, (_, i) => `X-${i}: ${'t'.repeat(30)}\r\n`).join('')}\r\n`, 431],
  ];
  for (const [what, raw, status] of refused) {
    it(`refuses ${what} with ${status}, whole and split byte by byte`, () => {
      const o = whole(raw);
      expect(o.error?.status, o.error?.reason).toBe(status);
      expect(o.requests).toEqual([]);
      const bytes = Buffer.from(raw, 'latin1');
      expect(run([...bytes].map((b) => Buffer.from([b]))).error?.status).toBe(status);
    });
  }

  it('reads nothing after an error', () => {
    const o = whole('GET / HTTP/1.1\r\nX : 1\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(o.error?.status).toBe(400);
    expect(o.requests).toEqual([]);
  });

  it('pause() holds pipelined requests until resume()', () => {
    const got: string[] = [];
    const p = new RequestParser(LIMITS, {
      request: (r) => {
        got.push(r.url);
        p.pause();
      },
      continue: () => {},
      error: (s) => got.push(`error ${s}`),
    });
    p.execute(Buffer.from('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(got).toEqual(['/1']);
    expect(p.phase).toBe('head');
    p.resume();
    expect(got).toEqual(['/1', '/2']);
    expect(p.phase).toBe('idle');
  });
});
