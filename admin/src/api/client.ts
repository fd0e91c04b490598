/**
 * The plugin's admin API, the only caller of useFetchClient. Every response is parsed with the
 * shared contract, so the page never works on a shape the server did not promise.
 */
import * as React from 'react';
import { isFetchError, useFetchClient } from '@strapi/strapi/admin';
import { z } from 'zod';
import {
  settingsViewSchema,
  type SettingsInput,
  type SettingsView,
} from '../../../shared/contracts/settings';
import {
  connectionTestResultSchema,
  type ConnectionTestResult,
  type ImapTestRequest,
  type SmtpTestRequest,
} from '../../../shared/contracts/connection-test';
import { PLUGIN_ID } from '../pluginId';

const envelope = <T extends z.ZodType>(data: T) => z.object({ data });

/** Strapi's error envelope: `{ error: { status, name, message, details } }`. */
const errorEnvelopeSchema = z.object({
  error: z.object({
    status: z.number().optional(),
    name: z.string().optional(),
    message: z.string().optional(),
    details: z
      .object({
        code: z.string().optional(),
        errors: z
          .array(
            z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })
          )
          .optional(),
      })
      .passthrough()
      .optional(),
  }),
});

/** An API failure, with the field errors of a 400 ValidationError when there are some. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    /** dotted path (`smtp.port`) → the server's message */
    readonly fieldErrors: Record<string, string>,
    /** the plugin's stable error code (ECONFIRM, EFORBIDDEN…), when the server gave one */
    readonly code?: string
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A fetch failure as an ApiError (with field errors); anything else unchanged. */
export function toApiError(err: unknown): unknown {
  if (!isFetchError(err)) return err;
  const parsed = errorEnvelopeSchema.safeParse(err.response?.data);
  if (!parsed.success) return new ApiError(err.message, err.status, {});
  const { error } = parsed.data;
  const fieldErrors: Record<string, string> = {};
  for (const item of error.details?.errors ?? []) {
    fieldErrors[item.path.join('.')] ??= item.message;
  }
  return new ApiError(
    error.message ?? err.message,
    error.status ?? err.status,
    fieldErrors,
    error.details?.code
  );
}

/** Runs a request and returns its `data`, parsed with `schema`; failures become ApiError. */
export async function requestData<T extends z.ZodType>(
  schema: T,
  request: () => Promise<{ data: unknown }>
): Promise<z.infer<T>> {
  try {
    const { data } = await request();
    return (envelope(schema).parse(data) as { data: z.infer<T> }).data;
  } catch (err) {
    throw toApiError(err);
  }
}

export const queryKeys = {
  settings: [PLUGIN_ID, 'settings'] as const,
};

export type ConnectionTestRequest = { smtp: SmtpTestRequest; imap: ImapTestRequest };

export function useApiClient() {
  const { get, put, post } = useFetchClient();

  return React.useMemo(() => {
    const call = requestData;

    return {
      getSettings(): Promise<SettingsView> {
        return call(settingsViewSchema, () => get(`/${PLUGIN_ID}/settings`));
      },
      saveSettings(input: SettingsInput): Promise<SettingsView> {
        return call(settingsViewSchema, () => put(`/${PLUGIN_ID}/settings`, input));
      },
      /** A failed test is a result (`ok: false`), not a thrown error. */
      testConnection<K extends keyof ConnectionTestRequest>(
        kind: K,
        body: ConnectionTestRequest[K]
      ): Promise<ConnectionTestResult> {
        return call(connectionTestResultSchema, () =>
          post(`/${PLUGIN_ID}/connection-test/${kind}`, body)
        );
      },
    };
  }, [get, put, post]);
}
