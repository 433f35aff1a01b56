import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/ports.ts';

describe('freePort', () => {
  it('hands out listenable ports below the kernel ephemeral range, so no client can take one as its source port', async () => {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    for (let i = 0; i < 20; i += 1) {
      const port = await freePort();
      assert.ok(port > 1024 && port < ephemeralLow, `port ${port} must lie in (1024, ${ephemeralLow})`);
      const server = createServer().listen(port, '127.0.0.1');
      await once(server, 'listening');
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
