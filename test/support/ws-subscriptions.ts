/**
 * WebSocket clients for end-to-end tests that must know when a subscription is live before they make the events
 * it should see (a subscription only notifies blocks sealed after its `eth_subscribe` answered):
 * - {@link openRawSocket}: plain JSON-RPC over `ws`, with `eth_subscribe` returning the subscription and its
 *   notifications;
 * - {@link TrackedWebSocketProvider}: ethers' `WebSocketProvider` that records the ids its `eth_subscribe` calls
 *   got back (ethers starts them without awaiting, e.g. in `contract.on`);
 * - {@link trackedWebSocket}: viem's `webSocket` transport wrapped the same way (viem subscribes inside
 *   `watchContractEvent` without a hook).
 * Every wait has a hang guard (`waitMs`) that rejects naming what did not come; it is not a speed assertion.
 */
import { WebSocketProvider } from 'ethers';
import { webSocket } from 'viem';
import WebSocket from 'ws';

const DEFAULT_WAIT_MS = 30_000;

/** Values pushed over time, and a wait until they satisfy a predicate. */
export type Collector<T> = {
  readonly items: T[];
  push(item: T): void;
  /** Resolves with `items` once `done(items)` holds; rejects after `waitMs` naming `what`. */
  until(done: (items: T[]) => boolean, what: string, waitMs?: number): Promise<T[]>;
};

export function createCollector<T>(): Collector<T> {
  const items: T[] = [];
  const waiters = new Set<() => void>();
  return {
    items,
    push(item) {
      items.push(item);
      for (const w of [...waiters]) w();
    },
    until(done, what, waitMs = DEFAULT_WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(items)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(items);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`still waiting for ${what} after ${waitMs} ms; have ${JSON.stringify(items, big)}`),
          );
        }, waitMs);
        waiters.add(check);
        check();
      });
    },
  };
}

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

export type RawSubscription = { id: string; notifications: Collector<unknown> };

export type RawSocket = {
  /** One JSON-RPC call; resolves with the whole response (`result` or `error`). */
  request<T = unknown>(
    method: string,
    params?: unknown[],
  ): Promise<{ result?: T; error?: { code: number; message: string; data?: unknown } }>;
  /**
   * `eth_subscribe(params)`; resolves once the node answered, with the id and the notifications received for it.
   * @throws when the node answers with an error.
   */
  subscribe(params: unknown[]): Promise<RawSubscription>;
  close(): Promise<void>;
};

/** Opens a JSON-RPC WebSocket to `url`; resolves once connected. */
export async function openRawSocket(url: string): Promise<RawSocket> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, (response: Record<string, unknown>) => void>();
  const subscriptions = new Map<string, Collector<unknown>>();
  // Notifications can arrive before the caller saw the id: keep them per id.
  const collectorOf = (id: string) => {
    let c = subscriptions.get(id);
    if (!c) {
      c = createCollector();
      subscriptions.set(id, c);
    }
    return c;
  };
  socket.on('message', (data) => {
    const msg = JSON.parse(String(data)) as Record<string, unknown>;
    if (typeof msg.id === 'number') {
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    } else if (msg.method === 'eth_subscription') {
      const p = msg.params as { subscription: string; result: unknown };
      collectorOf(p.subscription).push(p.result);
    }
  });
  const request: RawSocket['request'] = (method, params = []) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (response: Record<string, unknown>) => void);
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  return {
    request,
    async subscribe(params) {
      const res = await request<string>('eth_subscribe', params);
      if (res.error || typeof res.result !== 'string')
        throw new Error(`eth_subscribe ${JSON.stringify(params)}: ${JSON.stringify(res)}`);
      return { id: res.result, notifications: collectorOf(res.result) };
    },
    close() {
      if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
      });
    },
  };
}

/** ethers' WebSocketProvider that records the subscription ids its `eth_subscribe` calls got back. */
export class TrackedWebSocketProvider extends WebSocketProvider {
  /** The answers to `eth_subscribe`: the id, or the error (ethers would leave it an unhandled rejection). */
  readonly subscriptions = createCollector<{ id: string } | { error: unknown }>();
  readonly #inFlight = new Set<Promise<unknown>>();

  override async send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    const sending = super.send(method, params);
    this.#inFlight.add(sending);
    try {
      const result: unknown = await sending;
      if (method === 'eth_subscribe') this.subscriptions.push({ id: String(result) });
      return result;
    } catch (error) {
      if (method !== 'eth_subscribe') throw error;
      // ethers starts subscriptions without a handler: record the failure, never settle.
      this.subscriptions.push({ error });
      return new Promise<never>(() => {});
    } finally {
      this.#inFlight.delete(sending);
    }
  }

  /**
   * Removes every listener, lets the `eth_unsubscribe` calls that ethers starts without awaiting finish (destroying
   * the provider under them would reject them unhandled), then destroys the provider.
   */
  async close(): Promise<void> {
    await this.removeAllListeners();
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.destroy();
  }
}

/**
 * viem's `webSocket(url)` transport (no reconnect, no keep-alive pings, so closing it ends it) whose `subscribe`
 * records the ids the node answered.
 */
export function trackedWebSocket(url: string): {
  transport: ReturnType<typeof webSocket>;
  subscriptions: Collector<string>;
} {
  const subscriptions = createCollector<string>();
  const base = webSocket(url, { reconnect: false, keepAlive: false });
  const transport: ReturnType<typeof webSocket> = (opts) => {
    const t = base(opts);
    const value = t.value!;
    return {
      ...t,
      value: {
        ...value,
        async subscribe(args: Parameters<typeof value.subscribe>[0]) {
          const sub = await value.subscribe(args);
          subscriptions.push(sub.subscriptionId);
          return sub;
        },
      },
    };
  };
  return { transport, subscriptions };
}
