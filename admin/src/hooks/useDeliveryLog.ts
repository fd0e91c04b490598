import * as React from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { OutboundMessageList } from '../../../shared/contracts/outbound-message';
import {
  deliveryLogQueryKeys,
  useDeliveryLogApi,
  type DeliveryLogFilters,
} from '../api/deliveryLog';

/** How often what changes without the admin (the queue, the account's health) is read again. */
export const DELIVERY_REFRESH_MS = 10_000;

const inFlight = (list: OutboundMessageList | undefined) =>
  list?.data.some((m) => m.status === 'queued' || m.status === 'sending') ?? false;

/**
 * One page of the delivery log; the previous page stays on screen while the next one loads.
 * While a listed message waits in the queue or is being sent, the page is read again now and
 * then, so that it ends up showing what became of it.
 */
export function useDeliveryLog(filters: DeliveryLogFilters) {
  const api = useDeliveryLogApi();
  return useQuery({
    queryKey: deliveryLogQueryKeys.list(filters),
    queryFn: () => api.list(filters),
    placeholderData: keepPreviousData,
    staleTime: 0,
    refetchInterval: (query) => (inFlight(query.state.data) ? DELIVERY_REFRESH_MS : false),
  });
}

/** The sending account's health (failure streak, pause, limits, queue), kept fresh. */
export function useDeliveryHealth() {
  const api = useDeliveryLogApi();
  return useQuery({
    queryKey: deliveryLogQueryKeys.health,
    queryFn: () => api.health(),
    staleTime: 0,
    refetchInterval: DELIVERY_REFRESH_MS,
  });
}

/**
 * Send again (a failed or cancelled message) or cancel (a queued one). Either way the list and
 * the health are read again, after a refusal too: the row changed behind the admin's back.
 */
export function useDeliveryAction() {
  const api = useDeliveryLogApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: number; action: 'resend' | 'cancel' }) =>
      action === 'resend' ? api.resend(id) : api.cancel(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: deliveryLogQueryKeys.all }),
  });
}

/** `value`, once it has not changed for `ms` milliseconds. */
export function useDebouncedValue<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = React.useState(value);
  React.useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}
