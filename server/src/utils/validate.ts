import { errors } from '@strapi/utils';
import type { z } from 'zod';

/**
 * Parses request input; a failure becomes Strapi's 400 ValidationError whose details list
 * every problem with its field path, the same shape Strapi's own validators produce.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const list = result.error.issues.map((issue) => ({
    path: issue.path.map(String),
    message: issue.message,
    name: 'ValidationError',
  }));
  const first = list[0];
  const summary = first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'Invalid input';
  throw new errors.ValidationError(
    list.length > 1 ? `${summary} (and ${list.length - 1} more)` : summary,
    { errors: list }
  );
}
