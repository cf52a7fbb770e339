// Typed errors of the PFCP codec. A server maps each one to a PFCP Cause (see causeForError).

/** Bytes that are not a well-formed PFCP message. `offset` counts from the start of the datagram. */
export class PfcpDecodeError extends Error {
  /** 'length': a length field disagrees with the bytes present (Cause: Invalid length);
   *  'value': an IE value is not valid (Cause: Mandatory IE incorrect); 'header': no usable header. */
  kind: 'length' | 'value' | 'header' | 'missing' = 'length';
  constructor(
    readonly reason: string,
    readonly offset: number,
    /** The IE type being decoded when it failed (undefined for header errors). */
    readonly ieType?: number,
    /** Path of grouped IE names down to the failing IE, e.g. "CreatePDR/PDI/F-TEID". */
    readonly iePath?: string,
  ) {
    super(`PFCP decode error at offset ${offset}${iePath ? ` in ${iePath}` : ''}${ieType !== undefined ? ` (IE type ${ieType})` : ''}: ${reason}`);
    this.name = 'PfcpDecodeError';
  }
}

/** The header's version field is not 1; answer with a Version Not Supported Response. */
export class PfcpVersionError extends PfcpDecodeError {
  constructor(readonly version: number, readonly sequence: number | undefined) {
    super(`unsupported PFCP version ${version}`, 0);
    this.name = 'PfcpVersionError';
    this.kind = 'header';
  }
}

/** A well-formed header with a message type this codec does not implement (silently discarded by servers). */
export class PfcpUnknownMessageError extends PfcpDecodeError {
  constructor(readonly messageType: number) {
    super(`unknown message type ${messageType}`, 1);
    this.name = 'PfcpUnknownMessageError';
    this.kind = 'header';
  }
}

/** A mandatory IE is absent; `ieType` is the missing IE (goes into the Offending IE of the response). */
export class PfcpMissingIeError extends PfcpDecodeError {
  constructor(ieType: number, iePath: string, offset: number) {
    super(`mandatory IE ${iePath} (type ${ieType}) missing`, offset, ieType, iePath);
    this.name = 'PfcpMissingIeError';
    this.kind = 'missing';
  }
}

/** A message object that cannot be encoded (missing mandatory field, value out of range). */
export class PfcpEncodeError extends Error {
  constructor(readonly reason: string, readonly iePath?: string) {
    super(`PFCP encode error${iePath ? ` in ${iePath}` : ''}: ${reason}`);
    this.name = 'PfcpEncodeError';
  }
}
