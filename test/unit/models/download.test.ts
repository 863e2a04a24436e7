import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadVerified } from '../../../electron/core/models/download.js';
import { sha256Bytes } from '../../../electron/core/models/files.js';
import { tempDir } from './helpers.js';

describe('sha256-checked download (local HTTP server)', () => {
  const body = Buffer.from('pretend this is an ONNX model');
  const server = createServer((req, res) => {
    if (req.url === '/model.onnx') res.end(body);
    else res.writeHead(404).end();
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('writes the file only when its hash matches', async () => {
    const dir = tempDir('dl');
    const dest = join(dir, 'm.onnx');
    await expect(downloadVerified(`${base}/model.onnx`, dest, '0'.repeat(64))).rejects.toThrow(
      /model.onnx: downloaded file has sha256 [0-9a-f]{64}, expected 0{64}/,
    );
    expect(readdirSync(dir)).toEqual([]);
    await downloadVerified(`${base}/model.onnx`, dest, sha256Bytes(body));
    expect(readFileSync(dest)).toEqual(body);
  });

  it('reports HTTP errors with the URL', async () => {
    const dest = join(tempDir('dl'), 'm.onnx');
    await expect(downloadVerified(`${base}/missing`, dest, '0'.repeat(64))).rejects.toThrow(
      /missing: download failed \(HTTP 404\)/,
    );
    expect(existsSync(dest)).toBe(false);
  });
});
