/**
 * The network map's optional region source (docs/map.md): an operator-supplied list of address blocks, each
 * named by a coarse region ("EU", "Iran", "AS-east"). The broker asks it for a request's region and keeps
 * only the name; no address reaches the map. No list: every address is in the one region "all".
 */
import { readFileSync } from 'node:fs';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** A request's coarse region, from its address; undefined when no block names it. */
export type RegionOf = (address: string) => string | undefined;

export interface RegionBlock {
  /** `ADDRESS/PREFIX`, IPv4 or IPv6. */
  cidr: string;
  /** 1 to 32 characters: letters, digits, space, `-`, `_`, `.`. */
  region: string;
}

const NAME = /^[\p{L}\p{N} ._-]{1,32}$/u;

/** Checks every block and builds the lookup (first block that matches wins); throws TypeError naming a bad one. */
export function regionSource(blocks: readonly RegionBlock[]): RegionOf {
  const lists = blocks.map(({ cidr, region }, i) => {
    const [address = '', prefixText = ''] = String(cidr).split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const prefix = Number(prefixText);
    const max = family === 'ipv4' ? 32 : 128;
    if (family === undefined || !/^\d+$/.test(prefixText) || prefix > max)
      throw new TypeError(`region block ${i + 1}: "${cidr}" is not ADDRESS/PREFIX`);
    if (typeof region !== 'string' || !NAME.test(region))
      throw new TypeError(
        `region block ${i + 1}: the region name "${region}" is not 1 to 32 letters, digits, " ._-"`,
      );
    const list = new BlockList();
    list.addSubnet(address, prefix, family);
    return { list, family, region };
  });
  return (address) => {
    const bare = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
    const family = isIPv4(bare) ? 'ipv4' : isIPv6(bare) ? 'ipv6' : undefined;
    if (family === undefined) return undefined;
    return lists.find((b) => b.family === family && b.list.check(bare, family))?.region;
  };
}

/** Reads a JSON file `[{"cidr": "...", "region": "..."}, ...]`; throws with the file's name. */
export function loadRegionFile(file: string): RegionOf {
  let blocks: unknown;
  try {
    blocks = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TypeError(`region file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(blocks))
    throw new TypeError(`region file ${file}: must be a JSON array of {cidr, region}`);
  return regionSource(blocks as RegionBlock[]);
}
