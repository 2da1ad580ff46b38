export * from './errors.js';
export type { FieldName, Identity, IdentityFields, IdentitySources, SourceName } from './identity.js';
export { createIdentity, fieldSources, FIELD_NAMES, validateField } from './identity.js';
export type { IdentityJson } from './format.js';
export { identityJson, identityText, identityTxt } from './format.js';
export type { ImdsClientOptions } from './imds.js';
export { DEFAULT_IMDS_ENDPOINT, IMDS_DEFAULTS, ImdsClient } from './imds.js';
export type { IdentitySourceMode, ResolveIdentityOptions } from './resolve.js';
export { DEFAULT_DMI_PATH, ENV_NAMES, IMDS_PATHS, isEc2Host, osFields, resolveIdentity, SOURCE_MODES } from './resolve.js';
export {
  AZ_RE, INSTANCE_ID_RE, MAX_ID_BYTES, REGION_RE, regionFromAvailabilityZone,
} from './validate.js';
