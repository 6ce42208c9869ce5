import { readFileSync } from 'node:fs';
import { PACKAGE_JSON } from './paths.js';

const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { name: string; version: string };

export const TOOL = { name: pkg.name, version: pkg.version };
