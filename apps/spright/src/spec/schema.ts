// JSON Schema of a chain spec (YAML). Validated with ajv; errors are mapped back to YAML lines in load.ts.
export const NAME_PATTERN = '^[a-z][a-z0-9-]{0,30}$';

export const chainSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'functions', 'routes'],
  properties: {
    apiVersion: { const: 'spright/v1' },
    name: { type: 'string', pattern: NAME_PATTERN },
    transport: { enum: ['s', 'd', 'h'], default: 'h' },
    pool: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        // Object size bounds what one request (metadata + body) and its response may use.
        objectSize: { type: 'integer', minimum: 1024, maximum: 16777216, default: 65536 },
        objects: { type: 'integer', minimum: 8, maximum: 1048576, default: 1024 },
      },
    },
    gateway: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        address: { type: 'string', default: '0.0.0.0' },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 8080 },
        // Requests in flight at once; above it the gateway answers 503 + Retry-After.
        concurrency: { type: 'integer', minimum: 1, maximum: 65536, default: 256 },
        timeoutMs: { type: 'integer', minimum: 10, maximum: 600000, default: 10000 },
        // Cleartext HTTP/2 (h2c, prior knowledge) on its own port: Node cannot sniff h1 vs h2 without TLS.
        http2Port: { type: 'integer', minimum: 1, maximum: 65535 },
        // Own network namespace with a veth to the host (needs root); false binds on the host.
        netns: { type: 'boolean', default: true },
      },
    },
    functions: {
      type: 'array',
      minItems: 1,
      maxItems: 256,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'module'],
        properties: {
          name: { type: 'string', pattern: NAME_PATTERN },
          module: { type: 'string', minLength: 1 },
          instances: { type: 'integer', minimum: 1, maximum: 64, default: 1 },
          concurrency: { type: 'integer', minimum: 1, maximum: 4096, default: 32 },
          env: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
          resources: {
            type: 'object',
            additionalProperties: false,
            properties: { cpu: { type: 'string' }, memory: { type: 'string' } },
          },
        },
      },
    },
    routes: {
      type: 'object',
      additionalProperties: false,
      required: ['default'],
      properties: {
        default: { $ref: '#/$defs/sequence' },
        sequences: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['path', 'functions'],
            properties: {
              path: { type: 'string', pattern: '^/' },
              method: { enum: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] },
              functions: { $ref: '#/$defs/sequence' },
            },
          },
          default: [],
        },
        topics: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'topic', 'to'],
            properties: {
              from: { type: 'string', pattern: NAME_PATTERN },
              topic: { type: 'string', pattern: '^[a-z][a-z0-9._-]{0,62}$' },
              to: { type: 'string', pattern: NAME_PATTERN },
            },
          },
          default: [],
        },
      },
    },
    adapters: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['protocol', 'port'],
        properties: { protocol: { enum: ['mqtt', 'coap'] }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
      },
      default: [],
    },
  },
  $defs: {
    sequence: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', pattern: NAME_PATTERN } },
  },
} as const;
