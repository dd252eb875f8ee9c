/**
 * IAM on Nimbus's endpoint: the wire-service face of `IamService` (Query protocol,
 * `Action=...&Version=2010-05-08`, signed for service `iam`; clients sign it for us-east-1, IAM's
 * one region). A form POST to `/` is told apart from SQS's and SNS's by its `Version`.
 */
import { randomUUID } from 'node:crypto';
import type { WireRequest, WireService } from '../services/types.js';
import { errorResponse } from './shapes.js';
import { IAM_VERSION, iamParams, type IamService } from './service.js';

const BODY_LIMIT = 1024 * 1024;

const isForm = (req: WireRequest): boolean => String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

export function iamWireService(iam: IamService): WireService {
  return {
    name: 'iam',
    bodyLimit: BODY_LIMIT,
    classify: (req) => {
      if (req.path !== '/' || req.headers['x-amz-target'] !== undefined) return 'no';
      if (req.query.has('Action')) return req.query.get('Version') === IAM_VERSION ? 'yes' : 'no';
      return req.method === 'POST' && isForm(req) ? 'body' : 'no';
    },
    claims: (req) => {
      const p = iamParams(req);
      return p.has('Action') && p.get('Version') === IAM_VERSION;
    },
    // The role a request names (its path is not known without a read: `role/<name>`), else `*`.
    resources: (req, scope) => {
      const name = iamParams(req).get('RoleName');
      return name ? [`arn:aws:iam::${scope.accountId}:role/${name}`] : ['*'];
    },
    handle: (req) => iam.handle(req),
    refuse: (_req, status, code, message) => errorResponse(status, code === 'RequestTooLarge' ? 'ValidationError' : code === 'InternalError' ? 'ServiceFailure' : code, message, randomUUID()),
  };
}
