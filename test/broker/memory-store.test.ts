import { MemoryStore } from '../../src/broker/memory-store.js';
import { runStoreSuite } from './store-suite.js';

runStoreSuite('MemoryStore', (limits) => new MemoryStore(limits));
