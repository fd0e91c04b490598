import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApprovalRequestInput } from '../../../shared/contracts/approval';
import {
  approvalQueryKeys,
  useApprovalsApi,
  type ApprovalFilters,
  type ApprovalRow,
  type InboundFilters,
} from '../api/approvals';

/**
 * How often a list with a pending request is read again: a decision made by email shows up
 * within seconds. react-query pauses it while the tab is hidden (refetchIntervalInBackground
 * stays false) and it stops once nothing shown is pending.
 */
export const PENDING_REFRESH_MS = 4000;

const whilePending = (rows: ApprovalRow[] | undefined) =>
  rows?.some((r) => r.status === 'pending') ? PENDING_REFRESH_MS : false;

/** Approval requests, filtered by status or by the entry they are about. */
export function useApprovalRequests(filters: ApprovalFilters, enabled = true) {
  const api = useApprovalsApi();
  return useQuery({
    queryKey: approvalQueryKeys.list(filters),
    queryFn: () => api.list(filters),
    enabled,
    staleTime: 0,
    refetchInterval: (query) => whilePending(query.state.data),
    refetchIntervalInBackground: false,
  });
}

/** Every reply the mailbox received, by verdict, a page at a time. */
export function useInboundMessages(filters: InboundFilters, refresh: boolean) {
  const api = useApprovalsApi();
  return useQuery({
    queryKey: approvalQueryKeys.inbound(filters),
    queryFn: () => api.inbound(filters),
    staleTime: 0,
    placeholderData: (previous) => previous,
    // New replies arrive while requests are pending: followed at the same pace.
    refetchInterval: refresh ? PENDING_REFRESH_MS : false,
  });
}

/** Quarantined inbound messages that nobody has accepted or discarded yet. */
export function useQuarantine(enabled = true, refresh = false) {
  const api = useApprovalsApi();
  return useQuery({
    queryKey: approvalQueryKeys.quarantine,
    queryFn: async () => (await api.quarantine()).filter((row) => !row.resolution),
    enabled,
    staleTime: 0,
    refetchInterval: refresh ? PENDING_REFRESH_MS : false,
  });
}

function useInvalidatingMutation<V>(fn: (vars: V) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => queryClient.invalidateQueries({ queryKey: approvalQueryKeys.all }),
  });
}

export function useRequestApproval() {
  const api = useApprovalsApi();
  return useInvalidatingMutation((input: ApprovalRequestInput) => api.request(input));
}

export function useCancelApproval() {
  const api = useApprovalsApi();
  return useInvalidatingMutation((id: number) => api.cancel(id));
}

export function useResolveQuarantined() {
  const api = useApprovalsApi();
  return useInvalidatingMutation(
    ({ id, how, confirm }: { id: number; how: 'accept' | 'discard'; confirm?: boolean }) =>
      api.resolve(id, how, confirm)
  );
}

export function useRunInbox() {
  const api = useApprovalsApi();
  return useInvalidatingMutation((_: void) => api.runInbox());
}

export function useAnalyzeMessage() {
  const api = useApprovalsApi();
  return useMutation({ mutationFn: (raw: string) => api.analyze(raw) });
}
