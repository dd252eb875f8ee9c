/**
 * What OpenAPI definitions add to routes: the stack API's checks of a route's service
 * `Integration` and REST `Validation`, HTTP API parameter mapping, request validation's answers,
 * and SAM's RequestModel/RequestParameters planning.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteService } from '../../src/api/http-routes/service.js';
import { NimbusError } from '../../src/core/errors.js';
import { mapParameters } from '../../src/httpapi/parameter-mapping.js';
import type { HttpRequestInfo } from '../../src/httpapi/request.js';
import { validateRequest } from '../../src/httpapi/validation.js';
import { SamError } from '../../src/sam/errors.js';
import { eventValidation, modelSchema } from '../../src/sam/validation.js';
import { MemoryStore } from '../../src/store/memory.js';

const scope = { accountId: '123456789012', region: 'eu-west-1' };
const service = new RouteService(new MemoryStore());
const api = (type: 'REST' | 'HTTP', route: Record<string, unknown>): unknown[] => [{ LogicalId: 'Api', ApiId: 'abcdefghij', Type: type, StageName: type === 'REST' ? 'Prod' : '$default', Routes: [{ Method: 'POST', Path: '/a', ...route }] }];
const refused = (list: unknown[], message: RegExp): void => assert.throws(() => service.parse(scope, 's', list), (e: Error) => e instanceof NimbusError && message.test(e.message), String(message));

test('the stack API takes service integrations on HTTP APIs and validation on REST APIs, and refuses the rest', () => {
  const ok = service.parse(scope, 's', api('HTTP', { Integration: { Subtype: 'SQS-SendMessage', RequestParameters: { QueueUrl: 'q', MessageBody: '$request.body' } } }));
  assert.deepEqual(ok.routes[0]!.integration, { subtype: 'SQS-SendMessage', parameters: { QueueUrl: 'q', MessageBody: '$request.body' } });
  assert.equal(ok.routes[0]!.functionName, '');
  const v = service.parse(scope, 's', api('REST', { FunctionName: 'f', Validation: { RequiredParameters: ['header.x'], BodySchemas: { 'application/json': { type: 'object' } } } }));
  assert.deepEqual(v.routes[0]!.validation, { requiredParameters: ['header.x'], bodySchemas: { 'application/json': { type: 'object' } } });
  refused(api('HTTP', { Integration: { Subtype: 'StepFunctions-StartExecution' } }), /Member must satisfy enum value set: \[SQS-SendMessage, SQS-ReceiveMessage, SQS-DeleteMessage, SQS-PurgeQueue, EventBridge-PutEvents\]/);
  refused(api('REST', { Integration: { Subtype: 'SQS-SendMessage' } }), /Service integrations belong to HTTP APIs/);
  refused(api('HTTP', { Integration: { Subtype: 'SQS-SendMessage', RequestParameters: { QueueUrl: 7 } } }), /Member must be a map of strings/);
  refused(api('HTTP', { FunctionName: 'f', Validation: { RequiredParameters: [] } }), /Request validation belongs to REST APIs/);
  refused(api('REST', { FunctionName: 'f', Validation: { RequiredParameters: ['cookie.x'] } }), /querystring.<name>, header.<name> or path.<name>/);
  refused(api('REST', { FunctionName: 'f', Validation: { BodySchemas: { 'application/json': { type: 'nonsense' } } } }), /The model for application\/json is not a valid JSON Schema \(draft-04\)/);
});

const request = (body: string, headers: string[] = [], query = ''): HttpRequestInfo => ({
  method: 'POST',
  rawPath: '/a',
  rawQuery: query,
  rawHeaders: headers,
  body: Buffer.from(body),
  sourceIp: '127.0.0.1',
  protocol: 'HTTP/1.1',
  time: 0,
});

test('HTTP API parameter mapping: the body, its members, headers, query strings, path parameters, context, literals', () => {
  const out = mapParameters(
    {
      Whole: '$request.body',
      Text: '$request.body.order.note',
      Object: '$request.body.order',
      Item: '$request.body.items[1]',
      Missing: '$request.body.nothing.here',
      Header: '$request.header.X-Group',
      Query: '$request.querystring.tag',
      Path: '$request.path.id',
      Ctx: '$context.requestId',
      Literal: 'WebShop',
    },
    {
      request: request('{"order":{"note":"hi","n":2},"items":[1,{"k":true}]}', ['X-Group', 'g1', 'x-group', 'g2'], 'tag=a&tag=b'),
      pathParameters: { id: '7' },
      context: { requestId: 'r-1' },
    },
  );
  assert.deepEqual(out, {
    Whole: '{"order":{"note":"hi","n":2},"items":[1,{"k":true}]}',
    Text: 'hi',
    Object: '{"note":"hi","n":2}',
    Item: '{"k":true}',
    Header: 'g1,g2',
    Query: 'a,b',
    Path: '7',
    Ctx: 'r-1',
    Literal: 'WebShop',
  });
  // A body that is not JSON has no members.
  assert.deepEqual(mapParameters({ A: '$request.body.a', B: '$request.body' }, { request: request('plain'), pathParameters: undefined, context: {} }), { B: 'plain' });
});

test('request validation: parameters first, then the body of the request content type against its draft-04 model', () => {
  const v = { requiredParameters: ['querystring.owner', 'header.x-shop'], bodySchemas: { 'application/json': { type: 'object', required: ['n'], properties: { n: { type: 'integer', maximum: 5, exclusiveMaximum: true } } } } };
  const r = (body: string, headers: [string, string][] = [], query: [string, string][] = []) => ({
    headers: new Map(headers.map(([k, x]) => [k, [x]])),
    query: new Map(query.map(([k, x]) => [k, [x]])),
    pathParameters: undefined,
    body: Buffer.from(body),
  });
  assert.equal(validateRequest(v, r('{"n":1}')), 'Missing required request parameters: [owner, x-shop]');
  assert.equal(validateRequest(v, r('{"n":1}', [['x-shop', ' ']], [['owner', 'kim']])), 'Missing required request parameters: [x-shop]');
  const full = (body: string, type?: string) => r(body, [['x-shop', 'n'], ...(type ? [['content-type', type] as [string, string]] : [])], [['owner', 'kim']]);
  assert.equal(validateRequest(v, full('{"n":4}')), undefined);
  assert.equal(validateRequest(v, full('{"n":5}')), 'Invalid request body', 'draft-04 exclusiveMaximum is a boolean');
  assert.equal(validateRequest(v, full('{"n":4}', 'application/json; charset=utf-8')), undefined);
  assert.equal(validateRequest(v, full('')), 'Invalid request body');
  assert.equal(validateRequest(v, full('<n/>', 'application/xml')), undefined, 'no model for the type: not validated');
});

test("SAM's RequestModel and RequestParameters: a validator only when ValidateBody or ValidateParameters is given; models by name", () => {
  const models = { Order: { type: 'object', properties: { line: { $ref: 'https://apigateway.amazonaws.com/restapis/abc/models/Line' } } }, Line: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } };
  assert.equal(eventValidation({ RequestModel: { Model: 'Order', Required: true } }, models, 'F.Events.E'), undefined);
  assert.deepEqual(eventValidation({ RequestModel: { Model: 'Order', ValidateBody: true }, RequestParameters: [{ 'method.request.header.x': { Required: true } }] }, models, 'F.Events.E'), {
    RequiredParameters: [],
    BodySchemas: { 'application/json': modelSchema(models.Order, models, 'x') },
  });
  const schema = modelSchema(models.Order, models, 'x');
  assert.deepEqual(schema['properties'], { line: { $ref: '#/definitions/Line' } });
  assert.deepEqual((schema['definitions'] as Record<string, unknown>)['Line'], { type: 'object' });
  assert.deepEqual(eventValidation({ RequestModel: { Model: 'Order', ValidateParameters: true }, RequestParameters: ['method.request.querystring.a', { 'method.request.querystring.b': { Required: true } }] }, models, 'F'), { RequiredParameters: ['querystring.b'] });
  assert.throws(() => eventValidation({ RequestModel: { Model: 'Nope', ValidateBody: true } }, models, 'F.Events.E'), (e: Error) => e instanceof SamError && /F\.Events\.E\.RequestModel\.Model: Nope is not one of the API's Models/.test(e.message));
  assert.throws(() => eventValidation({ RequestParameters: ['query.a'] }, models, 'F'), /query\.a is not method\.request\.querystring/);
});
