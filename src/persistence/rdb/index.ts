// RDB version 10 (Redis 7.0): whole files (RdbWriter, readRdb) and single values (DUMP/RESTORE).
import type { Config } from '../../config/config.js';
import { ReplyError } from '../../protocol/reply.js';
import type { Entry, ValueOf, ValueType } from '../../store/database.js';
import { Crc64 } from './crc64.js';
import { RdbEncoder } from './encoder.js';
import { RDB_VERSION } from './format.js';
import { RdbReader } from './reader.js';

export { RdbWriter } from './writer.js';
export { RdbError, readRdb, readRdbSteps, type RdbHandler, type RdbSteps } from './reader.js';
export { crc64, Crc64 } from './crc64.js';
export { lzfCompress, lzfDecompress } from './lzf.js';
export { RDB_VERSION, RdbType, RdbOpcode } from './format.js';

export const DumpErrors = {
  versionOrChecksum: () => new ReplyError('ERR DUMP payload version or checksum are wrong'),
  badFormat: () => new ReplyError('ERR Bad data format'),
};

/** DUMP's payload: type byte, value, RDB version (2 bytes LE), CRC-64 of all that (8 bytes LE). */
export function dumpValue(entry: Entry, config: Config): Buffer {
  const enc = new PayloadEncoder(config.bool('rdbcompression'));
  enc.u8(enc.objectType(entry, config));
  enc.object(entry, config);
  enc.u8(RDB_VERSION & 0xff);
  enc.u8(RDB_VERSION >> 8);
  return enc.finish();
}

class PayloadEncoder extends RdbEncoder {
  finish(): Buffer {
    const crc = new Crc64().update(this.buf, 0, this.pos).digest();
    this.raw(crc);
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** True when the footer's version is one we read and its CRC matches (RESTORE checks even a zero CRC). */
export function verifyDumpPayload(payload: Buffer, checksum = true): boolean {
  if (payload.length < 10) return false;
  const footer = payload.length - 10;
  const version = payload[footer]! | (payload[footer + 1]! << 8);
  if (version > RDB_VERSION) return false;
  if (!checksum) return true;
  const crc = new Crc64().update(payload, 0, payload.length - 8).digest();
  return crc.equals(payload.subarray(payload.length - 8));
}

/**
 * Decode a DUMP payload; throws ReplyError with RESTORE's texts. `report` hears why a payload that
 * passed its checksum was refused (Redis logs it: an operator wants to know a client sends bad data).
 */
export function restoreValue(
  payload: Buffer,
  config: Config,
  options: { skipChecksum?: boolean; report?: (reason: string) => void } = {},
): { type: ValueType; value: ValueOf[ValueType] } {
  if (!verifyDumpPayload(payload, !options.skipChecksum)) throw DumpErrors.versionOrChecksum();
  const reader = new RdbReader(payload.subarray(0, payload.length - 10), config);
  try {
    const loaded = reader.object(reader.u8());
    if (loaded === undefined) throw DumpErrors.badFormat();
    return loaded;
  } catch (e) {
    // Whatever the decoder tripped on, a client's payload must not become a server error.
    if (e instanceof ReplyError) throw e;
    options.report?.((e as Error).message);
    throw DumpErrors.badFormat();
  }
}
