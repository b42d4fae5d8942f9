/**
 * What the widget keeps in the browser: the number of people helped in total, and whether the reader left
 * the switch on. Only `localStorage` of the host page's origin, never cookies. Every access is guarded:
 * storage may be missing, full, or throw (sandboxed frames, blocked site data); the widget then counts in
 * memory for this page view.
 */

const HELPED_KEY = 'starling-bridge:helped';
const ON_KEY = 'starling-bridge:on';

let helpedInMemory = 0;

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function read(key: string): string | null {
  try {
    return storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): boolean {
  try {
    const store = storage();
    if (store === null) return false;
    if (value === null) store.removeItem(key);
    else store.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

function parseCount(text: string | null): number {
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** People helped in total in this browser (on this site). */
export function readHelped(): number {
  return Math.max(parseCount(read(HELPED_KEY)), helpedInMemory);
}

/** Adds one person helped; returns the new total. Reads first, so tabs of one site add up. */
export function addHelped(): number {
  const total = readHelped() + 1;
  helpedInMemory = total;
  write(HELPED_KEY, String(total));
  return total;
}

/** Whether the reader left the switch on last time. */
export function readOn(): boolean {
  return read(ON_KEY) === '1';
}

export function writeOn(on: boolean): void {
  write(ON_KEY, on ? '1' : null);
}
