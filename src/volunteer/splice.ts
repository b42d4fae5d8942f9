/**
 * The splice of one path (path-v1 §1–4): a client's data channel to a WebSocket to the egress, 1:1 binary
 * messages, unchanged and in order. The volunteer parses nothing of the session (session-v1).
 */
import { CloseCode, GOODBYE, PATH_SUBPROTOCOL } from '../shared/path.js';
import type { TokenBucket } from '../shared/token-bucket.js';
import type { RelayEnv } from './env.js';
import { Forwarder, type Sink } from './forwarder.js';

export interface SpliceOptions {
  egressUrl: string;
  WebSocket: RelayEnv['WebSocket'];
  /** Rate caps every message waits for: the relay's shared one, the path's own (none, one or both). */
  limiters: readonly TokenBucket[];
  maxQueuedBytes: number;
  maxBufferedBytes: number;
  egressConnectTimeoutMs: number;
  /** Both sides are open and relaying. */
  onOpen(): void;
  /** `bytes` were relayed in either direction. */
  onBytes(bytes: number): void;
  /** The splice is over (called once); both sides are closed or closing. */
  onEnd(reason: string): void;
}

// WebSocket.readyState values (the constants are not on every implementation's instances).
const WS_CONNECTING = 0;
const WS_OPEN = 1;

export class Splice {
  readonly #channel: RTCDataChannel;
  readonly #options: SpliceOptions;
  readonly #toEgress: Forwarder;
  readonly #toClient: Forwarder;
  #socket: WebSocket | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  #ended = false;

  constructor(channel: RTCDataChannel, options: SpliceOptions) {
    this.#channel = channel;
    this.#options = options;
    const { limiters, maxQueuedBytes, maxBufferedBytes } = options;
    this.#toEgress = new Forwarder(limiters, maxQueuedBytes, maxBufferedBytes, this.#hooks('egress'));
    this.#toClient = new Forwarder(limiters, maxBufferedBytes, maxBufferedBytes, this.#hooks('client'));
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event) => this.#relay(event, 'client', this.#toEgress));
    channel.addEventListener('close', () => this.end(CloseCode.normal, 'data channel closed'));
    channel.addEventListener('error', () => this.end(CloseCode.normal, 'data channel failed'));
    // path-v1 §1: the WebSocket is opened once the data channel is open.
    if (channel.readyState === 'open') this.#openEgress();
    else channel.addEventListener('open', () => this.#openEgress(), { once: true });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /**
   * path-v1 §3: GOODBYE on both sides, relay on for `graceMs` so both ends can move their traffic, then
   * close both. GOODBYE bypasses the rate cap: it is the last word, not data.
   */
  async goodbye(graceMs: number): Promise<void> {
    if (this.#ended) return;
    if (this.#channel.readyState === 'open') this.#sendControl(this.#channel, GOODBYE);
    const socket = this.#socket;
    if (socket !== null && socket.readyState === WS_OPEN) this.#sendControl(socket, GOODBYE);
    await new Promise((resolve) => setTimeout(resolve, graceMs));
    // Browsers may send only 1000 and 3000–4999, so "going away" is said by GOODBYE, not by 1001 (path-v1 §4).
    this.end(CloseCode.normal, 'volunteer going away');
  }

  /** Closes both sides at once (path-v1 §4: a close on one side closes the other). Idempotent. */
  end(code: number, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#toEgress.stop();
    this.#toClient.stop();
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    const socket = this.#socket;
    if (socket !== null && (socket.readyState === WS_CONNECTING || socket.readyState === WS_OPEN)) {
      socket.close(code);
    }
    if (this.#channel.readyState !== 'closed') this.#channel.close();
    this.#options.onEnd(reason);
  }

  #hooks(side: 'egress' | 'client'): ConstructorParameters<typeof Forwarder>[3] {
    return {
      onSent: (bytes) => this.#options.onBytes(bytes),
      onOverflow: (held) => this.end(CloseCode.overQueue, `${held} bytes held for the ${side}`),
      onSendError: () => this.end(CloseCode.protocol, `the ${side} refused a message`),
    };
  }

  #openEgress(): void {
    if (this.#ended) return;
    let socket: WebSocket;
    try {
      socket = new this.#options.WebSocket(this.#options.egressUrl, PATH_SUBPROTOCOL);
    } catch {
      this.end(CloseCode.normal, 'cannot open a WebSocket to the egress');
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => this.#egressOpen(socket));
    socket.addEventListener('message', (event: MessageEvent) => this.#relay(event, 'egress', this.#toClient));
    socket.addEventListener('close', (event: CloseEvent) =>
      this.end(CloseCode.normal, `egress closed (${event.code})`),
    );
    socket.addEventListener('error', () => this.end(CloseCode.normal, 'egress WebSocket failed'));
    this.#connectTimer = setTimeout(
      () => this.end(CloseCode.normal, 'egress did not answer in time'),
      this.#options.egressConnectTimeoutMs,
    );
  }

  #egressOpen(socket: WebSocket): void {
    if (this.#ended) return;
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    if (socket.protocol !== PATH_SUBPROTOCOL) {
      this.end(CloseCode.protocol, `egress chose subprotocol "${socket.protocol}"`);
      return;
    }
    this.#toEgress.attach(socket);
    this.#toClient.attach(channelSink(this.#channel));
    this.#options.onOpen();
  }

  /** One message from `side`, forwarded as is by `to`; a text message is a protocol error (path-v1 §2). */
  #relay(event: MessageEvent, side: 'client' | 'egress', to: Forwarder): void {
    if (this.#ended) return;
    if (event.data instanceof ArrayBuffer) to.push(event.data);
    else this.end(CloseCode.protocol, `text message from the ${side}`);
  }

  #sendControl(sink: Sink, message: Uint8Array): void {
    try {
      sink.send(message.slice().buffer);
    } catch {
      // The side is closing; the close that follows says the same.
    }
  }
}

/** RTCDataChannel.send is overloaded; a forwarder only needs the ArrayBuffer form. */
function channelSink(channel: RTCDataChannel): Sink {
  return {
    send: (data) => channel.send(data),
    get bufferedAmount() {
      return channel.bufferedAmount;
    },
  };
}
