/**
 * Always-on secret masking: private keys, certificate bodies, bearer and service-account tokens and the
 * values of password/token/secret/key-like keys are replaced by `[REDACTED]` in every string that enters
 * the report. Idempotent: masking masked text changes nothing. Inputs are never touched.
 */

export const MASK = '[REDACTED]';

/** A whole PEM block (across lines within one string), any label (`PRIVATE KEY`, `CERTIFICATE`, …). */
const PEM_BLOCK = /(-----BEGIN ([A-Z0-9 ]{1,40})-----)[\s\S]*?(-----END \2-----)/g;
/** A PEM header whose body is not in the same string (one evidence line holds the BEGIN line only). */
const PEM_OPEN_TAIL = /(-----BEGIN ([A-Z0-9 ]{1,40})-----)(?![\s\S]*-----END )[ \t]*(?:\r?\n[\s\S]*)?$/;
/** Base64 of a PEM block (`LS0tLS1CRUdJTi…`, as in a Secret's `tls.crt:` or a kubeconfig's `*-data:`). */
const B64_PEM = /LS0tLS1[A-Za-z0-9+/=]{8,}/g;
/** JWT-shaped tokens (service-account tokens): base64url header starting `eyJ`, a dot, a payload. */
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)?/g;
/** `Authorization: Bearer …`, `Bearer …`, `Basic …` credentials. */
const BEARER = /\b(Bearer|Basic)(\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{6,}/g;
/** A bare PEM body line (64 base64 characters, as `openssl` writes them), alone on its line. */
const PEM_BODY_LINE = /^(\s*)[A-Za-z0-9+/]{60,76}={0,2}(\s*)$/;

/**
 * Key names whose values are secret: `password`, `bgpPassword`, `token`, `authToken`, `secret`,
 * `client_secret`, `privateKey`, `tls.key`, `client-key`, `apiKey`, `etcdKey`, `credentials`… (the name
 * ends with the secret word; `tokenFile`, `keyPath`, `secretKeyRef`, `key_file` do not: they name a
 * place, not the secret). A plain `key` is masked only when its value looks like key material (see below).
 */
const SECRET_NAME = /(?:pass(?:word|wd|phrase)|token|secret|private[-_.]?key|api[-_.]?key|[-_.]key|credentials?)$/i;
const CAMEL_KEY = /[a-z]Key$/;
const PLAIN_KEY = /^key$/i;
const KEY_MATERIAL = /^[A-Za-z0-9+/_=-]{20,}$/;

/**
 * `name: value`, `name=value`, `"name":"value"`, `name="value"` in YAML, JSON and logfmt; the value is
 * a quoted string or a run of non-space characters (without a trailing comma or brace).
 */
const KEY_VALUE = /(["']?)([A-Za-z][A-Za-z0-9_.-]{0,62})\1([ \t]*[:=][ \t]*)(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s,;}\]"')]+))/g;

function maskKeyValues(text: string): string {
  return text.replace(KEY_VALUE, (whole, q: string, name: string, sep: string, dq?: string, sq?: string, bare?: string) => {
    const value = dq ?? sq ?? bare ?? '';
    if (value === '' || value === MASK || value.startsWith('[REDACTED')) return whole;
    const isSecretName = SECRET_NAME.test(name) || CAMEL_KEY.test(name);
    const isPlainKey = PLAIN_KEY.test(name) && KEY_MATERIAL.test(value);
    if (!isSecretName && !isPlainKey) return whole;
    // YAML structure, not a value: a block scalar, an anchor, a nested map, a reference.
    if (bare !== undefined && (/^[|>&*{[]/.test(bare) || bare === 'null' || bare === '~')) return whole;
    // a ':' in `name: value` is only a YAML/log separator when followed by space or a quote
    if (sep.trim() === ':' && bare !== undefined && !/\s$/.test(sep) && q === '') return whole;
    const quoted = dq !== undefined ? `"${MASK}"` : sq !== undefined ? `'${MASK}'` : MASK;
    return `${q}${name}${q}${sep}${quoted}`;
  });
}

/** `text` with every secret masked. Cheap for strings with no candidate. */
export function maskSecrets(text: string): string {
  if (text.length < 6) return text;
  let out = text;
  if (out.includes('-----BEGIN ')) {
    out = out.replace(PEM_BLOCK, (_w, begin: string, _label: string, end: string) => `${begin}\n${MASK}\n${end}`);
    out = out.replace(PEM_OPEN_TAIL, (_w, begin: string) => `${begin} ${MASK}`);
  }
  if (out.includes('LS0tLS1')) out = out.replace(B64_PEM, MASK);
  if (out.includes('eyJ')) out = out.replace(JWT, MASK);
  if (/\b(Bearer|Basic)\s/.test(out)) out = out.replace(BEARER, (_w, kind: string, sp: string) => `${kind}${sp}${MASK}`);
  if (/[:=]/.test(out)) out = maskKeyValues(out);
  if (out.length >= 60 && out.length <= 90 && PEM_BODY_LINE.test(out) && /[A-Z]/.test(out) && /[a-z]/.test(out) && /[0-9+/]/.test(out)) {
    out = out.replace(PEM_BODY_LINE, (_w, a: string, b: string) => `${a}${MASK}${b}`);
  }
  return out;
}

/**
 * `value` with `fn` applied to every string (object keys untouched), skipping the keys in `skip`. Arrays
 * and objects are copied only where a string under them changes; the rest is shared with `value`, which
 * is never written. The top level is always a new object or array (callers set fields on it).
 */
export function mapStrings<T>(value: T, fn: (s: string) => string, skip: ReadonlySet<string> = new Set()): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return fn(v);
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = v[i] as unknown;
        const w = walk(x);
        if (w !== x) (out ??= v.slice())[i] = w;
      }
      return out ?? v;
    }
    if (v === null || typeof v !== 'object') return v;
    let out: Record<string, unknown> | undefined;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (skip.has(k)) continue;
      const w = walk(x);
      if (w !== x) (out ??= { ...(v as Record<string, unknown>) })[k] = w;
    }
    return out ?? v;
  };
  const top = walk(value);
  if (top !== value || value === null || typeof value !== 'object') return top as T;
  return (Array.isArray(value) ? value.slice() : { ...(value as Record<string, unknown>) }) as T;
}
