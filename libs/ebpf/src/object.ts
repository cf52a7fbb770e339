// A loaded BPF object file: its programs and maps, disposable as a whole.
import { existsSync } from 'node:fs';
import * as bpf from './libbpf.ts';
import { BpfNotFoundError, BpfPermissionError, BpfUsageError, BpfVerifierError } from './errors.ts';
import { BpfMap } from './map.ts';

export interface OpenOptions {
  /** Size of the native buffer receiving the verifier log when a load fails (default 4 MiB). */
  logSize?: number;
}

export class BpfProgram {
  constructor(
    private readonly owner: BpfObject,
    /** @internal */ readonly handle: bpf.ProgHandle,
    readonly name: string,
  ) {}

  /** The program fd (valid while the object is open). */
  get fd(): number {
    this.owner.assertOpen();
    return bpf.programFd(this.handle);
  }

  /** The kernel's id of the loaded program (as bpftool shows it). */
  get id(): number {
    return bpf.objectId(this.fd);
  }

  /** BPF_PROG_TYPE_* of the program. */
  get type(): number {
    return bpf.programType(this.handle);
  }

  /** Pins the program in bpffs; the object unpins it on dispose. */
  pin(path: string): void {
    this.owner.assertOpen();
    bpf.pinProgram(this.handle, path);
    this.owner.trackPin(() => bpf.unpinProgram(this.handle, path), path);
  }
}

export class BpfObject implements Disposable {
  private closed = false;
  private readonly progs = new Map<string, BpfProgram>();
  private readonly mapsByName = new Map<string, BpfMap>();
  private readonly pins = new Map<string, () => void>();
  private readonly cleanups: (() => void)[] = [];

  private constructor(
    private readonly opened: bpf.OpenedObject,
    readonly path: string,
  ) {}

  /** Opens and loads an object file (every program goes through the verifier). */
  static load(path: string, opts: OpenOptions = {}): BpfObject {
    if (!existsSync(path)) throw new BpfNotFoundError(`BPF object ${path}`, 'build it with: pnpm nx run bpf:build');
    const opened = bpf.openObject(path, opts.logSize ?? 4 << 20);
    const obj = new BpfObject(opened, path);
    const [rc, log] = bpf.loadObject(opened.obj);
    if (rc < 0) {
      const verifierLog = bpf.readLogBuffer(opened);
      bpf.closeObject(opened.obj);
      bpf.freeLogBuffer(opened);
      obj.closed = true;
      if (verifierLog.trim()) {
        const prog = log.map((l) => /prog '([^']+)': failed to load/.exec(l)?.[1]).find(Boolean);
        throw new BpfVerifierError(`bpf_object__load(${path})`, -rc, prog, verifierLog, log);
      }
      if (-rc === 1) throw new BpfPermissionError(`bpf_object__load(${path})`, 1, log);
      bpf.check(`bpf_object__load(${path})`, rc, log);
    }
    bpf.freeLogBuffer(opened);
    for (const p of bpf.programs(opened.obj)) {
      const name = bpf.programName(p);
      obj.progs.set(name, new BpfProgram(obj, p, name));
    }
    for (const m of bpf.maps(opened.obj)) {
      const info = bpf.mapInfo(m);
      obj.mapsByName.set(info.name, new BpfMap(info, m, () => obj.assertOpen(), (fn, p) => obj.trackPin(fn, p), (p) => obj.untrackPin(p)));
    }
    return obj;
  }

  get name(): string {
    return bpf.objectName(this.opened.obj);
  }

  get programNames(): string[] {
    return [...this.progs.keys()];
  }

  get mapNames(): string[] {
    return [...this.mapsByName.keys()];
  }

  program(name: string): BpfProgram {
    this.assertOpen();
    const p = this.progs.get(name);
    if (!p) throw new BpfNotFoundError(`program '${name}' in ${this.path}`, `it has: ${this.programNames.join(', ')}`);
    return p;
  }

  map(name: string): BpfMap {
    this.assertOpen();
    const m = this.mapsByName.get(name);
    if (!m) throw new BpfNotFoundError(`map '${name}' in ${this.path}`, `it has: ${this.mapNames.join(', ')}`);
    return m;
  }

  /** Registers something to undo before the object closes (attachments), last-in first-out. */
  onDispose(fn: () => void): void {
    this.assertOpen();
    this.cleanups.push(fn);
  }

  /** @internal */
  trackPin(unpin: () => void, path: string): void {
    this.pins.set(path, unpin);
  }

  /** @internal */
  untrackPin(path: string): void {
    this.pins.delete(path);
  }

  /** @internal */
  assertOpen(): void {
    if (this.closed) throw new BpfUsageError(`BPF object ${this.path} is already disposed`);
  }

  get disposed(): boolean {
    return this.closed;
  }

  /** Detaches what was attached through it, unpins what it pinned, closes every fd. */
  dispose(): void {
    if (this.closed) return;
    const errors: unknown[] = [];
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        fn();
      } catch (e) {
        errors.push(e);
      }
    }
    for (const unpin of this.pins.values()) {
      try {
        unpin();
      } catch (e) {
        errors.push(e);
      }
    }
    this.pins.clear();
    this.closed = true;
    bpf.closeObject(this.opened.obj);
    if (errors.length) throw new AggregateError(errors, `disposing ${this.path}: ${errors.length} cleanup(s) failed`);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
