/** One problem in a chain spec, located in the YAML source. */
export interface SpecIssue {
  /** JSON-pointer-like field path, e.g. `functions[1].instances`. */
  field: string;
  message: string;
  line?: number;
  column?: number;
}

/** A chain spec that cannot be deployed; nothing has been started when this is thrown. */
export class ChainSpecError extends Error {
  constructor(
    readonly file: string,
    readonly issues: SpecIssue[],
  ) {
    super(
      `invalid chain spec ${file}:\n` +
        issues.map((i) => `  ${file}${i.line ? `:${i.line}:${i.column ?? 1}` : ''}: ${i.field || '(root)'}: ${i.message}`).join('\n'),
    );
    this.name = 'ChainSpecError';
  }
}
