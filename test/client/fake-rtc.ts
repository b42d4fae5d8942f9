/**
 * Fakes for unit tests of the tunnel's policy (src/client/tunnel.ts): a scripted broker client and peer
 * connections whose one data channel is a memory path (test/helpers/memory-path.ts) to a real egress
 * SessionTable, chosen by the volunteer the broker "matched". Pure logic only: the end-to-end tests run the
 * same tunnel over real WebRTC, broker and egress processes.
 */

import type { OfferBroker } from '../../src/client/tunnel.js';
import { SessionTable } from '../../src/egress/sessions.js';
import type { KeyPair } from '../../src/session/noise.js';
import { type MemoryEnd, memoryPath } from '../helpers/memory-path.js';
import { testDestinations } from '../helpers/session-pair.js';

/** What the volunteer the broker names does with the client's data channel. */
export type VolunteerBehaviour =
  /** relays it to this egress */
  | { egress: SessionTable }
  /** never lets it open (the volunteer vanished mid-match) */
  | 'vanish'
  /** a hostile volunteer: answers each message from the client with what `answer` returns, relays nothing */
  | { answer: (msg: Uint8Array) => Uint8Array };

export type OfferRequest = Parameters<OfferBroker['offer']>[0];

/**
 * The broker as the tunnel sees it: each offer takes the next answer of `script` (a volunteer id, or an
 * error to throw); once the script is used up, `fallback` answers.
 */
export class FakeBroker implements OfferBroker {
  readonly offers: OfferRequest[] = [];
  constructor(
    private readonly script: (string | Error)[],
    private readonly fallback: string | Error = new Error('fake broker: script used up'),
  ) {}

  offer(req: OfferRequest): Promise<{ sdp: string; volunteer: string }> {
    this.offers.push(req);
    const next = this.script.shift() ?? this.fallback;
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve({ sdp: `fake-answer ${next}`, volunteer: next });
  }
}

/** The volunteers and egresses behind the fake peer connections. */
export class FakeNetwork {
  readonly volunteers = new Map<string, VolunteerBehaviour>();
  readonly connections: FakePeerConnection[] = [];
  /** The egress end of every data channel a volunteer relayed, by volunteer id. */
  readonly relayed: { volunteer: string; egress: MemoryEnd }[] = [];
  /** The peer connection class to hand the tunnel. */
  readonly RTCPeerConnection: { new (config?: RTCConfiguration): RTCPeerConnection };

  constructor() {
    const network = this;
    this.RTCPeerConnection = class extends FakePeerConnection {
      constructor(config?: RTCConfiguration) {
        super(network, config);
        network.connections.push(this);
      }
    } as unknown as { new (config?: RTCConfiguration): RTCPeerConnection };
  }

  private readonly tables: SessionTable[] = [];

  /** An egress with `keys` that the named volunteers relay to. */
  egress(keys: KeyPair, ...volunteers: string[]): SessionTable {
    const table = new SessionTable(keys, testDestinations);
    this.tables.push(table);
    for (const v of volunteers) this.volunteers.set(v, { egress: table });
    return table;
  }

  /** Volunteers that answer every message with `answer` (a forged REFUSE, garbage, ...). */
  hostile(answer: (msg: Uint8Array) => Uint8Array, ...volunteers: string[]): void {
    for (const v of volunteers) this.volunteers.set(v, { answer });
  }

  /** Closes every egress. */
  close(): void {
    for (const table of this.tables) table.close();
  }

  /** Kills the path a volunteer relays, as a closed tab does. */
  kill(volunteer: string): void {
    for (const r of this.relayed) if (r.volunteer === volunteer) r.egress.kill();
  }
}

class FakeDataChannel {
  binaryType: BinaryType = 'arraybuffer';
  bufferedAmountLowThreshold = 0;
  readyState: RTCDataChannelState = 'connecting';
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onbufferedamountlow: (() => void) | null = null;
  private end: MemoryEnd | undefined;

  constructor(readonly label: string) {}

  get bufferedAmount(): number {
    return this.end?.bufferedAmount ?? 0;
  }

  /** The volunteer spliced it to `end` (the client side of a memory path). */
  open(end: MemoryEnd): void {
    this.end = end;
    end.onmessage = (msg) => {
      const data = msg.buffer.slice(msg.byteOffset, msg.byteOffset + msg.byteLength) as ArrayBuffer;
      this.onmessage?.({ data });
    };
    end.onclose = () => this.closed();
    end.ondrain = () => this.onbufferedamountlow?.();
    this.readyState = 'open';
    this.onopen?.();
  }

  send(data: Uint8Array): void {
    if (this.readyState !== 'open') throw new Error('fake data channel: not open');
    this.end?.send(data);
  }

  close(): void {
    if (this.readyState === 'closed') return;
    this.end?.close();
    this.closed();
  }

  private closed(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.onclose?.();
  }
}

class FakePeerConnection {
  iceGatheringState: RTCIceGatheringState = 'complete';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  onconnectionstatechange: (() => void) | null = null;
  channel: FakeDataChannel | undefined;

  constructor(
    private readonly network: FakeNetwork,
    readonly config: RTCConfiguration | undefined,
  ) {}

  createDataChannel(label: string): FakeDataChannel {
    this.channel = new FakeDataChannel(label);
    return this.channel;
  }

  async createOffer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'offer', sdp: 'v=0\r\na=setup:actpass\r\n' };
  }

  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.localDescription = description;
  }

  addEventListener(): void {}
  removeEventListener(): void {}

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    const volunteer = description.sdp?.replace(/^fake-answer /, '') ?? '';
    const behaviour = this.network.volunteers.get(volunteer);
    const channel = this.channel;
    if (behaviour === undefined || behaviour === 'vanish' || channel === undefined) return;
    const path = memoryPath();
    if ('answer' in behaviour) {
      const { answer } = behaviour;
      path.egress.onmessage = (msg) => path.egress.send(answer(msg));
    } else {
      this.network.relayed.push({ volunteer, egress: path.egress });
      void behaviour.egress.accept(path.egress);
    }
    this.connectionState = 'connected';
    setImmediate(() => channel.open(path.client));
  }

  close(): void {
    if (this.connectionState === 'closed') return;
    this.connectionState = 'closed';
    this.channel?.close();
  }
}
