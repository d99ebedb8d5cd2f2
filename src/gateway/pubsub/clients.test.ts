import { describe, expect, it } from "vitest";
import { createSseClients } from "./clients.js";

const event = (bytes: number) => Buffer.alloc(bytes, 0x61);
/** Lets the clients' per-turn flush run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function read(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const first = await reader.read();
  reader.releaseLock();
  return first;
}

describe("SSE clients", () => {
  it("joins one turn's events into one chunk", async () => {
    const clients = createSseClients({
      clientBufferBytes: 1024,
      bufferedBytes: 4096,
      keepAliveMs: 0,
    });
    const client = clients.open();
    client.send(Buffer.from("a"));
    client.send(Buffer.from("b"));
    await turn();
    const chunk = await read(client.stream);
    expect(Buffer.from(chunk.value!).toString()).toBe("ab");
    clients.endAll();
  });

  it("drops a client whose unread bytes would pass its cap, and frees them", async () => {
    const drops: number[] = [];
    const clients = createSseClients({
      clientBufferBytes: 1000,
      bufferedBytes: 10_000,
      keepAliveMs: 0,
      onDrop: (bytes) => drops.push(bytes),
    });
    const slow = clients.open();
    let closed = false;
    slow.onClose(() => {
      closed = true;
    });
    for (let i = 0; i < 3; i++) slow.send(event(300));
    await turn();
    expect(clients.bufferedBytes).toBe(900);
    slow.send(event(300));
    expect(closed).toBe(true);
    expect(drops).toEqual([900]);
    expect(clients.bufferedBytes).toBe(0);
    expect(clients.dropped).toBe(1);
    await expect(read(slow.stream)).rejects.toThrow(/too slowly/);
  });

  it("drops the client holding most when all of them pass the shared cap", async () => {
    const clients = createSseClients({
      clientBufferBytes: 1000,
      bufferedBytes: 1500,
      keepAliveMs: 0,
    });
    const big = clients.open();
    const small = clients.open();
    big.send(event(900));
    small.send(event(400));
    await turn();
    small.send(event(300));
    expect(big.closed).toBe(true);
    expect(small.closed).toBe(false);
    expect(clients.bufferedBytes).toBe(700);
    clients.endAll();
  });

  it("gives bytes back as the reader takes them", async () => {
    const clients = createSseClients({
      clientBufferBytes: 1000,
      bufferedBytes: 1000,
      keepAliveMs: 0,
    });
    const client = clients.open();
    client.send(event(800));
    await turn();
    await read(client.stream);
    // Taken by the reader: another 800 fits.
    client.send(event(800));
    expect(client.closed).toBe(false);
    clients.endAll();
  });

  it("ends every stream, sending what is queued first", async () => {
    const clients = createSseClients({
      clientBufferBytes: 1000,
      bufferedBytes: 1000,
      keepAliveMs: 0,
    });
    const client = clients.open();
    client.send(Buffer.from("last"));
    clients.endAll();
    const reader = client.stream.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe("last");
    expect((await reader.read()).done).toBe(true);
    expect(clients.size).toBe(0);
  });
});
