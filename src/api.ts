import mongoose from 'mongoose';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { createTokenVerifier } from './auth/token-verifier.js';
import { createSyncStatusEvents } from './events/sync-status-events.js';
import { connectDatabase, createIndexes, disconnectDatabase } from './models/index.js';
import { closeRedis, createRedis } from './redis.js';
import { buildFederatedSchema } from './schema/build-schema.js';
import { createContextFactory } from './server/context.js';
import { createHttpServer } from './server/http-server.js';
import { ConnectionService } from './services/connections.js';
import { SyncStatusService } from './services/sync-status.js';

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Composition root of the API process: wires config, stores, services and transports. */
export async function startApi(config: Config, logger: Logger): Promise<RunningApi> {
  await connectDatabase(config.mongo.uri, config.mongo.dbName, config.mongo.timeouts);
  await createIndexes();

  const redisOptions = { commandTimeout: config.redis.commandTimeoutMs };
  const publishClient = createRedis(config.redis.url, 'pubsub', redisOptions);
  const subscribeClient = createRedis(config.redis.url, 'pubsub', redisOptions);
  const events = createSyncStatusEvents({ publishClient, subscribeClient, prefix: config.redis.prefix });
  const services = {
    connections: new ConnectionService(),
    syncStatus: new SyncStatusService(events),
  };

  const server = createHttpServer({
    schema: await buildFederatedSchema(),
    createContext: createContextFactory(createTokenVerifier(config.auth), services, logger),
    introspection: config.http.introspection,
    landingPage: config.env !== 'production',
    limits: config.limits,
    maxBodyBytes: config.http.maxBodyBytes,
    requestTimeoutMs: config.http.requestTimeoutMs,
    subscriptions: config.subscriptions,
    logger,
    readiness: [
      {
        name: 'mongodb',
        check: async () => {
          const db = mongoose.connection.db;
          if (!db) throw new Error('not connected');
          await db.admin().ping();
        },
      },
      { name: 'redis', check: async () => void (await publishClient.ping()) },
    ],
  });
  const port = await server.start(config.http.host, config.http.port);
  const url = `http://${config.http.host}:${port}/graphql`;
  logger.info({ url }, 'subgraph listening');

  return {
    url,
    port,
    async close() {
      await server.stop();
      await Promise.all([closeRedis(subscribeClient), closeRedis(publishClient)]);
      await disconnectDatabase();
    },
  };
}
