export * from './errors.js';
export type { Identity, IdentitySources, SourceName } from './identity.js';
export { createIdentity, fieldSources, regionFromAvailabilityZone } from './identity.js';
export type { IdentityJson } from './format.js';
export { identityJson, identityText, identityTxt } from './format.js';
export { ImdsClient } from './imds.js';
export { IMDS_PATHS, isEc2Host, osFields, resolveIdentity } from './resolve.js';
export {
  AZ_RE, DEFAULT_DMI_PATH, DEFAULT_IMDS_ENDPOINT, ENV_NAMES, FIELD_NAMES, FIELDS, IMDS_OPTIONS, INSTANCE_ID_RE, MAX_ID_BYTES, OPTIONS, REGION_RE, SOURCE_MODES, validateField,
} from './options.js';
export type { FieldName, IdentityFields, IdentitySourceMode, ImdsClientOptions, ResolveIdentityOptions } from './options.js';
