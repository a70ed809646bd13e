import { describe, expect, it, vi } from 'vitest';
import { createMaskedAuth } from './credentials.js';

describe('createMaskedAuth', () => {
  it('masks the API key before it is used', () => {
    const mask = vi.fn();
    const auth = createMaskedAuth({ apiKey: 'sk-live-123456789' }, mask);
    expect(mask).toHaveBeenCalledWith('sk-live-123456789');
    expect(auth.authorization(Date.now())).toBe('Bearer sk-live-123456789');
  });

  it('masks both keys and the JWT minted up front', () => {
    const mask = vi.fn();
    const now = 1_800_000_000_000;
    const auth = createMaskedAuth({ accessKey: 'ak-123', secretKey: 'sk-456' }, mask, () => now);
    const token = auth.authorization(now).replace('Bearer ', '');
    expect(token.split('.')).toHaveLength(3);
    expect(mask.mock.calls.map(([secret]) => secret)).toEqual(['ak-123', 'sk-456', token]);
  });

  it('masks every renewed token of a long run, and each token once', () => {
    const mask = vi.fn();
    const start = 1_800_000_000_000;
    const auth = createMaskedAuth({ accessKey: 'ak-123', secretKey: 'sk-456' }, mask, () => start);
    auth.authorization(start + 60_000); // cached: same token
    expect(mask).toHaveBeenCalledTimes(3);
    const renewed = auth.authorization(start + 26 * 60_000).replace('Bearer ', ''); // past renew-before
    expect(mask).toHaveBeenCalledTimes(4);
    expect(mask).toHaveBeenLastCalledWith(renewed);
    auth.invalidate();
    const fresh = auth.authorization(start + 27 * 60_000).replace('Bearer ', '');
    expect(fresh).not.toBe(renewed);
    expect(mask).toHaveBeenLastCalledWith(fresh);
  });

  it('never shows a secret in its description', () => {
    const auth = createMaskedAuth({ accessKey: 'ak-123456789', secretKey: 'sk-secret-987654321' }, () => {});
    expect(auth.describe()).not.toContain('sk-secret');
    expect(auth.describe()).not.toContain('ak-123456789');
  });
});
