// Types of scripts/zip.mjs for the tests that use it.
export interface ZipEntry {
  name: string;
  data: Buffer;
}
export function zip(entries: readonly ZipEntry[]): Buffer;
export function filesUnder(dir: string, prefix?: string): ZipEntry[];
export function zipDirectory(dir: string, outFile: string, prefix?: string): number;
