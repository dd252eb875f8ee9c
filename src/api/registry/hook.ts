/**
 * The container registry (src/registry) on Nimbus's one endpoint, under `/v2/`: the OCI
 * Distribution API that skopeo, podman, buildah, crane and docker push to and pull from.
 *
 * Registry clients never sign with SigV4: they log in with HTTP Basic, as with ECR (user `AWS`,
 * the password from GetAuthorizationToken / `aws ecr get-login-password`). So the server's SigV4
 * check is skipped for these paths and this hook authenticates (the Host/browser guard still
 * applies). With `--auth keys` every request needs that password, or an access key id and its
 * secret as user and password; in local mode anything (or nothing) is accepted, as for the other
 * APIs, and a valid password still selects its account and region.
 */
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { NimbusError, type WireCode } from '../../core/errors.js';
import { DEFAULT_ACCOUNT, type ActiveKey, type Principal } from '../../auth/principal.js';
import { RegistryError } from '../../registry/errors.js';
import type { RegistryResponse, RegistryService } from '../../registry/service.js';
import type { RegistryTokens } from '../../registry/tokens.js';
import type { Authenticated } from '../http/authn.js';
import { discardBody } from '../http/body.js';
import type { Reply, RequestContext } from '../http/context.js';
import type { HookMatch, RouteHook, Security } from '../http/server.js';

export interface RegistryHookDeps {
  registry: RegistryService;
  tokens: RegistryTokens;
  security?: Security | undefined;
  now: () => number;
  log: (line: string) => void;
}

const CHALLENGE = 'Basic realm="Nimbus registry"';

function errorReply(e: RegistryError, method: string): Reply {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' };
  if (e.status === 401) headers['WWW-Authenticate'] = CHALLENGE;
  return { status: e.status, headers, body: method === 'HEAD' ? undefined : e.body() };
}

function toReply(r: RegistryResponse): Reply {
  if (!r.stream) {
    const headers: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(r.headers)) if (k !== 'Content-Length') headers[k] = v;
    // A HEAD answers with the length of what a GET would send.
    if (r.body === undefined && r.headers['Content-Length'] !== undefined && r.status === 200) {
      return { status: r.status, stream: async (res) => void res.writeHead(r.status, r.headers).end() };
    }
    return { status: r.status, headers, body: r.body };
  }
  const stream = r.stream;
  return {
    status: r.status,
    stream: async (res: http.ServerResponse) => {
      res.writeHead(r.status, r.headers);
      try {
        await pipeline(stream, res);
      } catch {
        res.destroy();
      }
    },
  };
}

/** Who is calling, from the Basic credentials: the account and region the registry acts in. */
async function identify(req: http.IncomingMessage, d: RegistryHookDeps): Promise<{ accountId: string; region: string; principal?: Principal }> {
  const authn = d.security?.authenticator;
  const regions = authn?.config.regions ?? ['us-east-1'];
  const local = !authn || authn.mode === 'local';
  const fallback = { accountId: DEFAULT_ACCOUNT, region: regions[0] ?? 'us-east-1' };
  const auth = req.headers.authorization;
  const basic = typeof auth === 'string' && /^Basic\s+/i.test(auth) ? Buffer.from(auth.replace(/^Basic\s+/i, ''), 'base64').toString('utf8') : undefined;
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    const user = colon < 0 ? basic : basic.slice(0, colon);
    const password = colon < 0 ? '' : basic.slice(colon + 1);
    const claims = user === 'AWS' ? d.tokens.verify(password, d.now()) : null;
    if (claims) {
      const region = regions.includes(claims.r) ? claims.r : fallback.region;
      if (claims.k === undefined || !authn) return { accountId: claims.a, region };
      // Issued to a key: that key's policies apply, and a revoked key's passwords stop working.
      const key = await authn.config.keys.activeKey(claims.k);
      if (key && key.accountId === claims.a) return { accountId: claims.a, region, principal: keyPrincipal(key) };
      throw new RegistryError('UNAUTHORIZED', 'Your authorization token is invalid or has expired.');
    }
    if (authn && user !== 'AWS') {
      const key = await authn.config.keys.activeKey(user);
      if (key && sameSecret(key.secret, password)) return { accountId: key.accountId, region: fallback.region, principal: keyPrincipal(key) };
    }
    if (!local) throw new RegistryError('UNAUTHORIZED', 'Your authorization token is invalid or has expired.');
  }
  if (local) return fallback;
  throw new RegistryError('UNAUTHORIZED', 'authentication required');
}

/** Compares a key's secret in constant time. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const keyPrincipal = (key: ActiveKey): Principal => ({
  kind: 'key',
  accountId: key.accountId,
  accessKeyId: key.accessKeyId,
  arn: `arn:aws:iam::${key.accountId}:user/${key.name}`,
  policies: key.policy ? [key.policy] : undefined,
});

/** The IAM action a registry request is, as ECR names the permissions behind each registry call. */
function actionOf(method: string, path: string): string {
  if (method === 'DELETE') return 'ecr:BatchDeleteImage';
  if (path.includes('/blobs/uploads')) return 'ecr:UploadLayerPart';
  if (path.includes('/blobs/')) return method === 'HEAD' ? 'ecr:BatchCheckLayerAvailability' : 'ecr:GetDownloadUrlForLayer';
  if (path.endsWith('/tags/list')) return 'ecr:ListImages';
  return method === 'PUT' ? 'ecr:PutImage' : 'ecr:BatchGetImage';
}

export function registryHook(d: RegistryHookDeps): RouteHook {
  return (req, path) => {
    if (path !== '/v2' && !path.startsWith('/v2/')) return undefined;
    const match: HookMatch = {
      params: {},
      api: true,
      ownAuth: true,
      service: 'ecr',
      handler: async (ctx: RequestContext) => {
        const method = ctx.method;
        (ctx as RequestContext & Authenticated).bodyRead = true;
        try {
          const who = await identify(req, d);
          const repo = /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(path)?.[1];
          if (who.principal && d.security && repo) {
            d.security.authorizer.checkIdentity(who.principal, actionOf(method, path), `arn:aws:ecr:${who.region}:${who.accountId}:repository/${repo}`);
          }
          const reply = toReply(await d.registry.handle({ method, path, query: ctx.query, headers: req.headers, body: req, accountId: who.accountId, region: who.region }));
          if (!req.complete) discardBody(req, 1024 * 1024);
          return reply;
        } catch (e) {
          if (!req.complete) discardBody(req, 1024 * 1024);
          return errorReply(asRegistryError(e, d.log), method);
        }
      },
      renderError: (err: NimbusError & { code: WireCode }) => errorReply(asRegistryError(err, d.log), req.method ?? 'GET'),
    };
    return match;
  };
}

function asRegistryError(e: unknown, log: (line: string) => void): RegistryError {
  if (e instanceof RegistryError) return e;
  if (e instanceof NimbusError) {
    if (e.code === 'ERR_ACCESS_DENIED') return new RegistryError('DENIED', e.message);
    if (e.code === 'ERR_SHUTTING_DOWN') return new RegistryError('TOOMANYREQUESTS', e.message);
    if (e.code === 'ERR_MISSING_AUTH_TOKEN') return new RegistryError('UNAUTHORIZED', e.message);
    return new RegistryError('DENIED', e.message);
  }
  log(`registry: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  const r = new RegistryError('UNSUPPORTED', 'internal error');
  return Object.assign(r, { status: 500 });
}
