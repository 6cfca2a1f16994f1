import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { GraphQLSchema, isUnionType, parse } from 'graphql';
import { buildSchema, createResolversMap } from 'type-graphql';
import { referenceResolvers, resolverClasses } from '../resolvers/index.js';
import { representationError } from '../resolvers/references.js';
import { Customer, Invoice } from './entities.js';

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@external", "@requires"])';

const topicPubSubIsUnused = {
  publish(): never {
    throw new Error('topic-based subscriptions are not used; subscribe through a service');
  },
  subscribe(): never {
    throw new Error('topic-based subscriptions are not used; subscribe through a service');
  },
};

/**
 * type-graphql builds the schema from the decorated classes; @apollo/subgraph then turns its SDL into a
 * Federation 2 subgraph (adds _service, _entities). Customer and Invoice are reached only through field
 * resolvers, so they are listed as orphaned types or type-graphql would drop them.
 */
export async function buildFederatedSchema(): Promise<GraphQLSchema> {
  const typeGraphQLSchema = await buildSchema({
    resolvers: [...resolverClasses],
    orphanedTypes: [Customer, Invoice],
    validate: false,
    // type-graphql insists on a PubSub whenever a subscription exists, even though ours all use their own
    // `subscribe` (events come from SyncStatusEvents over Redis). This one fails loudly if ever used.
    pubSub: topicPubSubIsUnused,
  });
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(typeGraphQLSchema)}`);
  const resolvers = createResolversMap(typeGraphQLSchema) as Record<string, Record<string, unknown>>;
  for (const [typeName, reference] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...resolvers[typeName], ...reference };
  }
  return guardEntityRepresentations(buildSubgraphSchema({ typeDefs, resolvers: resolvers as never }));
}

/** Wraps `Query._entities` so malformed representations become per-item BAD_USER_INPUT errors. */
function guardEntityRepresentations(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const entityUnion = schema.getType('_Entity');
  if (!field?.resolve || !isUnionType(entityUnion)) throw new Error('not a federated subgraph schema');
  const resolveEntities = field.resolve;
  const entityTypes = new Set(entityUnion.getTypes().map((type) => type.name));
  field.resolve = (source, args: { representations: unknown[] }, context, info) => {
    const errors = args.representations.map((r) => representationError(r, entityTypes));
    if (errors.every((error) => error === undefined)) return resolveEntities(source, args, context, info);
    const valid = args.representations.filter((_, i) => errors[i] === undefined);
    const resolved = resolveEntities(source, { ...args, representations: valid }, context, info) as unknown[];
    let next = 0;
    // graphql-js turns an Error in a list into a null item with that error at its own path.
    return errors.map((error) => error ?? resolved[next++]);
  };
  return schema;
}
