import { inflateRawSync } from 'node:zlib';
import readXlsxFile from 'read-excel-file/node';

/**
 * Reads an .xlsx back as a user's spreadsheet program would: every sheet's name and cells
 * (through read-excel-file), and the raw XML of one part of the package, to see what the reader
 * does not report (a frozen header row is a `<pane ySplit="1" state="frozen">` in the sheet).
 */
export async function readWorkbook(
  buffer: Buffer,
): Promise<{ sheets: { sheet: string; data: unknown[][] }[]; part: (name: string) => string }> {
  const sheets = (await readXlsxFile(buffer)) as { sheet: string; data: unknown[][] }[];
  return { sheets, part: (name) => zipEntry(buffer, name) };
}

/** One entry of a zip file, found through its central directory. */
function zipEntry(zip: Buffer, name: string): string {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file: no end of central directory');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    at += 46 + nameLength + extra + comment;
  }
  throw new Error(`no ${name} in the workbook`);
}
