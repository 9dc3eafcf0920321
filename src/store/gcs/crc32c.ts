import { crc32c } from '@node-rs/crc32';

/**
 * A CRC32C validator for the storage client backed by the native implementation: the client's
 * default is table-driven JavaScript, several times slower on shard-sized downloads.
 */
export function nativeCrc32cGenerator() {
  let state = 0;
  const encoded = () => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(state >>> 0);
    return b.toString('base64');
  };
  return {
    update(data: Buffer) {
      state = crc32c(data, state);
    },
    toString: encoded,
    validate: (value: string) => encoded() === value,
  };
}
