// A whole RDB file, produced in pieces: the caller takes bytes as they accumulate (to write them
// to disk between keys) and the CRC-64 footer covers everything taken before it.
import type { Config } from '../../config/config.js';
import type { Entry } from '../../store/database.js';
import { idleMsOf, lfuCounter } from '../../store/database.js';
import { Crc64 } from './crc64.js';
import { RdbEncoder, type ValueSteps } from './encoder.js';
import { RDB_VERSION, RdbOpcode } from './format.js';

export class RdbWriter extends RdbEncoder {
  private readonly checksum: boolean;
  private readonly crc = new Crc64();
  /** Bytes of buf[0, crcPos) are already in the CRC. */
  private crcPos = 0;
  /** The other buffer of takeView(): the bytes it gave last, being written out. */
  private spare: Buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(options: { compress: boolean; checksum: boolean }) {
    super(options.compress, 64 * 1024);
    this.checksum = options.checksum;
  }

  /** Bytes produced and not yet taken. */
  get pending(): number {
    return this.pos;
  }

  /** "REDIS0010" and the AUX fields (numbers are written as integer-encoded strings, as Redis does). */
  header(aux: Array<[string, string | number]>): void {
    this.raw(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
    for (const [name, value] of aux) {
      this.u8(RdbOpcode.AUX);
      this.latin1(name);
      this.latin1(String(value));
    }
  }

  functionLibrary(code: Buffer): void {
    this.u8(RdbOpcode.FUNCTION2);
    this.string(code);
  }

  selectDb(index: number, keys: number, expires: number): void {
    this.u8(RdbOpcode.SELECTDB);
    this.len(index);
    this.u8(RdbOpcode.RESIZEDB);
    this.len(keys);
    this.len(expires);
  }

  /** One key: EXPIRETIME_MS, IDLE or FREQ (under an LRU or LFU maxmemory-policy), type, key, value. */
  key(key: string, entry: Entry, expireAt: number | undefined, config: Config): void {
    this.keyHeader(key, entry, expireAt, config);
    this.object(entry, config);
  }

  /**
   * The same for a huge hash, set, sorted set, list or stream (RdbEncoder.canStep), whose value is
   * then written by the steps returned (objectInSteps); undefined, with nothing written, else.
   */
  keyInSteps(key: string, entry: Entry, expireAt: number | undefined, config: Config): ValueSteps | undefined {
    if (!this.canStep(entry, config)) return undefined;
    this.keyHeader(key, entry, expireAt, config, this.steppedObjectType(entry, config));
    return this.objectInSteps(entry, config);
  }

  private keyHeader(key: string, entry: Entry, expireAt: number | undefined, config: Config, type = this.objectType(entry, config)): void {
    if (expireAt !== undefined) {
      this.u8(RdbOpcode.EXPIRETIME_MS);
      this.millis(expireAt);
    }
    const policy = config.string('maxmemory-policy');
    if (policy.endsWith('-lru')) {
      this.u8(RdbOpcode.IDLE);
      this.len(Math.max(0, Math.floor(idleMsOf(entry) / 1000)));
    } else if (policy.endsWith('-lfu')) {
      this.u8(RdbOpcode.FREQ);
      this.u8(lfuCounter(entry.lru, config.number('lfu-decay-time')));
    }
    this.u8(type);
    this.latin1(key);
  }

  /** EOF opcode and the CRC-64 of the whole file (zeros when checksums are off). */
  end(): void {
    this.u8(RdbOpcode.EOF);
    if (this.checksum) {
      this.crc.update(this.buf, this.crcPos, this.pos);
      this.crcPos = this.pos;
      this.raw(this.crc.digest());
    } else {
      this.raw(Buffer.alloc(8));
    }
    this.crcPos = this.pos;
  }

  take(): Buffer {
    return Buffer.from(this.takeView());
  }

  /**
   * The bytes produced since the last take, without copying them: a view of one of two buffers
   * that the writer alternates, valid until the next takeView() (write it out before that; keys
   * written meanwhile go to the other buffer). A BGSAVE's output so makes no garbage.
   */
  takeView(): Buffer {
    if (this.checksum && this.crcPos < this.pos) this.crc.update(this.buf, this.crcPos, this.pos);
    const full = this.buf;
    this.buf = this.spare;
    this.spare = full;
    const out = full.subarray(0, this.pos);
    this.pos = 0;
    this.crcPos = 0;
    return out;
  }
}
