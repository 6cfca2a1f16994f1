import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen` first runs scripts/emit-schema.ts, which writes the committed Federation SDL
 * (schema.graphql) and the executable schema this config reads; then this types the operations the
 * tests send (test/operations) and the web panel sends (web/src, every .graphql file) as
 * TypedDocumentNodes for graphql-request, graphql-ws and urql.
 */
const config: CodegenConfig = {
  generates: {
    // Operations sent through the gateway, typed against the committed supergraph (both subgraphs).
    'test/generated/gateway.ts': {
      schema: 'supergraph.graphql',
      documents: ['test/e2e/operations/**/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTimeISO: 'string', DateTime: 'string', Date: 'string', Decimal: 'string' },
      },
    },
    // The web panel's operations (web/src/**/*.graphql), typed against the supergraph it talks to.
    'web/src/generated/graphql.ts': {
      schema: 'supergraph.graphql',
      documents: ['web/src/**/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: {
          DateTimeISO: 'string',
          DateTime: 'string',
          Date: 'string',
          Decimal: 'string',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
    'test/generated/graphql.ts': {
      schema: '.cache/executable-schema.graphql',
      documents: ['test/operations/**/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTimeISO: 'string', _Any: 'Record<string, unknown>' },
      },
    },
  },
};

export default config;
