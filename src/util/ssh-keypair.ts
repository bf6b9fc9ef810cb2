// ssh2's generateKeyPairSync('ed25519') drops a leading zero byte of the key (about one key in
// 256 comes out 31 bytes long), and ssh2 itself then refuses that key as malformed. Keys are
// generated until both halves parse; a bad one is a library fault, not something to hand out.
import ssh2 from 'ssh2';

export interface SshKeyPair {
  private: string;
  public: string;
}

export function generateEd25519KeyPair(options: { comment?: string } = {}): SshKeyPair {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', options);
    if (!(ssh2.utils.parseKey(pair.public) instanceof Error) && !(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}
