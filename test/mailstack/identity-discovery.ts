/**
 * The discovery documents of the local identity platform, shaped like Entra's: MSAL reads the
 * OpenID configuration first and checks that its issuer has the authority's host.
 */
export function openIdConfiguration(
  url: string,
  authorityHost: string,
  tenantId: string,
  issuer: string
) {
  const base = `${url}/${tenantId}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${url}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'tid',
      'ver',
      'oid',
      'email',
    ],
    tenant_region_scope: 'EU',
    cloud_instance_name: authorityHost,
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/** What MSAL asks login.microsoftonline.com when the authority is not "known". */
export function instanceDiscovery(
  url: string,
  authorityHost: string,
  authorizationEndpoint: string
) {
  const tenant = /^https?:\/\/[^/]+\/([^/]+)/.exec(authorizationEndpoint)?.[1] ?? '{tenant}';
  return {
    tenant_discovery_endpoint: `${url}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [
      {
        preferred_network: authorityHost,
        preferred_cache: authorityHost,
        aliases: [authorityHost],
      },
    ],
  };
}
