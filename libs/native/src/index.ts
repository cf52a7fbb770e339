export { workspaceRoot, nativeDir, libraryPath, dataDir, defaultVariant, type NativeVariant } from './paths.ts';
export { loadLibrary, NativeLoadError, koffi } from './load.ts';
export { loadProbe, type Probe, type DescriptorLayout } from './probe.ts';
