import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApprovalRequestInput } from '../../../shared/contracts/approval';
import { approvalQueryKeys, useApprovalsApi, type ApprovalFilters } from '../api/approvals';

/** Approval requests, filtered by status or by the entry they are about. */
export function useApprovalRequests(filters: ApprovalFilters, enabled = true) {
  const api = useApprovalsApi();
  return useQuery({
    queryKey: approvalQueryKeys.list(filters),
    queryFn: () => api.list(filters),
    enabled,
    staleTime: 0,
  });
}

/** Quarantined inbound messages that nobody has accepted or discarded yet. */
export function useQuarantine(enabled = true) {
  const api = useApprovalsApi();
  return useQuery({
    queryKey: approvalQueryKeys.quarantine,
    queryFn: async () => (await api.quarantine()).filter((row) => !row.resolution),
    enabled,
    staleTime: 0,
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
