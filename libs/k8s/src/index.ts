export { loadKubeConfig, kubeConfigFor, kubeconfigYaml, type KubeConfigOptions } from './config.ts';
export { K8sClient, isReady, describeRef, type ObjectRef, type ApplyOptions, type WaitOptions, type Propagation } from './client.ts';
export { ListWatch, type ListWatchOptions, type WatchEventType } from './watch.ts';
export { validateManifest, validateManifestFile, parseManifests } from './validate.ts';
export { K8sApiError, ManifestValidationError, WaitTimeoutError, statusCodeOf, isConflict, isGone, isNotFound, toApiError } from './errors.ts';
export { knownResources, resourceFor, collectionPath, groupVersionPath, splitApiVersion, type ResourceInfo } from './resources.ts';
export {
  RecordingApiServer,
  matchesFieldSelector,
  matchesLabelSelector,
  type RecordedRequest,
  type Fault,
  type RecordingServerOptions,
} from './recording-server.ts';
