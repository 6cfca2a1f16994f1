import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { freePort } from '../../scripts/services/index.js';
import { startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;

beforeAll(async () => {
  // Nothing listens on this port: the API starts (Redis connects lazily) but cannot reach Redis.
  api = await startTestApi({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
});

afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await api.close();
});

describe('readiness', () => {
  it('answers 503 and names the unreachable dependency while liveness stays 200', async () => {
    const base = api.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      checks: [
        { name: 'mongodb', ok: true },
        { name: 'redis', ok: false, error: 'unavailable' },
      ],
    });
  });
});
