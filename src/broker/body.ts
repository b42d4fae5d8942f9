/**
 * Reading a JSON request body under a cap (signaling-v1 §1): the content type and declared length are
 * checked before anything is read, and received bytes are counted as they arrive, so no more than
 * `maxBytes` is ever buffered.
 */
import type { IncomingMessage } from 'node:http';
import { SignalingError } from '../signaling/errors.js';
import { parseJson } from '../signaling/messages.js';

/**
 * signaling-v1 §1: `application/json`, or `text/plain` (CORS-safelisted: a browser sends it without a
 * preflight), parameters (charset) allowed.
 */
export function isJsonContentType(header: string | undefined): boolean {
  return isContentType(header, 'application/json') || isContentType(header, 'text/plain');
}

/** Whether a content-type header names `type` (lower case), with any parameters. */
export function isContentType(header: string | undefined, type: string): boolean {
  if (header === undefined) return false;
  return header.split(';', 1)[0]!.trim().toLowerCase() === type;
}

function tooLarge(maxBytes: number): SignalingError {
  return new SignalingError('too-large', `body over ${maxBytes} bytes`);
}

/** Reads the raw body, rejecting `too-large` as soon as the declared or received length passes `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
      req.off('close', onFail);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onFail = (): void => {
      cleanup();
      reject(new SignalingError('bad-request', 'request body incomplete'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onFail);
    req.on('close', onFail);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks the content type, reads the capped body and parses it as JSON. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new SignalingError('bad-type', 'content-type must be application/json or text/plain');
  }
  return jsonOfBytes(await readBody(req, maxBytes));
}

/** A body's bytes as JSON (signaling-v1 §1): valid UTF-8, then valid JSON, else 400. */
export function jsonOfBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new SignalingError('bad-request', 'body is not valid UTF-8');
  }
  return parseJson(text);
}
