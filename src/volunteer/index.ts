/**
 * `@starling-bridge/starling/volunteer`: the volunteer relay core (web-standard APIs only) and its Node
 * environment (node-datachannel, ws), as `starling volunteer` runs them.
 */
export { closeNodeWebRtc } from '../shared/webrtc-node.js';
export { type NodeRtcOptions, nodeRelayEnv } from './node.js';
export {
  type RelayEnv,
  type RelayEvents,
  type RelayState,
  type RelayStats,
  type VolunteerOptions,
  VolunteerRelay,
} from './relay.js';
