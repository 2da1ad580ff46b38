export { Accelerator } from './accelerator.js';
export type { AcceleratorProps } from './accelerator.js';
export { AnycastStack, regionIdentifier, testCommandFormats } from './anycast-stack.js';
export type { AnycastStackProps } from './anycast-stack.js';
export { buildApp, DEFAULT_CONFIG_FILE, STACK_NAME } from './app.js';
export type { BuildAppOptions } from './app.js';
export { ArtifactBucket } from './artifact-bucket.js';
export type { ArtifactBucketProps } from './artifact-bucket.js';
export { AL2023, DEBIAN13, ORIGIN_IMAGE, architectureOf } from './image.js';
export type { Architecture, OriginImage } from './image.js';
export { EndpointGroup } from './endpoint-group.js';
export type { EndpointGroupProps } from './endpoint-group.js';
export { ArtifactMissingError, ERROR_CODES, InfraError, InvalidOptionError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { Listener } from './listener.js';
export type { ListenerProps } from './listener.js';
export { OriginFleet } from './origin-fleet.js';
export type { OriginFleetProps } from './origin-fleet.js';
export { OriginArtifact } from './origin-artifact.js';
export type { OriginArtifactProps } from './origin-artifact.js';
export { OriginNetwork, SSM_ENDPOINT_SERVICES, subnetCidr } from './origin-network.js';
export type { OriginNetworkProps } from './origin-network.js';
export { OriginRole, SSM_MANAGED_POLICY_ARN } from './origin-role.js';
export type { OriginRoleProps } from './origin-role.js';
export {
  ENV_FILE, HEALTHY_WITHIN_SECONDS, INSTALL_DIR, INSTALLER, RETRY_ATTEMPTS, RETRY_MAX_DELAY_SECONDS, UNIT_NAME,
  originEnvFile, originSettings, renderInstaller, renderUpdate, renderUpdateScript, renderUserData,
} from './user-data.js';
export type { ArtifactRef, OriginSettings, UpdateOptions, UserDataOptions } from './user-data.js';
