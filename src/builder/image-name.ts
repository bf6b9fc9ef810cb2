// The cloud-side image name: provider image-name-format, Python str.format placeholders
// `{image_name}`, `{timestamp}`, `{upload_id}`, as upstream's UploadWorker fills them.

export interface ImageNameFields {
  image_name: string;
  /** int(epoch seconds) at upload start. */
  timestamp: number;
  upload_id: string;
}

export function formatImageName(format: string, fields: ImageNameFields): string {
  const values: Record<string, string> = {
    image_name: fields.image_name,
    timestamp: String(Math.floor(fields.timestamp)),
    upload_id: fields.upload_id,
  };
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === '{' && format[i + 1] === '{') {
      out += '{';
      i++;
    } else if (c === '}' && format[i + 1] === '}') {
      out += '}';
      i++;
    } else if (c === '{') {
      const end = format.indexOf('}', i);
      if (end < 0) throw new Error(`image-name-format ${JSON.stringify(format)}: unclosed "{"`);
      const key = format.slice(i + 1, end);
      if (!(key in values)) {
        throw new Error(`image-name-format ${JSON.stringify(format)}: unknown field {${key}} (known: image_name, timestamp, upload_id)`);
      }
      out += values[key];
      i = end;
    } else if (c === '}') {
      throw new Error(`image-name-format ${JSON.stringify(format)}: single "}"`);
    } else {
      out += c;
    }
  }
  return out;
}
