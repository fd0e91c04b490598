/** Reads a dotted path (`smtp.oauth2.tenantId`) of a plain object. */
export function getIn(source: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as never)[key] : undefined),
      source
    );
}

/** Returns a copy of `source` with `value` at a dotted path; untouched branches are shared. */
export function setIn<T>(source: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const node = (source ?? {}) as Record<string, unknown>;
  return {
    ...node,
    [head]: rest.length === 0 ? value : setIn(node[head], rest.join('.'), value),
  } as T;
}
