// A small, deterministic zip writer over node:zlib (deflate and crc32), for the extension and WordPress
// packages: entries in the order given, one fixed timestamp, no extra fields, so the same files always give
// the same bytes (reproducible packages that a reviewer can rebuild and compare). No zip64: every size and
// offset must stay below 4 GiB, which these packages do by far. Layout: APPNOTE.TXT 4.3 (local headers, data,
// central directory, end of central directory record).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const UTF8_NAMES = 0x0800;
const MAX32 = 0xffff_ffff;

/** The zip of `entries` ({ name: 'a/b.txt', data: Buffer }), as one Buffer. */
export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    const [method, body] = deflated.length < data.length ? [8, deflated] : [0, data];
    if (data.length >= MAX32 || offset >= MAX32) throw new RangeError(`zip: ${name} needs zip64`);
    const fields = (h, at) => {
      h.writeUInt16LE(20, at); // version needed: 2.0 (deflate)
      h.writeUInt16LE(UTF8_NAMES, at + 2);
      h.writeUInt16LE(method, at + 4);
      h.writeUInt16LE(0, at + 6); // time 00:00:00
      h.writeUInt16LE(DOS_DATE_1980_01_01, at + 8);
      h.writeUInt32LE(crc32(data), at + 10);
      h.writeUInt32LE(body.length, at + 14);
      h.writeUInt32LE(data.length, at + 18);
      h.writeUInt16LE(nameBytes.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below is read)
    fields(central, 6);
    central.writeUInt32LE(0o100644 * 0x10000, 38); // external attributes: a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Every file under `dir`, sorted, with `/`-separated names relative to it (prefixed by `prefix`). */
export function filesUnder(dir, prefix = '') {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push({ name: prefix + relative(dir, p).split(sep).join('/'), data: readFileSync(p) });
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Zips the files under `dir` into `outFile`; returns the zip's size in bytes. */
export function zipDirectory(dir, outFile, prefix = '') {
  const bytes = zip(filesUnder(dir, prefix));
  writeFileSync(outFile, bytes);
  return bytes.length;
}
