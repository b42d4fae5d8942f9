// Preloaded into a `starling client` by bench/nat.ts (`node --import bench/lib/nat-trace.mjs bin/starling.js
// client ...`): prints what the client's own log does not say, each on stderr as
// `starling-trace <epoch ms> <event>`, for the breakdown of its time to first byte. Plain JavaScript, so no
// TypeScript loader adds to the start-up it measures. Watches from outside, changes nothing:
//   fetch <METHOD> <path> / fetched <METHOD> <path> <status>   every request to the broker (GET /v1/info, offers)
//   pc<N> <event> <state>                                       each peer connection (NAT detection's too):
//                                                              ICE gathering, ICE and connection states
//   dc <label> open                                            a data channel opened
//   dc <label> send|recv <bytes>                               with STARLING_BENCH_TRACE=1: each message
import { RTCDataChannel, RTCPeerConnection } from 'node-datachannel/polyfill';

const now = () => (performance.timeOrigin + performance.now()).toFixed(2);
const trace = (event) => process.stderr.write(`starling-trace ${now()} ${event}\n`);

const fetchBefore = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const what = `${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${url.pathname}`;
  trace(`fetch ${what}`);
  const res = await fetchBefore(input, init);
  trace(`fetched ${what} ${res.status}`);
  return res;
};

const ids = new WeakMap();
let made = 0;
const pcDispatch = RTCPeerConnection.prototype.dispatchEvent;
RTCPeerConnection.prototype.dispatchEvent = function (event) {
  if (!ids.has(this)) {
    ids.set(this, ++made);
  }
  const state =
    event.type === 'icegatheringstatechange'
      ? this.iceGatheringState
      : event.type === 'iceconnectionstatechange'
        ? this.iceConnectionState
        : event.type === 'connectionstatechange'
          ? this.connectionState
          : undefined;
  if (state !== undefined) trace(`pc${ids.get(this)} ${event.type} ${state}`);
  return pcDispatch.call(this, event);
};

const messages = process.env.STARLING_BENCH_TRACE === '1';
const size = (data) => data?.byteLength ?? data?.length ?? data?.size ?? '?';
const dcDispatch = RTCDataChannel.prototype.dispatchEvent;
RTCDataChannel.prototype.dispatchEvent = function (event) {
  if (event.type === 'open') trace(`dc ${this.label} open`);
  if (messages && event.type === 'message') trace(`dc ${this.label} recv ${size(event.data)}`);
  return dcDispatch.call(this, event);
};
if (messages) {
  const dcSend = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    trace(`dc ${this.label} send ${size(data)}`);
    return dcSend.call(this, data);
  };
}

trace('preloaded');
