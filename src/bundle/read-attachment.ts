/**
 * Reads a file that is not a bundle, not an archive and not resource YAML: command output a
 * customer pasted beside the bundles (pastes.md). The file is sniffed by its bytes, never by its
 * name: images, PDFs and other binaries are listed as ignored with what they look like; text is
 * handed to the attachment recogniser, and text it does not recognise is ignored as "unknown text".
 */
import { open, readFile, stat } from 'node:fs/promises';
import { recogniseAttachment } from '../parsers/attachments/recognise.js';
import type { AttachmentPart } from '../parsers/attachments/types.js';
import { describeReadError } from './read-archive.js';

/** Pasted outputs larger than this are not read (a pasted log is megabytes, not gigabytes). */
export const MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024;

/** One pasted file and what it was taken to be. */
export interface AttachmentFile {
  /** The input as given (the file itself, or the folder holding it). */
  input: string;
  /** Path of the file: the input itself for a plain file, else relative to the input folder. */
  file: string;
  /** Path on disk (for `--node <name>=<file>`). */
  path: string;
  parts: AttachmentPart[];
  /** Hosts named by shell prompts in the paste (`[root@node-b ~]#`). */
  promptHosts: string[];
  unrecognisedLines: number;
  totalLines: number;
  /** Set when nothing was recognised: what the file looks like (`image (PNG)`, `unknown text, 12 lines`). */
  ignored?: string;
  /** Set when the file could not be read at all. */
  problem?: string;
}

/** What the first bytes say: an archive, text, or some other binary. */
export function sniffBytes(head: Buffer): 'gzip' | 'tar' | 'text' | 'binary' {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return looksLikeText(head) ? 'text' : 'binary';
}

function looksLikeText(buf: Buffer): boolean {
  if (buf.length === 0) return true;
  let bad = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0) return false;
    if (c < 9 || (c > 13 && c < 32 && c !== 27)) bad++;
  }
  return bad / buf.length < 0.02;
}

/**
 * Archive and compression formats a customer may repack a bundle in, which Node.js cannot unpack
 * without a native module: named with the command that unpacks them.
 */
const OTHER_ARCHIVES: readonly { what: string; magic: readonly number[]; unpack: string }[] = [
  { what: 'an xz-compressed file', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], unpack: 'xz -d' },
  { what: 'a bzip2-compressed file', magic: [0x42, 0x5a, 0x68], unpack: 'bzip2 -d' },
  { what: 'a zstd-compressed file', magic: [0x28, 0xb5, 0x2f, 0xfd], unpack: 'zstd -d' },
  { what: 'an lz4-compressed file', magic: [0x04, 0x22, 0x4d, 0x18], unpack: 'lz4 -d' },
  { what: 'a 7-Zip archive', magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], unpack: '7z x' },
  { what: 'a RAR archive', magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], unpack: 'unrar x' },
];

/**
 * For a file in an archive format calico-diags cannot unpack (a bundle repacked as .tar.xz, .7z …):
 * what it is and how to unpack it. Undefined for anything else.
 */
export function otherArchive(head: Buffer): string | undefined {
  const f = OTHER_ARCHIVES.find((a) => a.magic.every((b, i) => head[i] === b));
  if (f === undefined) return undefined;
  return `${f.what}, which calico-diags cannot unpack (it reads .tar.gz, .tgz, .tar and .zip): unpack it with \`${f.unpack}\` and give it what comes out`;
}

/** What a binary file looks like, from its magic bytes. */
export function guessBinary(head: Buffer): string {
  const ascii = head.toString('latin1', 0, 8);
  if (ascii.startsWith('\u0089PNG')) return 'image (PNG)';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image (JPEG)';
  if (ascii.startsWith('GIF8')) return 'image (GIF)';
  if (ascii.startsWith('RIFF') && head.toString('latin1', 8, 12) === 'WEBP') return 'image (WebP)';
  if (ascii.startsWith('BM')) return 'image (BMP)';
  if (ascii.startsWith('%PDF')) return 'PDF document';
  if (ascii.startsWith('PK\u0003\u0004')) return 'zip archive (not a calicoctl diags bundle)';
  const other = otherArchive(head);
  if (other !== undefined) return other;
  return 'binary data';
}

/** What unrecognised text looks like. */
export function guessText(text: string, lines: number): string {
  const t = text.trimStart();
  if (t === '') return 'empty file';
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      JSON.parse(t);
      return 'JSON that is not a Calico export';
    } catch {
      // not JSON
    }
  }
  if (/^<(!doctype html|html)/i.test(t)) return 'HTML page';
  if (/^apiVersion:|^kind:/m.test(t)) return 'YAML that is not a Calico export';
  return `unknown text, ${lines} ${lines === 1 ? 'line' : 'lines'}`;
}

/** Whether JSON text is a Calico export (`calicoctl get … -o json`): read as resources instead. */
export function isCalicoJson(text: string): boolean {
  const t = text.trimStart();
  if (!(t.startsWith('{') || t.startsWith('['))) return false;
  return /"apiVersion"\s*:\s*"(projectcalico\.org|crd\.projectcalico\.org)\//.test(t.slice(0, 4096));
}

/** The first bytes of a file (for sniffing). */
export async function readHead(path: string, n = 4096): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Recognises pasted text already read (shared by the file and folder readers). */
export function attachmentFromText(text: string, where: { input: string; file: string; path: string }): AttachmentFile {
  const r = recogniseAttachment(text, { input: where.input, file: where.file });
  const out: AttachmentFile = { ...where, parts: r.parts, promptHosts: r.promptHosts, unrecognisedLines: r.unrecognisedLines, totalLines: r.totalLines };
  if (r.parts.length === 0) out.ignored = guessText(text, r.totalLines);
  return out;
}

/** Reads one pasted file from disk. */
export async function readAttachment(path: string, where: { input: string; file: string }): Promise<AttachmentFile> {
  const base: AttachmentFile = { ...where, path, parts: [], promptHosts: [], unrecognisedLines: 0, totalLines: 0 };
  try {
    const { size } = await stat(path);
    if (size > MAX_ATTACHMENT_BYTES) return { ...base, ignored: `text of ${size} bytes, too large to read as pasted output` };
    const head = await readHead(path);
    if (sniffBytes(head) !== 'text') {
      // A bundle repacked in a format Node.js cannot unpack is input that could not be read, not an
      // attachment to ignore: it gets a problem line that says how to unpack it.
      const other = otherArchive(head);
      if (other !== undefined) return { ...base, problem: `${path}: cannot read: ${other}` };
      return { ...base, ignored: guessBinary(head) };
    }
    const text = await readFile(path, 'utf8');
    return attachmentFromText(text, { ...where, path });
  } catch (err) {
    return { ...base, problem: `${path}: cannot read: ${describeReadError(err)}` };
  }
}
