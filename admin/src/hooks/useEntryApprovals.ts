import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { approvalQueryKeys, useApprovalsApi } from '../api/approvals';
import { refreshEntry } from '../utils/contentManager';

/** How often an open edit view looks again while one of its requests is pending. */
export const PENDING_REFRESH_MS = 3_000;

/**
 * The approval requests of one entry, followed while one is pending (a reply can decide it at
 * any moment), and the Content Manager told to read the entry again when one is decided — an
 * approval publishes it, and the open edit view shows so without a reload.
 */
export function useEntryApprovals(model: string, documentId: string, enabled: boolean) {
  const api = useApprovalsApi();
  const filters = { uid: model, documentId };
  const query = useQuery({
    queryKey: approvalQueryKeys.list(filters),
    queryFn: () => api.list(filters),
    enabled,
    staleTime: 0,
    refetchInterval: (q) =>
      q.state.data?.some((r) => r.status === 'pending') ? PENDING_REFRESH_MS : false,
  });

  // Statuses seen last time: a request that leaves `pending` changed the entry (or may have).
  const seen = React.useRef(new Map<number, string>());
  React.useEffect(() => {
    if (!query.data) return;
    const decided = query.data.some(
      (r) => seen.current.get(r.id) === 'pending' && r.status !== 'pending'
    );
    seen.current = new Map(query.data.map((r) => [r.id, r.status]));
    if (decided) refreshEntry(model, documentId);
  }, [query.data, model, documentId]);

  return query;
}
