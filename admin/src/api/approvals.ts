/**
 * The approvals routes of the plugin (requests, quarantine, decision simulator, mailbox run).
 * Kept apart from api/client.ts like api/oauth.ts; the same rules apply: every response is
 * parsed, failures become ApiError.
 */
import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { z } from 'zod';
import {
  APPROVAL_STATUSES,
  approvalRowSchema,
  simulationSchema,
  type ApprovalRequestInput,
  type ApprovalRow,
  type Simulation,
} from '../../../shared/contracts/approval';
import {
  inboundListSchema,
  type InboundList,
  type InboundRow,
  type INBOUND_VERDICTS,
} from '../../../shared/contracts/inbound-message';

export type { ApprovalRow, InboundList, InboundRow, Simulation };
import { PLUGIN_ID } from '../pluginId';
import { requestData, toApiError } from './client';

export const approvalQueryKeys = {
  all: [PLUGIN_ID, 'approvals'] as const,
  list: (filters: ApprovalFilters) => [PLUGIN_ID, 'approvals', 'list', filters] as const,
  quarantine: [PLUGIN_ID, 'approvals', 'quarantine'] as const,
  inbound: (filters: InboundFilters) => [PLUGIN_ID, 'approvals', 'inbound', filters] as const,
};

/** The "Replies received" view: one verdict or all, a page at a time. */
export interface InboundFilters {
  verdict?: (typeof INBOUND_VERDICTS)[number];
  page: number;
  pageSize: number;
}

export interface ApprovalFilters {
  status?: (typeof APPROVAL_STATUSES)[number];
  uid?: string;
  documentId?: string;
}

/** The requester as a name to show. */
export function requesterOf(row: ApprovalRow): string {
  const by = row.requestedBy as unknown;
  if (typeof by === 'string') return by;
  if (by && typeof by === 'object') {
    const o = by as Record<string, unknown>;
    const name = [o.firstname, o.lastname].filter((v) => typeof v === 'string').join(' ');
    return typeof o.email === 'string' ? o.email : name || '—';
  }
  return '—';
}

export function useApprovalsApi() {
  const { get, post } = useFetchClient();

  return React.useMemo(() => {
    const call = requestData;
    const base = `/${PLUGIN_ID}`;

    return {
      list(filters: ApprovalFilters): Promise<ApprovalRow[]> {
        const params = Object.fromEntries(Object.entries(filters).filter(([, v]) => !!v));
        return call(z.array(approvalRowSchema), () => get(`${base}/approvals`, { params }));
      },
      request(input: ApprovalRequestInput): Promise<ApprovalRow> {
        return call(approvalRowSchema, () => post(`${base}/approvals`, input));
      },
      cancel(id: number): Promise<unknown> {
        return call(z.unknown(), () => post(`${base}/approvals/${id}/cancel`, {}));
      },
      analyze(raw: string): Promise<Simulation> {
        return call(simulationSchema, () => post(`${base}/approvals/analyze`, { raw }));
      },
      runInbox(): Promise<unknown> {
        return call(z.unknown(), () => post(`${base}/approvals/inbox/run`, {}));
      },
      /** The whole answer, with its pagination (not only `data`). */
      async inbound(filters: InboundFilters): Promise<InboundList> {
        const params = Object.fromEntries(Object.entries(filters).filter(([, v]) => !!v));
        try {
          return inboundListSchema.parse((await get(`${base}/inbound-messages`, { params })).data);
        } catch (err) {
          throw toApiError(err);
        }
      },
      async quarantine(): Promise<InboundRow[]> {
        // The newest 100 held replies: a queue a person works through, not an archive.
        return (await this.inbound({ verdict: 'quarantined', page: 1, pageSize: 100 })).data;
      },
      resolve(id: number, how: 'accept' | 'discard', confirm = false): Promise<unknown> {
        const body = how === 'accept' && confirm ? { confirmCurrentVersion: true } : {};
        return call(z.unknown(), () => post(`${base}/inbound-messages/${id}/${how}`, body));
      },
    };
  }, [get, post]);
}
