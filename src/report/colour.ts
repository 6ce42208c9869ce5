/**
 * Whether terminal output gets ANSI colour. Decided once, at start-up, from the stream and the
 * environment (the no-color.org convention, then FORCE_COLOR as Node and supports-color read it,
 * then the TTY):
 *
 * - `NO_COLOR` set to any non-empty value → no colour, whatever else is set;
 * - `FORCE_COLOR` set (even empty) to anything but `0` or `false` → colour, even into a pipe;
 *   `FORCE_COLOR=0` / `false` → no colour, even on a TTY;
 * - otherwise colour only when the stream is a TTY.
 */
export function shouldColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return stream.isTTY === true;
}
