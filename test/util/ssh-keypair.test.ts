// ssh2 sometimes makes an ed25519 key it then refuses as malformed (a leading zero byte dropped,
// about 1 in 256); the helper hands out only keys that parse. 2,000 keys hit ssh2's fault with
// probability above 99.9 %, so this fails without the helper's check.
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '../../src/util/ssh-keypair.ts';

describe('generateEd25519KeyPair', () => {
  it('only hands out keys whose public and private halves parse', () => {
    let malformed = 0;
    for (let i = 0; i < 2000; i++) {
      const pair = generateEd25519KeyPair({ comment: `k${i}` });
      if (ssh2.utils.parseKey(pair.public) instanceof Error || ssh2.utils.parseKey(pair.private) instanceof Error) malformed++;
      expect(pair.public.startsWith('ssh-ed25519 ')).toBe(true);
    }
    expect(malformed).toBe(0);
  });
});
