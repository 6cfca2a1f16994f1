import { useCallback, useEffect, useEffectEvent, useRef, useState } from 'react';
import { useClient, type AnyVariables, type CombinedError, type TypedDocumentNode } from 'urql';

// Live pages: every page subscribes to what changes under it and re-reads on an event (delivery is at most
// once, and urql's document cache is not normalised, so an event never patches a query result by itself).

/**
 * Runs `onEvent` for every event of a subscription (each one, not only the latest render's), and reports
 * whether the live feed failed. Resubscribes when the variables change.
 */
export function useSubscriptionEvents<Data, Variables extends AnyVariables>(
  query: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  onEvent: (data: Data) => void,
): CombinedError | null {
  const client = useClient();
  const [error, setError] = useState<CombinedError | null>(null);
  const handle = useEffectEvent((data: Data) => onEvent(data));
  const key = JSON.stringify(variables);
  useEffect(() => {
    const vars = JSON.parse(key) as Variables;
    const { unsubscribe } = client.subscription(query, vars).subscribe((result) => {
      if (result.error) setError(result.error);
      else setError(null);
      if (result.data) handle(result.data);
    });
    return unsubscribe;
  }, [client, query, key]);
  return error;
}

/**
 * `run` at most once per `intervalMs`: the first call runs at once, calls within the interval collapse into
 * one trailing run at its end (so the last event is never lost).
 */
export function useThrottled(run: () => void, intervalMs = 1000): () => void {
  const latest = useRef(run);
  useEffect(() => {
    latest.current = run;
  });
  const [throttle] = useState(() => createThrottle(intervalMs));
  useEffect(() => throttle.dispose, [throttle]);
  return useCallback(() => throttle.call(() => latest.current()), [throttle]);
}

function createThrottle(intervalMs: number) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    call(run: () => void) {
      if (timer !== undefined) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) {
        last = Date.now();
        run();
        return;
      }
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        run();
      }, wait);
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** The current time, moved on every `intervalMs`, for "3 minutes ago" that stays true on an open page. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
