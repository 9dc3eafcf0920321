import { randomBytes } from 'node:crypto';
import { constants as FS, promises as fsp, type BigIntStats } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InfraError, PreconditionFailedError, UsageError } from '../../core/errors.ts';
import { sleep } from '../../core/sleep.ts';
import type { ObjectInfo, ObjectStore, ReadResult } from '../port.ts';

/**
 * The ObjectStore port over a local directory.
 *
 * - Every write goes to a temp file in the target's directory, is fsynced, then linked/renamed into
 *   place, so a reader never sees a partial object.
 * - create(): link(2) of the temp file fails with EEXIST when the target exists: no check-then-write race.
 * - swap(): several processes may race on one object, so the compare (stat) and the rename run under a
 *   per-object lock file created with O_EXCL. A lock whose holder died is broken under a second O_EXCL
 *   "breaker" lock, so two processes never both break and re-take it.
 * - Generations come from the inode and its nanosecond timestamps: each write is a fresh inode, so a
 *   generation never repeats for different writes (no ABA even when the content is the same).
 * - Internal files (temp, locks) start with INTERNAL and never show in list().
 */
const INTERNAL = '.promoscore-';
const LOCK_STALE_MS = 30_000;
const BREAKER_STALE_MS = 5_000;
const LOCK_TIMEOUT_MS = 60_000;
/** errors of link(2) on filesystems that have no hard links */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

export interface LocalStoreOptions {
  /** how long a live-looking lock may be held before it counts as stale (tests shorten it) */
  lockStaleMs?: number;
  lockTimeoutMs?: number;
}

export class LocalStore implements ObjectStore {
  readonly uri: string;
  readonly root: string;
  private readonly lockStaleMs: number;
  private readonly lockTimeoutMs: number;

  constructor(dir: string, opts: LocalStoreOptions = {}) {
    this.root = resolve(dir);
    this.uri = pathToFileURL(this.root).href;
    this.lockStaleMs = opts.lockStaleMs ?? LOCK_STALE_MS;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
  }

  uriOf(path: string): string {
    return pathToFileURL(this.fsPath(path)).href;
  }

  async create(path: string, data: Uint8Array): Promise<ObjectInfo> {
    const target = this.fsPath(path);
    const tmp = await this.writeTemp(target, data);
    try {
      await fsp.link(tmp, target);
    } catch (err) {
      if (code(err) === 'EEXIST') throw new PreconditionFailedError(path, 'object already exists');
      if (!NO_LINK.has(code(err) ?? '')) throw infra(`cannot create ${path}`, err);
      // A filesystem without hard links: decide existence under the object's lock instead, which
      // every other writer of the object (swap, delete, this fallback) also takes.
      await this.withLock(target, async () => {
        if (await statOrNull(target)) throw new PreconditionFailedError(path, 'object already exists');
        await fsp.rename(tmp, target);
      });
    } finally {
      await unlinkQuiet(tmp);
    }
    await fsyncDir(dirname(target));
    return this.infoOf(path, await fsp.stat(target, { bigint: true }));
  }

  async swap(path: string, data: Uint8Array, expected: string | null): Promise<ObjectInfo> {
    // "must not exist" is exactly create-only; link(2) decides it atomically without a lock.
    if (expected === null) return this.create(path, data);
    const target = this.fsPath(path);
    const tmp = await this.writeTemp(target, data);
    try {
      return await this.withLock(target, async () => {
        const cur = await statOrNull(target);
        const gen = cur ? generationOf(cur) : null;
        if (gen !== expected) {
          throw new PreconditionFailedError(path, `generation is ${gen ?? 'absent'}, expected ${expected}`);
        }
        await fsp.rename(tmp, target);
        await fsyncDir(dirname(target));
        return this.infoOf(path, await fsp.stat(target, { bigint: true }));
      });
    } finally {
      await unlinkQuiet(tmp);
    }
  }

  async read(path: string): Promise<ReadResult | null> {
    const target = this.fsPath(path);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(target, 'r');
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return null;
      throw infra(`cannot read ${path}`, err);
    }
    try {
      // Files are never modified in place (only replaced by rename), so the bytes read through this
      // descriptor always belong to the generation fstat reports.
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) return null;
      const data = await fh.readFile();
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), generation: generationOf(st) };
    } finally {
      await fh.close();
    }
  }

  async stat(path: string): Promise<ObjectInfo | null> {
    const st = await statOrNull(this.fsPath(path));
    return st && st.isFile() ? this.infoOf(path, st) : null;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    if (prefix.startsWith('/')) throw new UsageError(`store prefix "${prefix}" must be relative`);
    const cut = prefix.lastIndexOf('/');
    const base = cut >= 0 ? prefix.slice(0, cut) : '';
    const out: ObjectInfo[] = [];
    await this.walk(base, prefix, out);
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  }

  async delete(path: string): Promise<void> {
    const target = this.fsPath(path);
    await this.withLock(target, async () => {
      await unlinkQuiet(target);
    });
    await this.pruneEmptyDirs(dirname(target));
  }

  /** Removes temp files older than `olderThanMs` left by writers that crashed (gc calls it). */
  async sweepTemp(olderThanMs: number, now = Date.now()): Promise<number> {
    let n = 0;
    const visit = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await visit(full);
        else if (e.name.startsWith(INTERNAL + 'tmp-')) {
          const st = await statOrNull(full);
          if (st && now - Number(st.mtimeMs) > olderThanMs) {
            await unlinkQuiet(full);
            n++;
          }
        }
      }
    };
    await visit(this.root);
    return n;
  }

  // ---- internals ----

  private fsPath(path: string): string {
    if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.endsWith('/')) {
      throw new UsageError(`invalid object path "${path}": must be relative and name an object`);
    }
    for (const seg of path.split('/')) {
      if (seg === '' || seg === '.' || seg === '..' || seg.startsWith(INTERNAL) || seg.includes('\\') || seg.includes('\0')) {
        throw new UsageError(`invalid object path "${path}": bad segment "${seg}"`);
      }
    }
    return join(this.root, ...path.split('/'));
  }

  private infoOf(path: string, st: BigIntStats): ObjectInfo {
    return {
      path,
      size: Number(st.size),
      generation: generationOf(st),
      updated: new Date(Number(st.mtimeMs)).toISOString(),
    };
  }

  private async writeTemp(target: string, data: Uint8Array): Promise<string> {
    const dir = dirname(target);
    for (let attempt = 0; ; attempt++) {
      await fsp.mkdir(dir, { recursive: true });
      const tmp = join(dir, `${INTERNAL}tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
      let fh: fsp.FileHandle;
      try {
        fh = await fsp.open(tmp, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL, 0o644);
      } catch (err) {
        // A concurrent delete may prune the directory between mkdir and open: make it again.
        if (code(err) === 'ENOENT' && attempt < 5) continue;
        throw infra(`cannot write in ${dir}`, err);
      }
      try {
        await fh.writeFile(data);
        await fh.sync();
      } catch (err) {
        await fh.close().catch(() => {});
        await unlinkQuiet(tmp);
        throw infra(`cannot write in ${dir}`, err);
      }
      await fh.close();
      return tmp;
    }
  }

  private async walk(rel: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    const dir = rel ? join(this.root, ...rel.split('/')) : this.root;
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return;
      throw infra(`cannot list ${rel || '.'}`, err);
    }
    for (const e of entries) {
      if (e.name.startsWith(INTERNAL)) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        // descend only where the prefix can still match
        if (p.startsWith(prefix) || prefix.startsWith(p + '/')) await this.walk(p, prefix, out);
      } else if (e.isFile() && p.startsWith(prefix)) {
        const st = await statOrNull(join(dir, e.name));
        if (st && st.isFile()) out.push(this.infoOf(p, st));
      }
    }
  }

  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep)) {
      try {
        await fsp.rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop
      }
      dir = dirname(dir);
    }
  }

  private async withLock<T>(target: string, fn: () => Promise<T>): Promise<T> {
    const lock = join(dirname(target), `${INTERNAL}lock-${basename(target)}`);
    const token = await this.acquire(lock);
    try {
      return await fn();
    } finally {
      await this.release(lock, token);
    }
  }

  private async acquire(lock: string): Promise<string> {
    const token = `${hostname()}\n${process.pid}\n${randomBytes(8).toString('hex')}`;
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let spin = 0; ; spin++) {
      try {
        await fsp.mkdir(dirname(lock), { recursive: true });
        await fsp.writeFile(lock, token, { flag: 'wx' });
        return token;
      } catch (err) {
        if (code(err) !== 'EEXIST') throw infra(`cannot take lock ${lock}`, err);
      }
      const holder = await readLock(lock);
      if (holder && this.isStale(holder)) await this.breakLock(lock, holder.token);
      else if (Date.now() > deadline) throw new InfraError(`timed out waiting for lock ${lock}`);
      else await sleep(2 + Math.min(50, spin) * Math.random());
    }
  }

  private isStale(h: LockHolder): boolean {
    if (Date.now() - h.mtimeMs > this.lockStaleMs) return true;
    if (h.host !== hostname() || h.pid === process.pid) return false;
    try {
      process.kill(h.pid, 0);
      return false;
    } catch (err) {
      return code(err) === 'ESRCH';
    }
  }

  /** Removes a stale lock only if it is still the very lock judged stale (same token). */
  private async breakLock(lock: string, staleToken: string): Promise<void> {
    const breaker = lock + '-breaker';
    try {
      await fsp.writeFile(breaker, `${process.pid}`, { flag: 'wx' });
    } catch (err) {
      if (code(err) !== 'EEXIST') throw infra(`cannot break lock ${lock}`, err);
      // A breaker holds it for a few syscalls; one this old belongs to a process that died there.
      const st = await statOrNull(breaker);
      if (st && Date.now() - Number(st.mtimeMs) > BREAKER_STALE_MS) await unlinkQuiet(breaker);
      return;
    }
    try {
      const now = await readLock(lock);
      if (now && now.token === staleToken) await unlinkQuiet(lock);
    } finally {
      await unlinkQuiet(breaker);
    }
  }

  private async release(lock: string, token: string): Promise<void> {
    const h = await readLock(lock);
    if (h && h.token === token) await unlinkQuiet(lock);
  }
}

interface LockHolder {
  token: string;
  host: string;
  pid: number;
  mtimeMs: number;
}

async function readLock(lock: string): Promise<LockHolder | null> {
  try {
    const [text, st] = await Promise.all([fsp.readFile(lock, 'utf8'), fsp.stat(lock)]);
    const [host, pid] = text.split('\n');
    return { token: text, host, pid: Number(pid), mtimeMs: st.mtimeMs };
  } catch (err) {
    if (code(err) === 'ENOENT') return null;
    throw infra(`cannot read lock ${lock}`, err);
  }
}

function generationOf(st: BigIntStats): string {
  return `${st.ino.toString(36)}.${st.mtimeNs.toString(36)}.${st.ctimeNs.toString(36)}.${st.size.toString(36)}`;
}

async function statOrNull(p: string): Promise<BigIntStats | null> {
  try {
    return await fsp.stat(p, { bigint: true });
  } catch (err) {
    if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return null;
    throw infra(`cannot stat ${p}`, err);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // some filesystems refuse fsync on a directory; the rename itself is still atomic
  } finally {
    await fh?.close().catch(() => {});
  }
}

async function unlinkQuiet(p: string): Promise<void> {
  try {
    await fsp.unlink(p);
  } catch (err) {
    if (code(err) !== 'ENOENT') throw infra(`cannot delete ${p}`, err);
  }
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf(sep) + 1);
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

function infra(what: string, err: unknown): InfraError {
  return new InfraError(`${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

