// RFC 9110/9112 character classes the HTTP/1.1 parser and the response writer check against.

/** token = 1*tchar (RFC 9110 §5.6.2): field names and methods. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A field value may hold VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5); anything else (CTLs,
 * CR, LF, NUL, DEL) is refused — in requests as 400, in a function's response as 500. */
export const BAD_VALUE_CHAR = /[\x00-\x08\x0a-\x1f\x7f]/;

/** What a response header value may not contain: the above plus chars above 0xFF, which do not
 * fit the latin1 bytes a header is written as. */
export const BAD_OUT_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** request-target: visible ASCII only (RFC 3986 characters; no whitespace, no controls). */
export const TARGET = /^[\x21-\x7e]+$/;

export const HTTP_VERSION = /^HTTP\/(\d)\.(\d)$/;

/** Trims optional whitespace (SP / HTAB) around a field value. */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Comma-separated list elements, trimmed and lower-cased; empty elements are kept (as ''). */
export function listTokens(v: string): string[] {
  return v.split(',').map((x) => trimOws(x).toLowerCase());
}
