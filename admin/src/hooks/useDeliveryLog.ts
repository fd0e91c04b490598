import * as React from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  deliveryLogQueryKeys,
  useDeliveryLogApi,
  type DeliveryLogFilters,
} from '../api/deliveryLog';

/** One page of the delivery log; the previous page stays on screen while the next one loads. */
export function useDeliveryLog(filters: DeliveryLogFilters) {
  const api = useDeliveryLogApi();
  return useQuery({
    queryKey: deliveryLogQueryKeys.list(filters),
    queryFn: () => api.list(filters),
    placeholderData: keepPreviousData,
    staleTime: 0,
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
