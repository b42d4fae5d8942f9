/**
 * `@starling-bridge/starling/broker`: the broker as a library: the HTTP edge over a signaling store, in
 * process (MemoryStore) or shared through Redis (RedisStore, signaling-v1 §7).
 */
export { type BrokerServer, type BrokerServerOptions, createBrokerServer } from './http.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export type { SignalingStore } from './store.js';
