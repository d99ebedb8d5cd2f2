/**
 * The SSE clients of a gateway and what each may hold in memory.
 *
 * Each client is a web `ReadableStream` (the HTTP server drains it into the socket as the socket
 * takes bytes, waiting for `drain` in between). Events for one client during one event-loop turn
 * are joined and queued as one chunk, so a burst of messages costs one socket write per client,
 * not one per message. A client whose queue (the bytes the network has not taken yet) would pass
 * `clientBufferBytes` is dropped: its stream errors, the server destroys the connection, and its
 * bytes are freed at once. Over all clients the queues are bounded by `bufferedBytes`: past it the
 * client holding the most is dropped, so a crowd of slow readers cannot take the process' memory
 * either. A client costs at most about twice its cap: its queue, plus the one chunk the server
 * has handed to the socket and is waiting on.
 */
import { KEEP_ALIVE } from "./frame.js";

export interface SseClient {
  readonly stream: ReadableStream<Uint8Array>;
  /** Queues an event; it leaves with the others of this event-loop turn. */
  send(event: Buffer): void;
  /** Ends the stream once what is queued has been sent (gateway shutdown). */
  end(): void;
  readonly closed: boolean;
  /** Called once, when the client goes away, is dropped or ended. */
  onClose(listener: () => void): void;
}

export interface SseClients {
  open(): SseClient;
  /** Ends every stream (their queued events are still sent). */
  endAll(): void;
  readonly size: number;
  /** Bytes queued over all clients, not yet taken by the network. */
  readonly bufferedBytes: number;
  /** Clients dropped for reading too slowly, since start. */
  readonly dropped: number;
}

export interface SseClientSettings {
  clientBufferBytes: number;
  bufferedBytes: number;
  keepAliveMs: number;
  /** Told when a slow client is dropped (throttled by the caller). */
  onDrop?: ((queuedBytes: number) => void) | undefined;
}

interface State {
  controller: ReadableStreamDefaultController<Uint8Array>;
  pending: Buffer[];
  pendingBytes: number;
  /** The stream's queue size when last looked at. */
  queued: number;
  closed: boolean;
  listeners: (() => void)[];
}

export function createSseClients(settings: SseClientSettings): SseClients {
  const { clientBufferBytes: cap } = settings;
  const clients = new Set<State>();
  const dirty = new Set<State>();
  let total = 0;
  let dropped = 0;
  let flushing = false;
  let keepAlive: ReturnType<typeof setInterval> | undefined;

  const held = (state: State) => state.pendingBytes + state.queued;
  const queueSize = (state: State) => cap - (state.controller.desiredSize ?? cap);

  /** Brings `queued` (and the total) up to date with what the network has taken since. */
  const reconcile = (state: State) => {
    const now = Math.max(0, queueSize(state));
    total -= state.queued - now;
    state.queued = now;
  };

  const release = (state: State) => {
    if (state.closed) return false;
    state.closed = true;
    total -= held(state);
    state.pending = [];
    state.pendingBytes = 0;
    state.queued = 0;
    clients.delete(state);
    dirty.delete(state);
    if (clients.size === 0 && keepAlive) {
      clearInterval(keepAlive);
      keepAlive = undefined;
    }
    for (const listener of state.listeners.splice(0)) listener();
    return true;
  };

  const drop = (state: State) => {
    const queued = held(state);
    if (!release(state)) return;
    dropped++;
    settings.onDrop?.(queued);
    // Erroring discards the queue; the server destroys the connection behind it.
    state.controller.error(new Error("the SSE client reads too slowly"));
  };

  const flush = () => {
    flushing = false;
    for (const state of dirty) {
      const chunk = state.pending.length === 1 ? state.pending[0]! : Buffer.concat(state.pending);
      state.pending = [];
      state.pendingBytes = 0;
      state.queued += chunk.byteLength;
      state.controller.enqueue(chunk);
    }
    dirty.clear();
  };

  const dropSlowest = () => {
    let slowest: State | undefined;
    for (const state of clients) if (!slowest || held(state) > held(slowest)) slowest = state;
    if (slowest) drop(slowest);
  };

  const startKeepAlive = () => {
    if (keepAlive || settings.keepAliveMs <= 0) return;
    keepAlive = setInterval(() => {
      for (const state of clients) send(state, KEEP_ALIVE);
    }, settings.keepAliveMs);
    keepAlive.unref();
  };

  function send(state: State, event: Buffer) {
    if (state.closed) return;
    reconcile(state);
    if (held(state) + event.byteLength > cap) {
      drop(state);
      return;
    }
    state.pending.push(event);
    state.pendingBytes += event.byteLength;
    total += event.byteLength;
    while (total > settings.bufferedBytes && clients.size > 0) dropSlowest();
    if (state.closed) return;
    dirty.add(state);
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  }

  return {
    open() {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const state = {} as State;
      const stream = new ReadableStream<Uint8Array>(
        {
          start(c) {
            controller = c;
          },
          pull() {
            // The network took bytes: what the client holds shrank.
            if (!state.closed) reconcile(state);
          },
          cancel() {
            // The client went away (the server cancels the stream when the socket closes).
            release(state);
          },
        },
        { highWaterMark: cap, size: (chunk) => chunk.byteLength },
      );
      Object.assign(state, {
        controller,
        pending: [],
        pendingBytes: 0,
        queued: 0,
        closed: false,
        listeners: [],
      } satisfies State);
      clients.add(state);
      startKeepAlive();
      return {
        stream,
        send: (event) => send(state, event),
        end() {
          if (state.closed) return;
          const rest = state.pending;
          release(state);
          for (const chunk of rest) controller.enqueue(chunk);
          controller.close();
        },
        get closed() {
          return state.closed;
        },
        onClose(listener) {
          if (state.closed) listener();
          else state.listeners.push(listener);
        },
      };
    },
    endAll() {
      // Flush first so nothing queued this turn is lost, then end each stream.
      if (dirty.size > 0) flush();
      for (const state of [...clients]) {
        if (release(state)) state.controller.close();
      }
    },
    get size() {
      return clients.size;
    },
    get bufferedBytes() {
      return total;
    },
    get dropped() {
      return dropped;
    },
  };
}
