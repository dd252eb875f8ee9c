/**
 * OpenAPI definitions of SAM APIs (sam/openapi.ts, sam/definition.ts): the routes, authorizers and
 * CORS planned from `DefinitionBody` (inline, AWS::Include), `DefinitionUri` (a file, S3), merged
 * with the functions' events; what is not served is named; malformed documents are deploy errors
 * that name the place.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { definitionLocations } from '../../src/sam/definition.js';
import { SamError } from '../../src/sam/errors.js';
import { planDeployment, type DeployPlan } from '../../src/sam/plan.js';
import { parseTemplate } from '../../src/sam/template.js';

const dir = mkdtempSync(join(tmpdir(), 'nimbus-openapi-unit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const opts = { stack: 'shop', stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/0d1c2b3a', region: 'eu-west-1', accountId: '123456789012', baseDir: dir, role: 'arn:aws:iam::123456789012:role/deployer', endpoint: 'http://127.0.0.1:9000' };
const plan = (text: string, definitions?: Map<string, string>): DeployPlan =>
  planDeployment(parseTemplate(`Transform: AWS::Serverless-2016-10-31\n${text}`), { ...opts, ...(definitions ? { definitions } : {}) });
const FN = `  Fn:
    Type: AWS::Serverless::Function
    Properties: { FunctionName: shop-fn, Runtime: nodejs20.x, Handler: a.b, InlineCode: x }
  Q: { Type: AWS::SQS::Queue, Properties: { QueueName: jobs } }
`;
const URI = "!Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations'";
const api = (p: DeployPlan, id: string) => {
  const a = p.apis.find((x) => x.logicalId === id);
  assert.ok(a, `no API ${id}`);
  return a;
};

test('inline OpenAPI 3 on an HTTP API: Lambda proxy routes, ANY, $default, service integrations, security, CORS; events merged in', () => {
  const p = plan(`Resources:
${FN}  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: 3.0.1
        security: [{ Keys: [] }]
        components:
          securitySchemes:
            Keys:
              type: apiKey
              x-amazon-apigateway-authorizer: { type: request, authorizerUri: ${URI}, authorizerPayloadFormatVersion: '2.0', enableSimpleResponses: true, identitySource: '$request.header.x-key' }
            Jwt:
              type: oauth2
              x-amazon-apigateway-authorizer: { type: jwt, jwtConfiguration: { issuer: x } }
        paths:
          /items/{id}:
            get:
              x-amazon-apigateway-integration: { type: aws_proxy, payloadFormatVersion: '2.0', uri: ${URI} }
            delete:
              security: [{ Jwt: [] }]
              x-amazon-apigateway-integration: { type: AWS_PROXY, payloadFormatVersion: '1.0', uri: !GetAtt Fn.Arn }
          /open:
            get:
              security: []
              x-amazon-apigateway-integration: { type: aws_proxy, uri: !GetAtt Fn.Arn }
          /send:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                integrationSubtype: SQS-SendMessage
                requestParameters: { QueueUrl: !Ref Q, MessageBody: $request.body.order, MessageGroupId: $request.header.x-group, DelaySeconds: '5' }
          /flow:
            post:
              x-amazon-apigateway-integration: { type: aws_proxy, integrationSubtype: StepFunctions-StartExecution, requestParameters: { StateMachineArn: x } }
          /$default:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration: { type: aws_proxy, payloadFormatVersion: '2.0', uri: !GetAtt Fn.Arn }
        x-amazon-apigateway-cors: { allowOrigins: ['https://a.example'], allowMethods: [GET], maxAge: 60, allowCredentials: true }
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: a.b
      InlineCode: x
      Events:
        Ping: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /ping, Method: get } }
`);
  const a = api(p, 'Api');
  const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:shop-fn';
  assert.deepEqual(a.routes.slice(0, 5), [
    { Method: 'GET', Path: '/items/{id}', FunctionName: arn, PayloadFormatVersion: '2.0', Authorizer: 'Keys' },
    { Method: 'DELETE', Path: '/items/{id}', FunctionName: arn, PayloadFormatVersion: '1.0' },
    { Method: 'GET', Path: '/open', FunctionName: arn, PayloadFormatVersion: '2.0' },
    {
      Method: 'POST',
      Path: '/send',
      Integration: { Subtype: 'SQS-SendMessage', RequestParameters: { QueueUrl: 'http://127.0.0.1:9000/123456789012/jobs', MessageBody: '$request.body.order', MessageGroupId: '$request.header.x-group', DelaySeconds: '5' } },
      PayloadFormatVersion: '1.0',
      Authorizer: 'Keys',
    },
    { Method: 'ANY', Path: '$default', FunctionName: arn, PayloadFormatVersion: '2.0', Authorizer: 'Keys' },
  ]);
  // The event's route comes after, with the document's security (API Gateway applies it to every operation without its own).
  assert.equal(a.routes[5]!.Path, '/ping');
  assert.equal(a.routes[5]!.Authorizer, 'Keys');
  assert.deepEqual(a.authorizers['Keys'], {
    FunctionName: arn,
    PayloadType: 'REQUEST',
    PayloadFormatVersion: '2.0',
    EnableSimpleResponses: true,
    IdentitySource: ['$request.header.x-key'],
    ResultTtlInSeconds: 0,
  });
  assert.deepEqual(a.cors, { AllowOrigins: ['https://a.example'], AllowMethods: ['GET'], MaxAge: 60, AllowCredentials: true });
  const w = p.warnings.join('\n');
  assert.match(w, /Api: these operations of its OpenAPI definition are not served by Nimbus: POST \/flow: service integration StepFunctions-StartExecution is not served by Nimbus/);
  assert.match(w, /security scheme Jwt of its OpenAPI definition is not a Lambda authorizer/);
  assert.doesNotMatch(w, /IAM::Role|cannot resolve/);
});

test('Swagger 2 on a REST API: TOKEN authorizer from securityDefinitions, method.request identity sources, non-proxy integrations named', () => {
  const p = plan(`Resources:
${FN}  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      DefinitionBody:
        swagger: '2.0'
        security: [{ Tok: [] }]
        securityDefinitions:
          Tok:
            type: apiKey
            x-amazon-apigateway-authorizer: { type: token, authorizerUri: ${URI}, identitySource: method.request.header.X-Token, identityValidationExpression: '^t-' }
        paths:
          /a:
            get: { x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: ${URI} } }
            post: { x-amazon-apigateway-integration: { type: aws, httpMethod: POST, uri: ${URI}, requestTemplates: { application/json: '{}' }, responses: { default: { statusCode: '202', responseParameters: { method.response.header.X-A: "'b'" } } } } }
            options: { x-amazon-apigateway-integration: { type: mock } }
            put: { responses: {} }
`);
  const a = api(p, 'Rest');
  const fnArn = 'arn:aws:lambda:eu-west-1:123456789012:function:shop-fn';
  assert.deepEqual(a.routes, [
    { Method: 'GET', Path: '/a', FunctionName: fnArn, PayloadFormatVersion: '1.0', Authorizer: 'Tok' },
    // A non-proxy integration: its templates and responses, in the stack API's shape.
    {
      Method: 'POST',
      Path: '/a',
      FunctionName: fnArn,
      PayloadFormatVersion: '1.0',
      Mapping: { RequestTemplates: { 'application/json': '{}' }, PassthroughBehavior: 'WHEN_NO_MATCH', Responses: [{ SelectionPattern: 'default', StatusCode: 202, ResponseTemplates: {}, ResponseParameters: { 'X-A': "'b'" } }] },
      Authorizer: 'Tok',
    },
    { Method: 'OPTIONS', Path: '/a', PayloadFormatVersion: '1.0', Mapping: { Mock: true, RequestTemplates: {}, PassthroughBehavior: 'WHEN_NO_MATCH', Responses: [] }, Authorizer: 'Tok' },
  ]);
  assert.deepEqual(a.authorizers['Tok'], {
    FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-fn',
    PayloadType: 'TOKEN',
    PayloadFormatVersion: '1.0',
    EnableSimpleResponses: false,
    IdentitySource: ['$request.header.X-Token'],
    ValidationExpression: '^t-',
    ResultTtlInSeconds: 300,
  });
  assert.ok(
    p.warnings.includes('Rest: these operations of its OpenAPI definition are not served by Nimbus: PUT /a: no x-amazon-apigateway-integration'),
    p.warnings.join('\n'),
  );
});

test('AWS::Include and DefinitionUri read files beside the template (YAML with short tags, or JSON) and S3 objects given beforehand', () => {
  writeFileSync(join(dir, 'api.yaml'), `openapi: 3.0.1\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: { type: aws_proxy, payloadFormatVersion: '2.0', uri: !GetAtt Fn.Arn }\n`);
  writeFileSync(join(dir, 'api.json'), JSON.stringify({ openapi: '3.0.1', paths: { '/y': { post: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: { 'Fn::GetAtt': ['Fn', 'Arn'] } } } } } }));
  const s3 = `openapi: 3.0.1\npaths:\n  /z:\n    get:\n      x-amazon-apigateway-integration: { type: aws_proxy, uri: !GetAtt Fn.Arn }\n`;
  const text = `Resources:
${FN}  A:
    Type: AWS::Serverless::HttpApi
    Properties: { DefinitionBody: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: api.yaml } } } }
  B:
    Type: AWS::Serverless::HttpApi
    Properties: { DefinitionUri: ./api.json }
  C:
    Type: AWS::Serverless::HttpApi
    Properties: { DefinitionUri: { Bucket: defs, Key: c.yaml } }
  D:
    Type: AWS::Serverless::HttpApi
    Properties: { DefinitionBody: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://defs/c.yaml' } } } }
`;
  assert.deepEqual(definitionLocations(parseTemplate(text)), ['s3://defs/c.yaml']);
  const p = plan(text, new Map([['s3://defs/c.yaml', s3]]));
  assert.deepEqual(api(p, 'A').routes.map((r) => `${r.Method} ${r.Path}`), ['GET /x']);
  assert.deepEqual(api(p, 'B').routes.map((r) => `${r.Method} ${r.Path}`), ['POST /y']);
  assert.deepEqual(api(p, 'C').routes.map((r) => `${r.Method} ${r.Path}`), ['GET /z']);
  assert.deepEqual(api(p, 'D').routes.map((r) => `${r.Method} ${r.Path}`), ['GET /z']);
  assert.throws(() => plan(text, new Map()), /C\.DefinitionUri: cannot read s3:\/\/defs\/c\.yaml \(not found in Nimbus's S3\)/);
  // nimbus deploy -t deploys local files; a packaged template goes through CloudFormation's API.
  assert.throws(() => plan(text), /C\.DefinitionUri: s3:\/\/defs\/c\.yaml: S3 locations are not supported by nimbus deploy -t/);
});

test('malformed definitions are deploy errors that name the API and the place', () => {
  const cases: [string, RegExp][] = [
    ['DefinitionBody: [1, 2]', /Api: the OpenAPI definition must be a mapping/],
    ['DefinitionBody: { paths: {} }', /Api: the OpenAPI definition has neither "openapi" nor "swagger"/],
    ['DefinitionBody: { openapi: 3.0.1, paths: [1] }', /Api: the OpenAPI definition's paths must be a mapping/],
    ['DefinitionBody: { openapi: 3.0.1, paths: { x: { get: {} } } }', /Api: path x must start with \//],
    ['DefinitionBody: { openapi: 3.0.1, paths: { /x: { get: 7 } } }', /Api: GET \/x must be a mapping/],
    ['DefinitionBody: { openapi: 3.0.1, paths: { /x: { get: { x-amazon-apigateway-integration: 7 } } } }', /Api: GET \/x: x-amazon-apigateway-integration must be a mapping/],
    ['DefinitionBody: { openapi: 3.0.1, paths: { /x: { get: { x-amazon-apigateway-integration: { type: aws_proxy } } } } }', /Api: GET \/x: an aws_proxy integration needs a uri/],
    ["DefinitionBody: { openapi: 3.0.1, paths: { /x: { get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: !GetAtt Fn.Arn, payloadFormatVersion: '3.0' } } } } }", /Api: GET \/x: payloadFormatVersion must be 1.0 or 2.0/],
    ['DefinitionBody: { openapi: 3.0.1, paths: { /x: { post: { x-amazon-apigateway-integration: { type: aws_proxy, integrationSubtype: SQS-SendMessage, requestParameters: { MessageBody: $request.body } } } } } }', /Api: POST \/x: SQS-SendMessage needs requestParameters QueueUrl/],
    ['DefinitionBody: { openapi: 3.0.1, paths: { /x: { post: { x-amazon-apigateway-integration: { type: aws_proxy, integrationSubtype: SQS-SendMessage, requestParameters: { QueueUrl: !Ref Q, MessageBody: x, Colour: red } } } } } }', /Api: POST \/x: SQS-SendMessage has no parameter Colour/],
    ['DefinitionBody: { openapi: 3.0.1, paths: { /x: { post: { x-amazon-apigateway-integration: { type: aws_proxy, integrationSubtype: EventBridge-PutEvents, requestParameters: { Detail: $request.bogus, DetailType: t, Source: s } } } } } }', /Api: POST \/x: requestParameters.Detail: \$request.bogus is not a mapping expression/],
    ['DefinitionBody: { openapi: 3.0.1, paths: { /x: { post: { x-amazon-apigateway-integration: { type: aws_proxy, integrationSubtype: SQS-SendMessage, requestParameters: { QueueUrl: !Ref Nowhere, MessageBody: x } } } } } }', /Api: POST \/x: requestParameters.QueueUrl must be a string \(an unresolved reference\?\)/],
    ['DefinitionBody: { openapi: 3.0.1, components: { securitySchemes: { K: { x-amazon-apigateway-authorizer: { type: request, authorizerUri: nope } } } }, paths: {} }', /Api: security scheme K: authorizerUri must name a Lambda function/],
    ["DefinitionBody: { openapi: 3.0.1, paths: {} }\n      DefinitionUri: api.yaml", /Api: specify either 'DefinitionUri' or 'DefinitionBody' property and not both/],
    ["DefinitionBody: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: missing.yaml } } }", /Api.DefinitionBody \(AWS::Include\): cannot read missing.yaml: ENOENT/],
    ['DefinitionUri: bad.yaml', /bad.yaml is not valid YAML/],
    ['DefinitionUri: 7', /Api.DefinitionUri: the location must be a file path, an s3:\/\/ URI or \{Bucket, Key\}/],
  ];
  writeFileSync(join(dir, 'bad.yaml'), 'openapi: 3.0.1\npaths:\n  /x: [unclosed\n');
  for (const [props, want] of cases) {
    assert.throws(
      () => plan(`Resources:\n${FN}  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      ${props}\n`),
      (e: unknown) => e instanceof SamError && want.test(e.message),
      props,
    );
  }
});

test("a function's event may not define a route its API's definition has (as SAM refuses it)", () => {
  assert.throws(
    () =>
      plan(`Resources:
${FN}  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody: { openapi: 3.0.1, paths: { /x: { get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: !GetAtt Fn.Arn } } } } }
  Other:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b, InlineCode: x, Events: { E: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /x, Method: GET } } } }
`),
    /Other: route GET \/x of Api is already used by Api's OpenAPI definition/,
  );
});

test('AWS::ApiGatewayV2::Api and AWS::ApiGateway::RestApi with a Body are served as SAM APIs, staged by their Stage or Deployment', () => {
  const p = plan(`Resources:
${FN}  V2:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: v2
      ProtocolType: HTTP
      Body: { openapi: 3.0.1, paths: { /x: { get: { x-amazon-apigateway-integration: { type: aws_proxy, payloadFormatVersion: '2.0', uri: !GetAtt Fn.Arn } } } } }
  V2Stage: { Type: AWS::ApiGatewayV2::Stage, Properties: { ApiId: !Ref V2, StageName: live, AutoDeploy: true } }
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: rest
      Body: { swagger: '2.0', paths: { /y: { post: { x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: ${URI} } } } } }
  RestDeployment: { Type: AWS::ApiGateway::Deployment, Properties: { RestApiId: !Ref Rest, StageName: prod } }
  Routed: { Type: AWS::ApiGatewayV2::Api, Properties: { Name: routed, ProtocolType: HTTP } }
  Socket: { Type: AWS::ApiGatewayV2::Api, Properties: { Name: ws, ProtocolType: WEBSOCKET, Body: {} } }
Outputs:
  Url: { Value: !GetAtt V2.ApiEndpoint }
`);
  assert.deepEqual([api(p, 'V2').type, api(p, 'V2').stage, api(p, 'V2').routes.map((r) => `${r.Method} ${r.Path} ${r.PayloadFormatVersion}`)], ['HTTP', 'live', ['GET /x 2.0']]);
  assert.deepEqual([api(p, 'Rest').type, api(p, 'Rest').stage, api(p, 'Rest').routes.map((r) => `${r.Method} ${r.Path} ${r.PayloadFormatVersion}`)], ['REST', 'prod', ['POST /y 1.0']]);
  assert.equal(p.apis.length, 2);
  assert.equal(p.outputs['Url'], `https://${api(p, 'V2').id}.execute-api.eu-west-1.amazonaws.com`);
  const w = p.warnings.join('\n');
  assert.match(w, /Routed: AWS::ApiGatewayV2::Api without Body or BodyS3Location: its routes \(AWS::ApiGatewayV2::Route resources\) are not served by Nimbus; skipped/);
  assert.match(w, /Socket: a WEBSOCKET API is not served by Nimbus; skipped/);
  assert.doesNotMatch(w, /V2Stage|RestDeployment|not supported/);
});
