import { readFileSync } from 'node:fs';
import { recogniseAttachment } from '../../../src/parsers/attachments/recognise.js';
import type { AttachmentPart, PartFacts } from '../../../src/parsers/attachments/types.js';

export const fixture = (name: string): string => readFileSync(new URL(`../../../../test/fixtures/attachments/${name}`, import.meta.url), 'utf8');

/** The parts of a fixture, recognised by content (the file name is not looked at). */
export function partsOf(name: string): AttachmentPart[] {
  return recogniseAttachment(fixture(name), { input: `in/${name}`, file: `in/${name}` }).parts;
}

/** The facts of the only part of `kind` in a fixture. */
export function factsOf<K extends PartFacts['kind']>(name: string, kind: K): Extract<PartFacts, { kind: K }> {
  const parts = partsOf(name).filter((p) => p.kind === kind);
  if (parts.length !== 1) throw new Error(`${name}: ${parts.length} parts of kind ${kind}`);
  return parts[0]!.facts as Extract<PartFacts, { kind: K }>;
}
