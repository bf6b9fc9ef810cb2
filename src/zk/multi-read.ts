// multiRead (op code 22, ZooKeeper >= 3.6): many getData / getChildren in one request. Framed
// like multi (a MultiHeader before each op, a done header at the end); unlike multi, every op
// stands alone: the reply carries each op's result or its own error code, so one vanished node
// does not fail the batch. The server answers from one consistent point in its request stream.
import { MAX_FRAME_BYTES } from './framing.ts';
import { JuteReader, protocolError } from './jute.ts';
import { header, OpCode, writer } from './protocol.ts';
import type { ReadOp, ReadResult } from './types.ts';

/** A multiRead reply may be as large as its ops' single replies together (the server does not
 *  bound replies): each op may carry what one getData may, up to 1 GiB for the whole reply. */
export function multiReadReplyLimit(opCount: number): number {
  return Math.min(Math.max(1, opCount) * MAX_FRAME_BYTES, 1024 * 1024 * 1024);
}

/** Op types inside a multiRead (the plain getChildren, whose reply has no stat). */
const READ_OP_TYPE = { getData: OpCode.getData, getChildren: OpCode.getChildren } as const;

export function encodeMultiRead(xid: number, ops: readonly ReadOp[], serverPath: (p: string) => string): Buffer {
  const w = header(writer, xid, OpCode.multiRead);
  for (const op of ops) {
    const type = READ_OP_TYPE[op.op];
    if (type === undefined) throw new TypeError(`unknown multiRead op ${(op as { op: string }).op}`);
    // MultiHeader(type, done=false, err=-1), then GetDataRequest / GetChildrenRequest(path, watch=false).
    w.int(type).bool(false).int(-1).string(serverPath(op.path)).bool(false);
  }
  w.int(-1).bool(true).int(-1);
  return w.frame();
}

/** Decodes a multiRead reply: one result per op, in order; errors are per op, never thrown. */
export function decodeMultiRead(r: JuteReader, ops: readonly ReadOp[]): ReadResult[] {
  const results = new Array<ReadResult>(ops.length);
  let i = 0;
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int(); // the header's err repeats the ErrorResponse below
    if (done) break;
    if (i >= ops.length) throw protocolError('multiRead reply has more results than ops');
    const op = ops[i];
    switch (type) {
      case OpCode.getData: {
        if (op.op !== 'getData') throw protocolError(`multiRead result ${i} is getData, op was ${op.op}`);
        const data = r.buffer();
        results[i] = { op: 'getData', data, stat: r.stat() };
        break;
      }
      case OpCode.getChildren:
        if (op.op !== 'getChildren') throw protocolError(`multiRead result ${i} is getChildren, op was ${op.op}`);
        results[i] = { op: 'getChildren', children: r.stringVector() };
        break;
      case OpCode.error:
        results[i] = { op: 'error', code: r.int(), path: op.path };
        break;
      default:
        throw protocolError(`unknown multiRead result type ${type}`);
    }
    i++;
  }
  if (i !== ops.length) throw protocolError(`multiRead reply has ${i} results for ${ops.length} ops`);
  return results;
}
