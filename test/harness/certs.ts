// Test PKI for the TLS port: a CA, a server certificate for 127.0.0.1/localhost and a client
// certificate (PEM files, as nodepool.yaml's zookeeper-tls names them), plus the PKCS12
// key store and trust store the ZooKeeper server reads.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** Client side, as given to the ZooKeeper client's `tls` option. */
  ca: string;
  cert: string;
  key: string;
  /** Server side. */
  keyStore: string;
  trustStore: string;
  storePassword: string;
}

function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`zk harness: ${cmd} ${args.join(' ')} failed: ${err.stderr?.toString() || err.message}`);
  }
}

/** Writes the PKI into `dir` (reused when it is already there). */
export function createTestPki(dir: string): TestPki {
  const pki: TestPki = {
    dir,
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'client.pem'),
    key: join(dir, 'client.key'),
    keyStore: join(dir, 'server-keystore.p12'),
    trustStore: join(dir, 'server-truststore.p12'),
    // Only protects throwaway test stores on loopback.
    storePassword: 'zk-test-store',
  };
  if (existsSync(pki.trustStore)) return pki;
  const days = '30';
  writeFileSync(join(dir, 'server-ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days, '-subj', '/CN=nodepool-test-ca'], dir);
  for (const [name, cn] of [['server', 'localhost'], ['client', 'nodepool-test-client']]) {
    run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    const ext = name === 'server' ? ['-extfile', 'server-ext.cnf'] : [];
    run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', days, ...ext], dir);
  }
  run('openssl', ['pkcs12', '-export', '-in', 'server.pem', '-inkey', 'server.key', '-certfile', 'ca.pem', '-name', 'server',
    '-out', pki.keyStore, '-passout', `pass:${pki.storePassword}`], dir);
  // Java only trusts certificates imported as trusted entries, which keytool makes.
  run('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.pem', '-keystore', pki.trustStore,
    '-storetype', 'PKCS12', '-storepass', pki.storePassword], dir);
  return pki;
}
