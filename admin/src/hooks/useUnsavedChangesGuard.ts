import * as React from 'react';
import { useBlocker } from 'react-router-dom';

/**
 * Asks before leaving with unsaved changes: inside the admin (a navigation the router can
 * block, answered by our dialog) and when closing or reloading the tab (the browser's prompt).
 */
export function useUnsavedChangesGuard(when: boolean) {
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      when &&
      (currentLocation.pathname !== nextLocation.pathname ||
        currentLocation.search !== nextLocation.search)
  );

  React.useEffect(() => {
    if (!when) return undefined;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Chrome < 119 still needs returnValue to show the prompt.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [when]);

  return blocker;
}
