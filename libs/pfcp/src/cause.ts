// What a PFCP server answers for a request it could not decode (TS 29.244 7.6 error handling).
import { Cause } from './constants.ts';
import { PfcpDecodeError, PfcpUnknownMessageError, PfcpVersionError } from './errors.ts';

export type DecodeVerdict =
  /** Answer with a Version Not Supported Response. */
  | { action: 'version-not-supported' }
  /** Drop the datagram (no usable header, or a message type we do not know). */
  | { action: 'discard'; reason: string }
  /** Answer the request with this Cause and Offending IE. */
  | { action: 'reject'; cause: number; offendingIe?: number };

export function verdictFor(err: PfcpDecodeError): DecodeVerdict {
  if (err instanceof PfcpVersionError) return { action: 'version-not-supported' };
  if (err instanceof PfcpUnknownMessageError) return { action: 'discard', reason: err.message };
  switch (err.kind) {
    case 'header':
      return { action: 'discard', reason: err.message };
    case 'missing':
      return { action: 'reject', cause: Cause.MandatoryIeMissing, offendingIe: err.ieType };
    case 'value':
      return { action: 'reject', cause: Cause.MandatoryIeIncorrect, offendingIe: err.ieType };
    default:
      return { action: 'reject', cause: Cause.InvalidLength, offendingIe: err.ieType };
  }
}
