// Runs the npm package oidc-provider, a certified OpenID Connect and OAuth
// 2.0 authorization server, on a loopback port for the oauth package's
// tests. Usage: node oidc-provider.mjs <path of oidc-provider/lib/index.js>
// It prints {"issuer": "..."} on one line once it listens, and runs until
// its standard input closes.
//
// Configuration: open dynamic client registration, resource indicators
// (RFC 8707) issuing JWT access tokens for the requested resource, refresh
// tokens for clients that may use them, and the package's development
// sign-in pages (any login and password are accepted).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const { default: Provider } = await import(pathToFileURL(process.argv[2]).href);

let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    features: {
      registration: { enabled: true },
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resource) => ({
          scope: 'mcp:read mcp:write',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
        }),
      },
    },
    scopes: ['openid', 'offline_access'],
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    cookies: { keys: ['oauth-package-tests'] },
  });
  handler = provider.callback();
  process.stdout.write(JSON.stringify({ issuer }) + '\n');
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
