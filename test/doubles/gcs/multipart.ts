/**
 * Parses a `multipart/related` upload body as the GCS JSON API accepts it: exactly two parts, the
 * object resource as JSON, then the media. Returns null when the body does not have that shape.
 */
export interface MultipartUpload {
  metadata: Buffer;
  media: Buffer;
  mediaContentType?: string;
}

export function parseMultipartRelated(contentType: string, body: Buffer): MultipartUpload | null {
  if (!/^multipart\/related\b/i.test(contentType)) return null;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return null;
  for (;;) {
    pos += delimiter.length;
    // "--" right after a delimiter closes the body
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) return null;
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const start = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), start);
    if (next < 0) return null;
    parts.push({ headers, body: body.subarray(start, next) });
    pos = next + 2;
  }
  if (parts.length !== 2) return null;
  return { metadata: parts[0].body, media: parts[1].body, mediaContentType: parts[1].headers['content-type'] };
}
