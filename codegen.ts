import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen` first runs scripts/emit-schema.ts, which writes the committed Federation SDL
 * (schema.graphql) and the executable schema this config reads; then this types the operations the
 * tests send (test/operations/*.graphql) as TypedDocumentNodes for graphql-request and graphql-ws.
 */
const config: CodegenConfig = {
  schema: '.cache/executable-schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  generates: {
    'test/generated/graphql.ts': {
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
