/**
 * What a config file's syntax error says and where. cosmiconfig's errors
 * put the reason after a code frame (JSON: "JSON Error in <file>:" and a
 * blank line first, so the first line of the message was empty) or inside
 * the YAML parser's `reason` and `mark`; this turns either into
 * "line L, column C: reason".
 */

interface YamlError {
  reason: string;
  mark: { line: number; column: number };
}

const isYamlError = (error: unknown): error is YamlError =>
  typeof error === 'object' && error !== null && typeof (error as YamlError).reason === 'string' && typeof (error as YamlError).mark?.line === 'number';

/** Line and column (from 1) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** "line L, column C: reason" for a JSON or YAML syntax error of `source`, or null for any other error. */
export function syntaxProblem(error: unknown, source: string): string | null {
  if (isYamlError(error)) return `line ${error.mark.line + 1}, column ${error.mark.column + 1}: ${error.reason}`;
  if (!(error instanceof Error) || !/JSON/.test(error.name + error.message)) return null;
  // V8's own words, found after the code frame: "Unexpected token } in JSON at position 27 while parsing ...".
  const said = error.message.split('\n').find((l) => / in JSON|JSON input/.test(l));
  if (!said) return null;
  const position = / at position (\d+)/.exec(said);
  const reason = said.replace(/ while parsing .*$/, '').replace(/ at position \d+.*$/, '').replace(/ in JSON$/, '').trim();
  const at = position ? lineColumn(source, Number(position[1])) : lineColumn(source, source.trimEnd().length);
  return `line ${at.line}, column ${at.column}: ${reason}`;
}
