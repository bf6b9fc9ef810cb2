// Where a command writes; tests and the web app never touch process.stdout directly.
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads one line of the operator's answer (erase's confirmation); "" when stdin ends first. */
  prompt(question: string): Promise<string>;
}

function line(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(line(text)),
    err: (text) => void process.stderr.write(line(text)),
    prompt: (question) =>
      new Promise((resolve) => {
        process.stdout.write(question);
        let buffered = '';
        const finish = (answer: string) => {
          process.stdin.off('data', onData);
          process.stdin.off('end', onEnd);
          process.stdin.pause();
          resolve(answer);
        };
        const onData = (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          const nl = buffered.indexOf('\n');
          if (nl >= 0) finish(buffered.slice(0, nl).replace(/\r$/, ''));
        };
        const onEnd = () => finish(buffered);
        process.stdin.on('data', onData);
        process.stdin.on('end', onEnd);
        process.stdin.resume();
      }),
  };
}
