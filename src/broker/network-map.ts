/**
 * What the broker's live network map shows (docs/map.md): volunteers waiting, clients asking and matches
 * made, per coarse region (regions.ts), and per site the people helped today. Fed by a small counting hook
 * in the HTTP edge (http.ts); holds only region names, the broker's source keys (HMACs, never addresses)
 * and site origins, every table bounded.
 */
import { MAP_DEFAULTS, type MapOptions, withDefaults } from '../shared/limits.js';

export interface RegionCounts {
  region: string;
  /** Volunteers seen polling within `activeMs`. */
  volunteers: number;
  /** Clients seen offering within `activeMs`. */
  clients: number;
  /** Matches made within `activeMs` whose volunteer is in this region. */
  matches: number;
}

/** GET /map.json: no address, no source key, no origin. */
export interface MapSnapshot {
  v: 1;
  /** ISO time of the snapshot. */
  at: string;
  regions: RegionCounts[];
  totals: { volunteers: number; clients: number; matches: number; matchesToday: number };
}

/** GET /counter.json: the people helped through one site today (UTC), rounded (`roundHelped`). */
export interface SiteCount {
  v: 1;
  site: string;
  day: string;
  helped: number;
  /** True when `helped` is a lower bound: the count was rounded down. */
  rounded: boolean;
}

/** Counts that could single out a person are rounded down: below 10 to 0, then to 10s, then to 2 figures. */
export function roundHelped(n: number): number {
  if (n < 10) return 0;
  if (n < 100) return Math.floor(n / 10) * 10;
  const step = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.floor(n / step) * step;
}

type Seen = { region: string; at: number };

/** A Map that keeps at most `max` entries, dropping the least recently set. */
function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}

export class NetworkMap {
  readonly #opts: MapOptions;
  readonly #now: () => number;
  readonly #volunteers = new Map<string, Seen>();
  readonly #clients = new Map<string, Seen>();
  #matches: Seen[] = [];
  #day = '';
  #matchesToday = 0;
  readonly #sites = new Map<string, number>();

  constructor(options: Partial<MapOptions> = {}, now: () => number = Date.now) {
    this.#opts = withDefaults<MapOptions>(MAP_DEFAULTS, options);
    this.#now = now;
  }

  /** A volunteer (by source key) polled from `region`. */
  volunteerPolled(source: string, region: string): void {
    setBounded(this.#volunteers, source, { region, at: this.#now() }, this.#opts.maxTracked);
  }

  /** A client (by source key) offered from `region`. */
  clientOffered(source: string, region: string): void {
    setBounded(this.#clients, source, { region, at: this.#now() }, this.#opts.maxTracked);
  }

  /** An offer was handed to a volunteer in `region` polling from page origin `site` (null: not a web page). */
  matched(region: string, site: string | null): void {
    const at = this.#now();
    this.#rollDay(at);
    this.#matches.push({ region, at });
    if (this.#matches.length > this.#opts.maxTracked) this.#matches.shift();
    this.#matchesToday += 1;
    if (site !== null) {
      const known = this.#sites.get(site);
      if (known !== undefined || this.#sites.size < this.#opts.maxSites)
        this.#sites.set(site, (known ?? 0) + 1);
    }
  }

  snapshot(): MapSnapshot {
    const now = this.#now();
    this.#rollDay(now);
    const since = now - this.#opts.activeMs;
    const regions = new Map<string, RegionCounts>();
    const count = (region: string, key: 'volunteers' | 'clients' | 'matches'): void => {
      const entry = regions.get(region) ?? { region, volunteers: 0, clients: 0, matches: 0 };
      entry[key] += 1;
      regions.set(region, entry);
    };
    for (const [key, seen] of this.#volunteers)
      if (seen.at < since) this.#volunteers.delete(key);
      else count(seen.region, 'volunteers');
    for (const [key, seen] of this.#clients)
      if (seen.at < since) this.#clients.delete(key);
      else count(seen.region, 'clients');
    this.#matches = this.#matches.filter((m) => m.at >= since);
    for (const m of this.#matches) count(m.region, 'matches');
    const list = [...regions.values()].sort((a, b) => a.region.localeCompare(b.region));
    const sum = (k: 'volunteers' | 'clients' | 'matches') => list.reduce((n, r) => n + r[k], 0);
    return {
      v: 1,
      at: new Date(now).toISOString(),
      regions: list,
      totals: {
        volunteers: sum('volunteers'),
        clients: sum('clients'),
        matches: sum('matches'),
        matchesToday: this.#matchesToday,
      },
    };
  }

  siteCount(site: string): SiteCount {
    this.#rollDay(this.#now());
    const raw = this.#sites.get(site) ?? 0;
    const helped = roundHelped(raw);
    return { v: 1, site, day: this.#day, helped, rounded: helped !== raw };
  }

  /** A new UTC day starts every count of "today" at zero. */
  #rollDay(at: number): void {
    const day = new Date(at).toISOString().slice(0, 10);
    if (day === this.#day) return;
    this.#day = day;
    this.#matchesToday = 0;
    this.#sites.clear();
  }
}
