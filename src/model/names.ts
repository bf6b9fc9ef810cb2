// What may appear in a file name built from a record: image names, build ids and disk formats
// come from ZooKeeper, which anyone on the ensemble can write, and end up in paths below
// images-dir. Upstream's formats are diskimage-builder image types (qcow2, raw, vhd, tar, ...).

/** A diskimage-builder image type: letters, digits, "-" and "_"; no dot, no slash. */
const FORMAT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

export function isValidFormat(format: string): boolean {
  return FORMAT.test(format);
}

/** One file-name component: no separator, no NUL, not "." or "..". */
export function isSafeFileComponent(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}
