/** What the inputs cover: artifacts missing from a bundle, nodes without a bundle. */
import type { Rule } from '../rule.js';
import { bundleIncomplete } from './bundle-incomplete.js';
import { nodeBundleMissing } from './node-bundle-missing.js';

export const BUNDLE_RULES: readonly Rule[] = [bundleIncomplete, nodeBundleMissing];
