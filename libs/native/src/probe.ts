// Binding of native/probe: every exported C function has a typed wrapper here.
import { loadLibrary } from './load.ts';

const PROBE_ABI = 1;

export interface DescriptorLayout {
  instance: number;
  chain: number;
  flags: number;
  object: number;
  size: number;
}

export interface Probe {
  abiVersion(): number;
  version(): string;
  cachelineSize(): number;
  /** Free 2 MiB hugepages, or -1 when the kernel has no 2 MiB pool. */
  hugepagesFree(): number;
  descriptorLayout(): DescriptorLayout;
  /** Host description as key/value pairs. */
  describe(): Record<string, string>;
}

let probe: Probe | undefined;

export function loadProbe(): Probe {
  if (probe) return probe;
  const lib = loadLibrary('fastpath_probe');
  const abi = lib.func('int fp_probe_abi_version(void)');
  const version = lib.func('const char *fp_probe_version(void)');
  const cacheline = lib.func('long fp_probe_cacheline_size(void)');
  const hugepages = lib.func('long fp_probe_hugepages_free(void)');
  const layout = lib.func('int fp_probe_descriptor_layout(int field)');
  const describe = lib.func('int fp_probe_describe(_Out_ uint8_t *buf, size_t size)');
  const got = abi() as number;
  if (got !== PROBE_ABI) throw new Error(`fastpath: probe ABI ${got}, binding expects ${PROBE_ABI}; rebuild native-probe`);
  probe = {
    abiVersion: () => abi() as number,
    version: () => version() as string,
    cachelineSize: () => Number(cacheline()),
    hugepagesFree: () => Number(hugepages()),
    descriptorLayout: () => ({
      instance: layout(0) as number,
      chain: layout(1) as number,
      flags: layout(2) as number,
      object: layout(3) as number,
      size: layout(4) as number,
    }),
    describe: () => {
      const need = describe(null, 0) as number;
      const buf = Buffer.alloc(need + 1);
      describe(buf, buf.length);
      const out: Record<string, string> = {};
      for (const line of buf.toString('utf8', 0, need).split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
      }
      return out;
    },
  };
  return probe;
}
