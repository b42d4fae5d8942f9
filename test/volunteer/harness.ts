/**
 * Test ends for the relay suite: an egress that echoes (a real `ws` server) and a client peer (a real
 * node-datachannel peer connection that offers through the broker). Everything on 127.0.0.1.
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { PATH_LABEL, PATH_SUBPROTOCOL } from '../../src/shared/path.js';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';
import { BrokerClient } from '../../src/signaling/client.js';

/** Messages and close of one end, recorded as they come. */
export class Log {
  readonly messages: Uint8Array[] = [];
  bytes = 0;
  closed = false;
  closeCode: number | undefined;

  add(data: Uint8Array): void {
    this.messages.push(data);
    this.bytes += data.byteLength;
  }

  close(code?: number): void {
    this.closed = true;
    this.closeCode = code;
  }
}

export interface EgressConnection {
  socket: WebSocket;
  protocol: string;
  log: Log;
}

export interface EchoEgress {
  url: string;
  connections: EgressConnection[];
  /** When false, messages are recorded but not echoed. */
  echo: boolean;
  close(): Promise<void>;
}

export async function startEchoEgress(): Promise<EchoEgress> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(PATH_SUBPROTOCOL) ? PATH_SUBPROTOCOL : false),
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const egress: EchoEgress = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    connections: [],
    echo: true,
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', (socket) => {
    const log = new Log();
    egress.connections.push({ socket, protocol: socket.protocol, log });
    socket.on('message', (data: Buffer, isBinary) => {
      const copy = new Uint8Array(data); // a fresh buffer per send
      log.add(copy);
      if (!isBinary) socket.close(4400);
      else if (egress.echo) socket.send(copy);
    });
    socket.on('close', (code) => log.close(code));
  });
  return egress;
}

export interface TestClient {
  pc: RTCPeerConnection;
  channel: RTCDataChannel;
  log: Log;
  /** Sends every message, waiting whenever 1 MiB is buffered. */
  sendAll(messages: Uint8Array<ArrayBuffer>[]): Promise<void>;
  close(): void;
}

const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });

/**
 * libdatachannel 0.24 (node-datachannel 0.33) races on the offering side: when the answerer's connectivity
 * checks arrive before the answer, ICE can connect and DTLS verify the peer's certificate before the answer's
 * fingerprint is stored; the handshake fails and setRemoteDescription throws this, or (when the failure comes
 * a moment later) the channel never opens. On loopback it happens to a few percent of offers; the offer is
 * simply made again.
 */
export function isAnswerRace(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.message.includes('remote candidate without ICE transport') ||
      error.message === 'data channel did not open')
  );
}

/** Offers a path through the broker (signaling-v1 §6) and resolves once its data channel is open. */
export async function connectClient(
  brokerUrl: string,
  egress: string,
  timeoutMs = 5_000,
): Promise<TestClient> {
  const pc = new RtcPeerConnection();
  const channel = pc.createDataChannel(PATH_LABEL);
  channel.binaryType = 'arraybuffer';
  const log = new Log();
  channel.addEventListener('message', (event: MessageEvent<ArrayBuffer>) =>
    log.add(new Uint8Array(event.data)),
  );
  channel.addEventListener('close', () => log.close());
  const client: TestClient = {
    pc,
    channel,
    log,
    sendAll: (messages) => sendAll(channel, messages),
    close: () => {
      channel.close();
      pc.close();
    },
  };
  try {
    const opened = new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }));
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceComplete(pc, 5000);
    const answer = await new BrokerClient(brokerUrl).offer({ nat: 'unknown', sdp: localSdp(pc), egress });
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await Promise.race([
      opened,
      new Promise((_, reject) => setTimeout(() => reject(new Error('data channel did not open')), timeoutMs)),
    ]);
    return client;
  } catch (error) {
    client.close();
    throw error;
  }
}

function sendAll(channel: RTCDataChannel, messages: Uint8Array<ArrayBuffer>[]): Promise<void> {
  const highWater = 1024 * 1024;
  let next = 0;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      try {
        while (next < messages.length && channel.bufferedAmount < highWater) channel.send(messages[next++]!);
      } catch (error) {
        reject(error);
        return;
      }
      if (next < messages.length) return;
      channel.removeEventListener('bufferedamountlow', pump);
      resolve();
    };
    channel.bufferedAmountLowThreshold = highWater / 4;
    channel.addEventListener('bufferedamountlow', pump);
    // A channel that closes mid-send would otherwise leave this waiting for a drain that never comes.
    channel.addEventListener('close', () => reject(new Error('data channel closed while sending')), {
      once: true,
    });
    pump();
  });
}
