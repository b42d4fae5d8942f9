/**
 * A tiny broker for the relay tests (signaling-v1 §3–6, one waiting volunteer at a time). Unlike the real
 * one it hands any offer to the waiting volunteer, egress or not, so tests can play a lying broker. It
 * records every poll so tests can see when a volunteer polls and with what ticket. It hands every poller the
 * same ticket, `ticket`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DeliveredOffer,
  decodeAnswerRequest,
  decodeOfferRequest,
  decodePollRequest,
  type PollRequest,
} from '../../src/signaling/messages.js';

export interface FakeBrokerOptions {
  egress: string[];
  /** Listen on this port (to bring a broker up where a volunteer already looks). @default 0 */
  port?: number;
  /** How long a poll is held, ms. @default 200 */
  pollTimeoutMs?: number;
  /** How long a client waits for the volunteer's answer, ms. @default 3000 */
  answerTimeoutMs?: number;
}

export interface FakeBroker {
  url: string;
  port: number;
  /** Every poll received, in order. */
  polls: PollRequest[];
  /** The ticket every poll answer carries (signaling-v1 §4). */
  readonly ticket: string;
  /** A volunteer's poll is waiting for a client now. */
  readonly volunteerWaiting: boolean;
  close(): Promise<void>;
}

interface Waiting {
  request: PollRequest;
  deliver(offer: DeliveredOffer | null): void;
}

export async function startFakeBroker(options: FakeBrokerOptions): Promise<FakeBroker> {
  const pollTimeoutMs = options.pollTimeoutMs ?? 200;
  const answerTimeoutMs = options.answerTimeoutMs ?? 3000;
  const polls: PollRequest[] = [];
  const ticket = randomBytes(33).toString('base64url');
  const answers = new Map<string, { deliver: (sdp: string) => void; timer: ReturnType<typeof setTimeout> }>();
  let waiting: Waiting | null = null;

  const send = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ v: 1, ...body }));
  };

  const poll = (res: ServerResponse, request: PollRequest): void => {
    polls.push(request);
    waiting?.deliver(null); // signaling-v1 §4: a new poll replaces a waiting one
    const timer = setTimeout(() => entry.deliver(null), pollTimeoutMs);
    const entry: Waiting = {
      request,
      deliver: (offer) => {
        clearTimeout(timer);
        if (waiting === entry) waiting = null;
        const body = offer === null ? { offer: null, retryAfterMs: 0 } : { offer };
        if (!res.writableEnded) send(res, 200, { ticket, ...body });
      },
    };
    waiting = entry;
  };

  const offer = (res: ServerResponse, sdp: string, egress: string): void => {
    const volunteer = waiting;
    if (volunteer === null) {
      res.setHeader('retry-after', '1');
      send(res, 503, { error: 'no volunteer', code: 'no-match', retryAfterMs: 50 });
      return;
    }
    const id = randomBytes(12).toString('base64url');
    const timer = setTimeout(() => {
      answers.delete(id);
      send(res, 504, { error: 'no answer', code: 'timeout' });
    }, answerTimeoutMs);
    const deliver = (answer: string): void => {
      clearTimeout(timer);
      answers.delete(id);
      send(res, 200, { answer: { sdp: answer, volunteer: ticket.slice(0, 22) } });
    };
    answers.set(id, { deliver, timer });
    volunteer.deliver({ id, sdp, egress });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    try {
      if (req.method === 'GET' && req.url === '/v1/info') send(res, 200, { egress: options.egress });
      else if (req.method === 'POST' && req.url === '/v1/volunteer/poll')
        poll(res, decodePollRequest(JSON.parse(text)));
      else if (req.method === 'POST' && req.url === '/v1/client/offer') {
        const request = decodeOfferRequest(JSON.parse(text));
        offer(res, request.sdp, request.egress ?? options.egress[0]!);
      } else if (req.method === 'POST' && req.url === '/v1/volunteer/answer') {
        const request = decodeAnswerRequest(JSON.parse(text));
        const pending = answers.get(request.offerId);
        if (pending === undefined) send(res, 404, { error: 'unknown offer', code: 'unknown-offer' });
        else {
          pending.deliver(request.sdp);
          send(res, 200, {});
        }
      } else send(res, 404, { error: 'not found', code: 'not-found' });
    } catch (error) {
      send(res, 400, { error: String(error), code: 'bad-request' });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    polls,
    ticket,
    get volunteerWaiting() {
      return waiting !== null;
    },
    close: async () => {
      waiting?.deliver(null);
      for (const { timer } of answers.values()) clearTimeout(timer);
      answers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
