// Before touching the kernel: are we root, and is every tool there? Missing tools are named
// together with the Debian package that provides them (apps/cni-bench/apt-packages.txt).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Tool -> Debian package. */
export const TOOL_PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  tc: 'iproute2',
  bridge: 'iproute2',
  iptables: 'iptables',
  'iptables-save': 'iptables',
  'iptables-restore': 'iptables',
  ipset: 'ipset',
  bpftool: 'bpftool',
  iperf3: 'iperf3',
  perf: 'linux-perf',
  nginx: 'nginx',
  ab: 'apache2-utils',
  ethtool: 'ethtool',
  make: 'make',
  gcc: 'gcc',
  clang: 'clang',
};

export function which(tool: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/sbin']) {
    const p = join(dir, tool);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

export class PreflightError extends Error {
  override name = 'PreflightError';
}

/** Tools that are not on PATH, with the package to install. */
export function missingTools(tools: string[], path?: string): { tool: string; pkg: string }[] {
  return tools.filter((t) => !which(t, path)).map((tool) => ({ tool, pkg: TOOL_PACKAGES[tool] ?? tool }));
}

export function preflight(tools: string[], opts: { needRoot?: boolean; uid?: number; path?: string } = {}): void {
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  if ((opts.needRoot ?? true) && uid !== 0) {
    throw new PreflightError('cni-bench lab needs root (network namespaces, tc, iptables, perf); run it with sudo');
  }
  const missing = missingTools(tools, opts.path);
  if (missing.length) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    throw new PreflightError(
      `missing tools: ${missing.map((m) => `${m.tool} (package ${m.pkg})`).join(', ')}; install with: apt-get install -y ${pkgs.join(' ')}`,
    );
  }
}

/** Tools the lab itself needs to build datapaths; measurements add their own. */
export const LAB_TOOLS = ['ip', 'tc', 'bridge', 'iptables', 'iptables-save', 'iptables-restore', 'ipset', 'bpftool'];
