// An SFTP subsystem confined to the server's sandbox: "/" is the sandbox directory, so
// `put script /opt/nodepool-scripts/ready.sh` writes <sandbox>/opt/nodepool-scripts/ready.sh.
import { promises as fsp, constants as fsc, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import ssh2 from 'ssh2';
import type { SFTPWrapper, Attributes } from 'ssh2';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

type Handle = { kind: 'file'; fd: fsp.FileHandle } | { kind: 'dir'; path: string; sent: boolean };

function attrsOf(st: Stats): Attributes {
  return { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) };
}

function statusFor(err: unknown): number {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return STATUS_CODE.NO_SUCH_FILE;
  if (code === 'EACCES' || code === 'EPERM') return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
}

function openFlags(flags: number): number {
  let f = 0;
  const read = flags & OPEN_MODE.READ;
  const write = flags & OPEN_MODE.WRITE;
  f |= read && write ? fsc.O_RDWR : write ? fsc.O_WRONLY : fsc.O_RDONLY;
  if (flags & OPEN_MODE.APPEND) f |= fsc.O_APPEND;
  if (flags & OPEN_MODE.CREAT) f |= fsc.O_CREAT;
  if (flags & OPEN_MODE.TRUNC) f |= fsc.O_TRUNC;
  if (flags & OPEN_MODE.EXCL) f |= fsc.O_EXCL;
  return f;
}

export function serveSftp(sandbox: string, sftp: SFTPWrapper): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  // Normalising against "/" first means ".." can never climb out of the sandbox.
  const real = (p: string) => join(sandbox, posix.resolve('/', p || '.'));
  const newHandle = (h: Handle) => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  const run = (reqId: number, work: () => Promise<void>) => {
    // The errno code only: the message would reveal where the sandbox lives on the host.
    work().catch((err: unknown) => sftp.status(reqId, statusFor(err), (err as NodeJS.ErrnoException).code ?? 'failure'));
  };

  sftp.on('OPEN', (reqId, filename, flags, attrs) =>
    run(reqId, async () => {
      const fd = await fsp.open(real(filename), openFlags(flags), attrs?.mode ?? 0o644);
      sftp.handle(reqId, newHandle({ kind: 'file', fd }));
    }),
  );
  sftp.on('READ', (reqId, handle, offset, length) =>
    run(reqId, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
      const buf = Buffer.alloc(Math.min(length, 256 * 1024));
      const { bytesRead } = await h.fd.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return sftp.status(reqId, STATUS_CODE.EOF);
      sftp.data(reqId, buf.subarray(0, bytesRead));
    }),
  );
  sftp.on('WRITE', (reqId, handle, offset, data) =>
    run(reqId, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
      await h.fd.write(data, 0, data.length, offset);
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  sftp.on('CLOSE', (reqId, handle) =>
    run(reqId, async () => {
      const h = handleOf(handle);
      if (!h) return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
      handles.delete(handle.readUInt32BE(0));
      if (h.kind === 'file') await h.fd.close();
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  sftp.on('FSTAT', (reqId, handle) =>
    run(reqId, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
      sftp.attrs(reqId, attrsOf(await h.fd.stat()));
    }),
  );
  sftp.on('FSETSTAT', (reqId, handle, attrs) =>
    run(reqId, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
      if (attrs.mode !== undefined) await h.fd.chmod(attrs.mode & 0o7777);
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  const stat = (reqId: number, path: string) => run(reqId, async () => sftp.attrs(reqId, attrsOf(await fsp.stat(real(path)))));
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);
  sftp.on('SETSTAT', (reqId, path, attrs) =>
    run(reqId, async () => {
      if (attrs.mode !== undefined) await fsp.chmod(real(path), attrs.mode & 0o7777);
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  sftp.on('MKDIR', (reqId, path, attrs) =>
    run(reqId, async () => {
      await fsp.mkdir(real(path), { mode: attrs?.mode ?? 0o755 });
      sftp.status(reqId, STATUS_CODE.OK);
    }),
  );
  sftp.on('RMDIR', (reqId, path) => run(reqId, async () => (await fsp.rmdir(real(path)), sftp.status(reqId, STATUS_CODE.OK))));
  sftp.on('REMOVE', (reqId, path) => run(reqId, async () => (await fsp.unlink(real(path)), sftp.status(reqId, STATUS_CODE.OK))));
  sftp.on('RENAME', (reqId, from, to) => run(reqId, async () => (await fsp.rename(real(from), real(to)), sftp.status(reqId, STATUS_CODE.OK))));
  sftp.on('REALPATH', (reqId, path) => {
    const p = posix.resolve('/', path || '.');
    sftp.name(reqId, [{ filename: p, longname: p, attrs: {} as Attributes }]);
  });
  sftp.on('OPENDIR', (reqId, path) =>
    run(reqId, async () => {
      const st = await fsp.stat(real(path));
      if (!st.isDirectory()) return sftp.status(reqId, STATUS_CODE.FAILURE, 'not a directory');
      sftp.handle(reqId, newHandle({ kind: 'dir', path: real(path), sent: false }));
    }),
  );
  sftp.on('READDIR', (reqId, handle) =>
    run(reqId, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
      if (h.sent) return sftp.status(reqId, STATUS_CODE.EOF);
      h.sent = true;
      const names = await fsp.readdir(h.path);
      const entries = await Promise.all(
        names.map(async (filename) => {
          const st = await fsp.lstat(join(h.path, filename));
          return { filename, longname: filename, attrs: attrsOf(st) };
        }),
      );
      if (entries.length === 0) return sftp.status(reqId, STATUS_CODE.EOF);
      sftp.name(reqId, entries);
    }),
  );
  sftp.on('close', () => {
    for (const h of handles.values()) if (h.kind === 'file') void h.fd.close().catch(() => undefined);
    handles.clear();
  });
}
