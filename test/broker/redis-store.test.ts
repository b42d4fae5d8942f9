import { after } from 'node:test';
import { RedisStore } from '../../src/broker/redis-store.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { runStoreSuite } from './store-suite.js';

let server: Promise<RedisServer> | undefined;
let prefixes = 0;
after(async () => (await server)?.stop());

runStoreSuite('RedisStore', async (limits) => {
  server ??= startRedis();
  const { url } = await server;
  return RedisStore.connect({ url, keyPrefix: `suite${++prefixes}:`, ...limits });
});
