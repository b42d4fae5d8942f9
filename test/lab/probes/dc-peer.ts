/**
 * The agent of test/lab/dc-peers.ts: node-datachannel peer connections bound to one address (argv[2]),
 * driven over the IPC channel. An offerer opens a data channel and sends `ping` on it; an answerer sends
 * back what it receives; the offerer reports `echoed` with the selected candidate pair's types.
 */
import { cleanup, type IceServer, initLogger, type LogLevel, PeerConnection } from 'node-datachannel';
import { VOLUNTEER_DEFAULTS } from '../../../src/shared/limits.js';
import { holdCandidates, offerForPassiveAnswer } from '../../../src/shared/webrtc.js';
import type { AgentEvent, AgentRequest, PeerConfig } from '../dc-peers.js';

const bindAddress = process.argv[2];
// STARLING_RTC_LOG=Debug (or Verbose, Info, ...): libdatachannel's own log on stderr, and each peer
// connection's state changes, all stamped with the wall clock's last six digits of ms, so that the agents'
// logs line up. (The logger's callback is not optional at run time, whatever the typings say.)
const rtcLog = process.env.STARLING_RTC_LOG;
function trace(line: string): void {
  if (rtcLog) console.error(`${String(Date.now() % 1e6).padStart(6, '0')} ${line}`);
}
if (rtcLog) initLogger(rtcLog as LogLevel, (level, message) => trace(`${level} ${message}`));
const peers = new Map<string, PeerConnection>();
/** An answerer's offer candidates, held as a volunteer holds them (path-v1 §1.2) until `answered`. */
const held = new Map<string, RTCIceCandidateInit[]>();
/** An offerer's times, ms after `accept`: its ICE connected, its channel open. */
const times = new Map<string, { accepted: number; ice?: number; open?: number }>();

function send(event: AgentEvent): void {
  process.send?.(event);
}

/** RTCIceServer (as the broker hands them out) to what node-datachannel takes. */
function nativeIceServers(servers: RTCIceServer[]): (string | IceServer)[] {
  return servers.flatMap((server) =>
    (Array.isArray(server.urls) ? server.urls : [server.urls]).map((url): string | IceServer => {
      const m = /^turn:([^:?]+):(\d+)(?:\?transport=(udp|tcp))?$/.exec(url);
      if (m === null) return url;
      return {
        hostname: m[1]!,
        port: Number(m[2]),
        username: server.username ?? '',
        password: typeof server.credential === 'string' ? server.credential : '',
        relayType: m[3] === 'tcp' ? 'TurnTcp' : 'TurnUdp',
      };
    }),
  );
}

function create(id: string, config: PeerConfig): PeerConnection {
  const pc = new PeerConnection(id, {
    iceServers: nativeIceServers(config.iceServers),
    ...(bindAddress === undefined ? {} : { bindAddress }),
    iceTransportPolicy: config.relayOnly ? 'relay' : 'all',
  });
  peers.set(id, pc);
  if (rtcLog) {
    pc.onStateChange((state) => trace(`${id} state ${state}`));
    pc.onLocalDescription((sdp) => trace(`${id} local ${/^a=setup:(\w+)/m.exec(sdp)?.[1]}`));
  }
  pc.onIceStateChange((state) => {
    trace(`${id} ice ${state}`);
    const t = times.get(id);
    if (t !== undefined && state === 'connected' && t.ice === undefined)
      t.ice = performance.now() - t.accepted;
  });
  pc.onGatheringStateChange((state) => {
    const sdp = pc.localDescription()?.sdp;
    if (state === 'complete' && sdp !== undefined) send({ op: 'description', id, sdp });
  });
  return pc;
}

function handle(req: AgentRequest): void {
  if (req.op === 'offer') {
    const pc = create(req.id, req.config);
    const channel = pc.createDataChannel('lab');
    channel.onOpen(() => {
      const t = times.get(req.id);
      if (t !== undefined) t.open = performance.now() - t.accepted;
      trace(`${req.id} channel open`);
      channel.sendMessage('ping');
    });
    channel.onMessage((msg) => {
      if (msg !== 'ping') return;
      const pair = pc.getSelectedCandidatePair();
      const t = times.get(req.id);
      send({
        op: 'echoed',
        id: req.id,
        local: pair?.local.type ?? '?',
        remote: pair?.remote.type ?? '?',
        ...(t?.ice === undefined ? {} : { iceMs: t.ice }),
        ...(t?.open === undefined ? {} : { openMs: t.open }),
      });
    });
  } else if (req.op === 'answer') {
    const pc = create(req.id, req.config);
    pc.onDataChannel((channel) => channel.onMessage((msg) => channel.sendMessage(String(msg))));
    // libdatachannel answers `actpass` with `active`, and `passive` to an offer rewritten to say `active`.
    const offer = req.config.answererDtls === 'passive' ? offerForPassiveAnswer(req.sdp) : req.sdp;
    const { sdp, candidates } = holdCandidates(offer);
    held.set(req.id, candidates);
    pc.setRemoteDescription(sdp, 'offer');
  } else if (req.op === 'accept') {
    trace(`${req.id} accept`);
    times.set(req.id, { accepted: performance.now() });
    peers.get(req.id)?.setRemoteDescription(req.sdp, 'answer');
  } else if (req.op === 'answered') {
    // As ClientPath does: our own checks start only if the offerer's have not connected us by then.
    setTimeout(() => {
      const pc = peers.get(req.id);
      const candidates = held.get(req.id) ?? [];
      held.delete(req.id);
      if (pc === undefined || pc.iceState() === 'connected' || pc.iceState() === 'completed') return;
      trace(`${req.id} adding ${candidates.length} held candidates`);
      for (const c of candidates) pc.addRemoteCandidate(c.candidate ?? '', c.sdpMid ?? '0');
    }, VOLUNTEER_DEFAULTS.checkHoldMs);
  } else if (req.op === 'probe') {
    // Takes libjuice's lock: an agent whose ICE thread is deadlocked holding it never answers.
    peers.get(req.id)?.getSelectedCandidatePair();
    send({ op: 'probed', id: req.id });
  } else {
    held.delete(req.id);
    times.delete(req.id);
    peers.get(req.id)?.close();
    peers.delete(req.id);
  }
}

process.on('message', (req: AgentRequest) => {
  try {
    handle(req);
  } catch (err) {
    send({ op: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) });
  }
});
process.on('disconnect', () => {
  for (const pc of peers.values()) pc.close();
  cleanup();
  process.exit(0);
});
console.log('ready');
