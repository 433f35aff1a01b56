import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const FALLBACK_EPHEMERAL_LOW = 32768;
const CANDIDATE_SPAN = 10_000;

/** The lowest port the kernel hands out as a source port for outgoing connections. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : FALLBACK_EPHEMERAL_LOW;
  } catch {
    return FALLBACK_EPHEMERAL_LOW;
  }
}

/** True if a server could listen on `port` on 127.0.0.1 right now (it listens and closes at once). */
export async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, chosen below the kernel's ephemeral
 * range. A port inside that range can be taken while its server is down: a client retrying
 * `connect()` to it (or ops/kafka.sh probing it) may be given the same number as its own source port
 * and connect to itself, so a restarted broker finds its port "in use" by no listener at all.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  const low = Math.max(1025, high - CANDIDATE_SPAN);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free TCP port on 127.0.0.1 between ${low} and ${high} after 200 tries`);
}
