// The relay compliance suite on Node (node-datachannel + ws). Run inside the private network namespace:
//   node scripts/netns.mjs node --import tsx --test test/volunteer/relay.test.ts
import { nodeRelayEnv } from '../../src/volunteer/node.js';
import { relaySuite } from './relay-suite.js';

relaySuite('node', () => nodeRelayEnv({ bindAddress: '127.0.0.1' }));
