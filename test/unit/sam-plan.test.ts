/**
 * Planning the SAM features published apps use: InlineCode, zip/jar CodeUri, build metadata,
 * EventInvokeConfig, implicit and explicit APIs, queues, ScheduleV2, settings that are honoured
 * and the list of those that are reported as not applied.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SamError } from '../../src/sam/errors.js';
import { generatedName } from '../../src/sam/names.js';
import { planDeployment, type DeployPlan } from '../../src/sam/plan.js';
import { parseTemplate } from '../../src/sam/template.js';

const opts = { stack: 'shop', stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/0d1c2b3a', region: 'eu-west-1', accountId: '123456789012', baseDir: '/proj', role: 'arn:aws:iam::123456789012:role/deployer' };
/** The name the stack gives a resource without one of its own. */
const N = (logicalId: string): string => generatedName('shop', logicalId, opts.stackId, 64);
const plan = (text: string): DeployPlan => planDeployment(parseTemplate(`Transform: AWS::Serverless-2016-10-31\n${text}`), opts);
const fn = (p: DeployPlan, id: string) => {
  const f = p.functions.find((x) => x.logicalId === id);
  assert.ok(f, `no function ${id}`);
  return f;
};

test('InlineCode, a zip or jar CodeUri, a folder, and the build method from Metadata', () => {
  const p = plan(`Resources:
  Inline:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, Handler: index.handler, InlineCode: "def handler(e, c):\\n    return 1\\n" }
  Jar:
    Type: AWS::Serverless::Function
    Properties: { Runtime: java17, Handler: example.Handler, CodeUri: target/app-1.0.jar }
  Ts:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs22.x, Handler: app.handler, CodeUri: hello-world/ }
    Metadata: { BuildMethod: esbuild, BuildProperties: { Minify: true, EntryPoints: [app.ts] } }
`);
  assert.deepEqual(fn(p, 'Inline').code, { kind: 'inline', text: 'def handler(e, c):\n    return 1\n' });
  assert.deepEqual(fn(p, 'Jar').code, { kind: 'archive', path: '/proj/target/app-1.0.jar' });
  assert.deepEqual(fn(p, 'Ts').code, { kind: 'folder', path: '/proj/hello-world/' });
  assert.deepEqual(fn(p, 'Ts').build, { method: 'esbuild', properties: { Minify: true, EntryPoints: ['app.ts'] } });
  assert.equal(fn(p, 'Jar').build, undefined);
});

test('S3 code locations (what sam package writes) are planned as such, for the server to read', () => {
  const code = (props: string): unknown => plan(`Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: ${props}\n`).functions[0]!.code;
  assert.deepEqual(code('{ Runtime: nodejs20.x, Handler: a.b, CodeUri: "s3://b/dir/k.zip" }'), { kind: 's3', bucket: 'b', key: 'dir/k.zip' });
  assert.deepEqual(code('{ Runtime: nodejs20.x, Handler: a.b, CodeUri: { Bucket: b, Key: k, Version: "3" } }'), { kind: 's3', bucket: 'b', key: 'k', version: '3' });
});

test('plain AWS::Lambda::Function resources are planned as SAM functions, without Globals', () => {
  const p = plan(`Globals:\n  Function: { Timeout: 9 }\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties: { Runtime: python3.12, Handler: index.handler, Code: { ZipFile: "def handler(e, c): return 1" }, TracingConfig: { Mode: Active } }\n  G:\n    Type: AWS::Lambda::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, Code: { S3Bucket: b, S3Key: k.zip } }\n`);
  assert.deepEqual(p.functions.map((f) => [f.logicalId, f.code, f.timeout]), [
    ['F', { kind: 'inline', text: 'def handler(e, c): return 1' }, undefined],
    ['G', { kind: 's3', bucket: 'b', key: 'k.zip' }, undefined],
  ]);
  assert.deepEqual(p.functions[0]!.settings['TracingConfig'], { Mode: 'Active' });
});

test('code errors say which function and why', () => {
  const bad = (props: string, message: RegExp): void =>
    assert.throws(() => plan(`Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: ${props}\n`), (e: Error) => e instanceof SamError && message.test(e.message));
  bad('{ Runtime: java17, Handler: a.B, InlineCode: "x" }', /F: InlineCode works with Node.js and Python runtimes only, not java17/);
  bad('{ Runtime: nodejs20.x, Handler: a.b, InlineCode: "x", CodeUri: src }', /F: give either InlineCode or CodeUri, not both/);
  bad('{ Runtime: nodejs20.x, Handler: a.b, CodeUri: { Bucket: b } }', /F: CodeUri \{Bucket, Key\} needs both as strings/);
  bad('{ Runtime: nodejs20.x, Handler: a.b, Layers: arn:aws:lambda:eu-west-1:1:layer:x:1 }', /F\.Layers must be a list of layer version ARNs/);
  bad('{ Runtime: nodejs20.x, Handler: a.b, ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } }', /needs AutoPublishAlias/);
  bad('{ Runtime: nodejs20.x, Handler: a.b, Tracing: Sometimes }', /F\.Tracing must be Active, PassThrough or Disabled/);
});

test('EventInvokeConfig: destinations resolve to functions and queues of the template, on the alias when there is one', () => {
  const p = plan(`Resources:
  Producer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      AutoPublishAlias: live
      EventInvokeConfig:
        MaximumEventAgeInSeconds: 120
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnSuccess: { Type: Lambda, Destination: !GetAtt Consumer.Arn }
          OnFailure: { Type: SQS, Destination: !GetAtt Failures.Arn }
  Consumer:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: app.handler, FunctionName: !Sub "\${AWS::StackName}-consumer" }
  Failures:
    Type: AWS::SQS::Queue
    Properties: { QueueName: failures }
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties: { Queues: [!Ref Failures], PolicyDocument: { Statement: [] } }
`);
  assert.deepEqual(fn(p, 'Producer').eventInvokeConfig, {
    MaximumEventAgeInSeconds: 120,
    MaximumRetryAttempts: 1,
    DestinationConfig: {
      OnSuccess: { Destination: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-consumer' },
      OnFailure: { Destination: 'arn:aws:sqs:eu-west-1:123456789012:failures' },
    },
  });
  assert.equal(fn(p, 'Consumer').eventInvokeConfig, undefined);
  assert.deepEqual(p.queues, [{ logicalId: 'Failures', name: 'failures', arn: 'arn:aws:sqs:eu-west-1:123456789012:failures', attributes: { Policy: '{"Statement":[]}' }, tags: {} }]);
  assert.equal(p.warnings.some((w) => w.startsWith('Policy:')), false, 'a queue policy is applied as CloudFormation applies it, without a warning');
  assert.throws(
    () => plan('Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      Handler: a.b\n      EventInvokeConfig: { DestinationConfig: { OnSuccess: { Type: SQS } } }\n'),
    /F\.EventInvokeConfig\.DestinationConfig\.OnSuccess\.Destination must be an ARN Nimbus can resolve/,
  );
});

test('Lambda authorizers: SAM Auth becomes the API authorizers and each route its own, NONE opens a route, Cognito is named and left open', () => {
  const p = plan(`Resources:
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok: { FunctionArn: !GetAtt AuthFn.Arn, Identity: { Header: X-Token, ValidationExpression: "Bearer .+", ReauthorizeEvery: 30 } }
          Req: { FunctionArn: !GetAtt AuthFn.Arn, FunctionPayloadType: REQUEST, Identity: { Headers: [a], QueryStrings: [q] } }
          Pool: { UserPoolArn: arn:aws:cognito-idp:eu-west-1:123456789012:userpool/x }
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        Authorizers:
          Simple: { FunctionArn: !GetAtt AuthFn.Arn, AuthorizerPayloadFormatVersion: 2.0, EnableSimpleResponses: true }
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      Events:
        Default: { Type: Api, Properties: { RestApiId: !Ref Rest, Path: /a, Method: get } }
        Open: { Type: Api, Properties: { RestApiId: !Ref Rest, Path: /b, Method: get, Auth: { Authorizer: NONE } } }
        ByRequest: { Type: Api, Properties: { RestApiId: !Ref Rest, Path: /c, Method: get, Auth: { Authorizer: Req } } }
        Cognito: { Type: Api, Properties: { RestApiId: !Ref Rest, Path: /d, Method: get, Auth: { Authorizer: Pool } } }
        Simple: { Type: HttpApi, Properties: { ApiId: !Ref Http, Path: /e, Method: get, Auth: { Authorizer: Simple } } }
        NoDefault: { Type: HttpApi, Properties: { ApiId: !Ref Http, Path: /f, Method: get } }
`);
  const rest = p.apis.find((a) => a.logicalId === 'Rest')!;
  const http = p.apis.find((a) => a.logicalId === 'Http')!;
  const arn = `arn:aws:lambda:eu-west-1:123456789012:function:${N('AuthFn')}`;
  assert.deepEqual(rest.authorizers, {
    Tok: { FunctionName: arn, PayloadType: 'TOKEN', PayloadFormatVersion: '1.0', EnableSimpleResponses: false, IdentitySource: ['$request.header.X-Token'], ValidationExpression: 'Bearer .+', ResultTtlInSeconds: 30 },
    Req: { FunctionName: arn, PayloadType: 'REQUEST', PayloadFormatVersion: '1.0', EnableSimpleResponses: false, IdentitySource: ['$request.header.a', '$request.querystring.q'], ResultTtlInSeconds: 300 },
  });
  assert.deepEqual(http.authorizers, { Simple: { FunctionName: arn, PayloadType: 'REQUEST', PayloadFormatVersion: '2.0', EnableSimpleResponses: true, IdentitySource: [], ResultTtlInSeconds: 0 } });
  assert.deepEqual(rest.routes.map((r) => `${r.Path} ${r.Authorizer ?? '-'}`), ['/a Tok', '/b -', '/c Req', '/d -']);
  assert.deepEqual(http.routes.map((r) => `${r.Path} ${r.Authorizer ?? '-'}`), ['/e Simple', '/f -']);
  assert.ok(p.warnings.some((w) => w.includes('Rest.Auth.Authorizers.Pool: only Lambda authorizers')), p.warnings.join('\n'));
  const bad = (auth: string, event: string, message: RegExp): void =>
    assert.throws(
      () => plan(`Resources:\n  Rest:\n    Type: AWS::Serverless::Api\n    Properties: { StageName: Prod, Auth: ${auth} }\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, Events: { E: { Type: Api, Properties: { RestApiId: !Ref Rest, Path: /x, Method: get${event} } } } }\n`),
      (e: Error) => e instanceof SamError && message.test(e.message),
    );
  bad('{ DefaultAuthorizer: Missing }', '', /Rest\.Auth\.DefaultAuthorizer: Missing is not one of Auth\.Authorizers/);
  bad('{ Authorizers: { A: { FunctionArn: f } } }', ', Auth: { Authorizer: B }', /Fn\.Events: Auth\.Authorizer B is not one of Rest's Auth\.Authorizers/);
  bad('{ Authorizers: { A: { FunctionArn: f, FunctionPayloadType: REQUEST } } }', '', /a REQUEST authorizer with caching needs Identity/);
});

test("a REST API's authorizer with HTTP API keys (AuthorizerPayloadFormatVersion, EnableSimpleResponses) deploys as SAM deploys it: a TOKEN authorizer, the keys ignored and named", () => {
  // As serverless-patterns apigw-lambda-authorizer-custom-header has it.
  const p = plan(`Resources:
  AppApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok: { FunctionArn: !GetAtt AuthFn.Arn, Identity: { Header: AuthorizationToken }, AuthorizerPayloadFormatVersion: 2.0, EnableSimpleResponses: true }
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b }
`);
  const rest = p.apis.find((a) => a.logicalId === 'AppApi')!;
  assert.deepEqual(rest.authorizers['Tok'], {
    FunctionName: `arn:aws:lambda:eu-west-1:123456789012:function:${N('AuthFn')}`,
    PayloadType: 'TOKEN',
    PayloadFormatVersion: '1.0',
    EnableSimpleResponses: false,
    IdentitySource: ['$request.header.AuthorizationToken'],
    ResultTtlInSeconds: 300,
  });
  assert.ok(p.warnings.includes('AppApi.Auth.Authorizers.Tok: AuthorizerPayloadFormatVersion, EnableSimpleResponses are HTTP API settings, ignored on a REST API (as SAM ignores them)'), p.warnings.join('\n'));
});

test('implicit and explicit APIs get stable ids, their own routes, stages and CORS; a route may exist once per API', () => {
  const text = `Globals:
  Api:
    Cors: "'https://shop.example.com'"
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties: { StageName: v1, CorsConfiguration: { AllowOrigins: ["*"], MaxAge: 600 }, Tags: { team: web } }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      Environment: { Variables: { REST: !Ref ServerlessRestApi, HTTP: !Ref Api } }
      Events:
        Hello: { Type: Api, Properties: { Path: /hello, Method: get } }
        Own: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /own, Method: post } }
        Also: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /hello, Method: get } }
Outputs:
  HelloWorldApi:
    Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/Prod/hello/"
  FunctionArn:
    Value: !GetAtt Fn.Arn
  Role:
    Value: !GetAtt FnRole.Arn
  Url:
    Value: !GetAtt FnUrl.FunctionUrl
`;
  const p = plan(text);
  const rest = p.apis.find((a) => a.logicalId === 'ServerlessRestApi');
  const own = p.apis.find((a) => a.logicalId === 'Api');
  assert.ok(rest && own);
  assert.match(rest.id, /^[a-z0-9]{10}$/);
  assert.notEqual(rest.id, own.id);
  assert.deepEqual([rest.type, rest.implicit, rest.stage, own.type, own.implicit, own.stage], ['REST', true, 'Prod', 'HTTP', false, 'v1']);
  assert.deepEqual(rest.cors, { AllowOrigins: ['https://shop.example.com'], AllowMethods: ['*'] }, 'Globals.Api applies to the implicit REST API');
  assert.deepEqual(own.cors, { AllowOrigins: ['*'], MaxAge: 600 });
  assert.equal(p.apis.some((a) => a.logicalId === 'ServerlessHttpApi'), false, 'every HttpApi event names its API');
  assert.deepEqual(fn(p, 'Fn').environment, { REST: rest.id, HTTP: own.id });
  assert.equal(plan(text).apis[0]!.id, rest.id, 'a redeployment keeps the id');
  // The same route on two APIs is two routes: each API has its own host.
  assert.deepEqual(rest.routes, [{ Method: 'GET', Path: '/hello', PayloadFormatVersion: '1.0', FunctionName: N('Fn') }]);
  assert.deepEqual(own.routes, [
    { Method: 'POST', Path: '/own', PayloadFormatVersion: '2.0', FunctionName: N('Fn') },
    { Method: 'GET', Path: '/hello', PayloadFormatVersion: '2.0', FunctionName: N('Fn') },
  ]);
  assert.deepEqual(p.outputs, {
    HelloWorldApi: `https://${rest.id}.execute-api.eu-west-1.amazonaws.com/Prod/hello/`,
    FunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${N('Fn')}`,
    Role: 'arn:aws:iam::123456789012:role/deployer',
  });
  assert.ok(p.warnings.includes('Api (AWS::Serverless::HttpApi): its routes are served by Nimbus; these settings are not applied: Tags'), p.warnings.join('\n'));
  assert.throws(
    () => plan(`Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b, Events: { E: { Type: Api, Properties: { Path: /x, Method: get } } } }
  B:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b, Events: { E: { Type: Api, Properties: { Path: /x, Method: get } } } }
`),
    /B: route GET \/x of ServerlessRestApi is already used by A/,
  );
  assert.throws(
    () => plan(`Resources:
  Rest: { Type: AWS::Serverless::Api, Properties: { StageName: prod } }
  A:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b, Events: { E: { Type: HttpApi, Properties: { ApiId: !Ref Rest, Path: /x, Method: get } } } }
`),
    /A: an HttpApi event cannot use Rest, which is a REST API/,
  );
});

test('names: <stack>-<LogicalId>-<suffix> unless the template names it, stable for a stack id, different for another', () => {
  const text = `Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b, Events: { E: { Type: Api, Properties: { Path: /x, Method: get } } } }
  Named:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b, FunctionName: my-function }
  Queue:
    Type: AWS::SQS::Queue
`;
  const p = plan(text);
  const name = fn(p, 'HelloWorldFunction').name;
  assert.match(name, /^shop-HelloWorldFunction-[A-Za-z0-9]{12}$/);
  assert.equal(fn(p, 'Named').name, 'my-function');
  assert.match(p.queues[0]!.name, /^shop-Queue-[A-Za-z0-9]{12}$/);
  assert.equal(fn(plan(text), 'HelloWorldFunction').name, name, 'the same stack id gives the same names');
  const other = planDeployment(parseTemplate(text), { ...opts, stack: 'other', stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/other/9f8e' });
  assert.match(fn(other, 'HelloWorldFunction').name, /^other-HelloWorldFunction-[A-Za-z0-9]{12}$/);
  assert.notEqual(other.apis[0]!.id, p.apis[0]!.id);
  const again = planDeployment(parseTemplate(text), { ...opts, stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/new-life' });
  assert.notEqual(fn(again, 'HelloWorldFunction').name, name, 'a stack deployed again after stack rm gets new names, as on AWS');
  // Within 64 characters: both parts are cut, the suffix stays whole.
  const long = generatedName('a-very-long-stack-name-for-a-project-with-many-apps', 'AnEvenLongerLogicalIdForTheFunctionThatHandlesOrders', opts.stackId, 64);
  assert.equal(long.length, 64);
  assert.match(long, /^a-very-long-stack-name-fo-AnEvenLongerLogicalIdForT-[A-Za-z0-9]{12}$/);
});

test('Schedule and ScheduleV2 become schedules, SQS and EventBridgeRule events mappings and rules; event sources without a Nimbus service are named in a warning', () => {
  const p = plan(`Resources:
  Job:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      AutoPublishAlias: live
      Events:
        Old: { Type: Schedule, Properties: { Schedule: rate(5 minutes), Enabled: false } }
        New:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 12 * * ? *)
            ScheduleExpressionTimezone: Europe/Paris
            Input: '{"job":"daily"}'
            Name: daily-report
            RetryPolicy: { MaximumRetryAttempts: 3 }
        Orders: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn } }
        Bus: { Type: EventBridgeRule, Properties: { Pattern: { source: [shop] } } }
        Stream: { Type: Kinesis, Properties: { Stream: arn:aws:kinesis:eu-west-1:123456789012:stream/s, StartingPosition: LATEST, BatchSize: '50' } }
        Kafka: { Type: MSK, Properties: { Stream: arn:aws:kafka:eu-west-1:123456789012:cluster/c/1, StartingPosition: LATEST, Topics: [t] } }
  Q:
    Type: AWS::SQS::Queue
`);
  assert.deepEqual(p.schedules, [
    { LogicalId: 'JobOld', Type: 'AWS::Events::Rule', Name: N('JobOld'), ScheduleExpression: 'rate(5 minutes)', FunctionName: N('Job'), Qualifier: 'live', State: 'DISABLED' },
    { LogicalId: 'JobNew', Type: 'AWS::Scheduler::Schedule', Name: 'daily-report', ScheduleExpression: 'cron(0 12 * * ? *)', FunctionName: N('Job'), Qualifier: 'live', Input: '{"job":"daily"}', State: 'ENABLED' },
  ]);
  for (const w of [
    'Job.Events.New: ScheduleExpressionTimezone Europe/Paris is not applied; Nimbus evaluates cron() in UTC',
    'Job.Events.New: RetryPolicy is not applied by Nimbus',
    'Job.Events.Kafka: event type MSK is not supported by Nimbus (it needs a Kafka event source mapping); skipped',
  ]) {
    assert.ok(p.warnings.includes(w), `missing warning: ${w}\n${p.warnings.join('\n')}`);
  }
  assert.deepEqual(p.mappings.map((m) => [m.logicalId, m.body['EventSourceArn'], m.body['FunctionName']]), [
    ['JobOrders', `arn:aws:sqs:eu-west-1:123456789012:${generatedName('shop', 'Q', opts.stackId, 80)}`, `arn:aws:lambda:eu-west-1:123456789012:function:${N('Job')}:live`],
    ['JobStream', 'arn:aws:kinesis:eu-west-1:123456789012:stream/s', `arn:aws:lambda:eu-west-1:123456789012:function:${N('Job')}:live`],
  ]);
  // A stream event's numbers given as strings become numbers, as CloudFormation converts them.
  assert.equal(p.mappings[1]!.body['BatchSize'], 50);
  assert.equal(p.mappings[1]!.body['StartingPosition'], 'LATEST');
  assert.deepEqual(p.rules.map((r) => [r.logicalId, r.bus, r.pattern]), [['JobBus', 'default', '{"source":["shop"]}']]);
});

test('settings the Lambda API has are passed on; the others are listed in one warning per function', () => {
  const p = plan(`Globals:
  Function:
    Tags: { team: shop }
    Tracing: Active
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      EphemeralStorage: { Size: 1024 }
      LoggingConfig: { LogFormat: JSON, ApplicationLogLevel: DEBUG }
      DeadLetterQueue: { Type: SQS, TargetArn: arn:aws:sqs:eu-west-1:123456789012:dlq }
      ReservedConcurrentExecutions: 5
      AutoPublishAlias: live
      VersionDescription: first
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 }
      SnapStart: { ApplyOn: PublishedVersions }
      VpcConfig: { SubnetIds: [a] }
      KmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/k
      Policies: [AWSLambdaBasicExecutionRole]
      Frobnicate: 1
`);
  const f = fn(p, 'F');
  assert.deepEqual(f.settings, {
    EphemeralStorage: { Size: 1024 },
    TracingConfig: { Mode: 'Active' },
    LoggingConfig: { LogFormat: 'JSON' },
    DeadLetterConfig: { TargetArn: 'arn:aws:sqs:eu-west-1:123456789012:dlq' },
  });
  assert.deepEqual([f.reservedConcurrency, f.provisionedConcurrency, f.versionDescription], [5, 2, 'first']);
  assert.ok(
    p.warnings.includes('F: not applied by Nimbus (no backend for them): Tags, SnapStart, VpcConfig, KmsKeyArn, Frobnicate (unknown), LoggingConfig log levels'),
    p.warnings.join('\n'),
  );
});

test('TenancyConfig (Lambda tenant isolation) is passed on to CreateFunction, as serverless-patterns sqs-lambda-tenant-isolation-sam-py has it', () => {
  const p = plan(`Resources:
  Isolated:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, Handler: index.handler, TenancyConfig: { TenantIsolationMode: PER_TENANT } }
`);
  assert.deepEqual(fn(p, 'Isolated').settings, { TenancyConfig: { TenantIsolationMode: 'PER_TENANT' } });
  assert.equal(p.warnings.some((w) => w.includes('TenancyConfig')), false, p.warnings.join('\n'));
  assert.throws(() => plan('Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: python3.12, Handler: i.h, TenancyConfig: PER_TENANT }\n'), /F\.TenancyConfig must be a mapping/);
});

test('DurableConfig (Lambda durable functions) is passed on to CreateFunction, from the function or Globals, as the lambda-durable-* samples have it', () => {
  const p = plan(`Globals:
  Function:
    Runtime: nodejs22.x
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      DurableConfig: { ExecutionTimeout: 120, RetentionPeriodInDays: 7 }
      Policies:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy
      AutoPublishAlias: prod
  Raw:
    Type: AWS::Lambda::Function
    Properties: { Runtime: nodejs22.x, Handler: index.handler, Code: { ZipFile: 'exports.handler = async () => 1' }, Role: arn:aws:iam::123456789012:role/r, DurableConfig: { ExecutionTimeout: 60 } }
`);
  assert.deepEqual(fn(p, 'Orders').settings, { DurableConfig: { ExecutionTimeout: 120, RetentionPeriodInDays: 7 } });
  assert.deepEqual(fn(p, 'Raw').settings['DurableConfig'], { ExecutionTimeout: 60 });
  assert.equal(p.warnings.some((w) => w.includes('DurableConfig')), false, p.warnings.join('\n'));
  assert.throws(() => plan('Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs22.x, Handler: i.h, DurableConfig: 60 }\n'), /F\.DurableConfig must be a mapping/);
});

test('AWS::Lambda::Url resources become URLs of their functions, each under its own logical id and qualifier', () => {
  const p = plan(`Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: a.b, AutoPublishAlias: live, FunctionUrlConfig: { AuthType: NONE } }
  Plain:
    Type: AWS::Lambda::Url
    Properties: { TargetFunctionArn: !Ref Fn, AuthType: AWS_IAM, InvokeMode: RESPONSE_STREAM, Cors: { AllowOrigins: ['*'] } }
  ByArn:
    Type: AWS::Lambda::Url
    Properties: { TargetFunctionArn: !Sub '\${Fn.Arn}:blue', AuthType: NONE }
  Outside:
    Type: AWS::Lambda::Url
    Properties: { TargetFunctionArn: arn:aws:lambda:eu-west-1:123456789012:function:elsewhere, AuthType: NONE }
Outputs:
  Target: { Value: !GetAtt Plain.FunctionArn }
`);
  assert.deepEqual(fn(p, 'Fn').urlResources, [
    { logicalId: 'Plain', config: { AuthType: 'AWS_IAM', Cors: { AllowOrigins: ['*'] }, InvokeMode: 'RESPONSE_STREAM' } },
    { logicalId: 'ByArn', qualifier: 'blue', config: { AuthType: 'NONE' } },
  ]);
  assert.equal(p.outputs['Target'], `arn:aws:lambda:eu-west-1:123456789012:function:${N('Fn')}`);
  assert.ok(p.warnings.some((w) => w.startsWith('Outside: arn:aws:lambda:eu-west-1:123456789012:function:elsewhere is not a function of this template')), p.warnings.join('\n'));
  assert.equal(p.warnings.some((w) => w.includes('not supported')), false, p.warnings.join('\n'));
  // One URL per qualifier: the alias already has the function's own.
  assert.throws(
    () => plan(`Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, AutoPublishAlias: live, FunctionUrlConfig: { AuthType: NONE } }\n  U:\n    Type: AWS::Lambda::Url\n    Properties: { TargetFunctionArn: !Sub '\${Fn.Arn}:live', AuthType: NONE }\n`),
    /U: Fn already has a URL for qualifier live/,
  );
});

test("a function's Policies make its generated role; AWS::IAM::Role resources are roles; without either, the deploy role", () => {
  const p = plan(`Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { QueueName: jobs } }
  WithPolicies:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      Policies:
        - AmazonSNSFullAccess
        - SQSPollerPolicy: { QueueName: !GetAtt Q.QueueName }
        - EventBridgePutEventsPolicy: { EventBusName: default }
        - LambdaInvokePolicy: { FunctionName: other }
        - SNSPublishMessagePolicy: { TopicName: alerts }
        - Statement: [{ Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Q.Arn }]
        - DynamoDBCrudPolicy: { TableName: t }
        - KinesisStreamReadPolicy: { StreamName: s }
        - AWSXRayDaemonWriteAccess
  Named:
    Type: AWS::IAM::Role
    Properties:
      RoleName: named-role
      Path: /svc/
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }] }
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonSQSFullAccess]
      Policies:
        - PolicyName: ddb
          PolicyDocument: { Statement: [{ Effect: Allow, Action: 'dynamodb:*', Resource: !GetAtt Table.Arn }] }
        - PolicyName: mixed
          PolicyDocument: { Statement: [{ Effect: Allow, Action: 'sqs:*', Resource: [!GetAtt Table.Arn, !GetAtt Q.Arn] }] }
  Table: { Type: AWS::MSK::Cluster }
  WithRole:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: app.handler, Role: !GetAtt Named.Arn }
  Plain:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: app.handler }
`);
  const generated = p.roles.find((r) => r.logicalId === 'WithPoliciesRole')!;
  assert.match(generated.name, /^shop-WithPoliciesRole-/);
  assert.equal(fn(p, 'WithPolicies').role, `arn:aws:iam::123456789012:role/${generated.name}`);
  assert.deepEqual(generated.managedPolicyArns, ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', 'arn:aws:iam::aws:policy/AmazonSNSFullAccess']);
  const statements = generated.policies.map((x) => (JSON.parse(x.document) as { Statement: unknown[] }).Statement[0]);
  assert.deepEqual(statements, [
    { Effect: 'Allow', Action: ['sqs:ChangeMessageVisibility', 'sqs:ChangeMessageVisibilityBatch', 'sqs:DeleteMessage', 'sqs:DeleteMessageBatch', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'], Resource: 'arn:aws:sqs:eu-west-1:123456789012:jobs' },
    { Effect: 'Allow', Action: 'events:PutEvents', Resource: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' },
    { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:other*' },
    { Effect: 'Allow', Action: ['sns:Publish'], Resource: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:123456789012:jobs' },
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem', 'dynamodb:DescribeTable', 'dynamodb:ConditionCheckItem'],
      Resource: ['arn:aws:dynamodb:eu-west-1:123456789012:table/t', 'arn:aws:dynamodb:eu-west-1:123456789012:table/t/index/*'],
    },
  ]);
  assert.ok(p.warnings.some((w) => w.includes('KinesisStreamReadPolicy is not one Nimbus expands')), p.warnings.join('\n'));
  assert.ok(p.warnings.some((w) => w.includes('AWSXRayDaemonWriteAccess is not one Nimbus knows')), p.warnings.join('\n'));
  const named = p.roles.find((r) => r.logicalId === 'Named')!;
  assert.deepEqual([named.name, named.path, named.managedPolicyArns], ['named-role', '/svc/', ['arn:aws:iam::aws:policy/AmazonSQSFullAccess']]);
  // What did not resolve locally (a skipped resource type's GetAtt) is left out; a statement left with no resource is dropped.
  assert.deepEqual(named.policies, [{ name: 'mixed', document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: ['arn:aws:sqs:eu-west-1:123456789012:jobs'] }] }) }]);
  assert.ok(p.warnings.some((w) => w.includes('Named.Policies[0]: Statement 0 has no effect, action or resource Nimbus can tell')), p.warnings.join('\n'));
  assert.equal(fn(p, 'WithRole').role, 'arn:aws:iam::123456789012:role/svc/named-role');
  assert.equal(fn(p, 'Plain').role, undefined, 'the deploy role');
  assert.equal(p.roles.length, 2);
});

test('Conditions decide which resources exist and which Fn::If branch is taken', () => {
  const text = `Parameters:
  DomainName: { Type: String, Default: '' }
  Stage: { Type: String, Default: prod }
Conditions:
  UseDomainName: !Not [!Equals [!Ref DomainName, '']]
  IsProd: !Equals [!Ref Stage, prod]
  ProdWithDomain: !And [!Condition IsProd, !Condition UseDomainName]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      MemorySize: !If [IsProd, 1024, 128]
  DomainOnly:
    Type: AWS::Serverless::Function
    Condition: ProdWithDomain
    Properties: { Runtime: nodejs20.x, Handler: app.handler }
  Certificate:
    Type: AWS::CertificateManager::Certificate
    Condition: UseDomainName
`;
  const without = plan(text);
  assert.deepEqual(without.functions.map((f) => [f.logicalId, f.memorySize]), [['Fn', 1024]]);
  assert.equal(without.warnings.some((w) => w.includes('Certificate')), false, 'a resource left out by its condition is not reported');
  const withDomain = planDeployment(parseTemplate(`Transform: AWS::Serverless-2016-10-31\n${text}`), { ...opts, parameterOverrides: { DomainName: 'shop.example.com', Stage: 'dev' } });
  assert.deepEqual(withDomain.functions.map((f) => [f.logicalId, f.memorySize]), [['Fn', 128]]);
  const both = planDeployment(parseTemplate(`Transform: AWS::Serverless-2016-10-31\n${text}`), { ...opts, parameterOverrides: { DomainName: 'shop.example.com' } });
  assert.deepEqual(both.functions.map((f) => f.logicalId), ['Fn', 'DomainOnly']);
  assert.ok(both.warnings.includes('Certificate: resource type AWS::CertificateManager::Certificate is not supported by Nimbus; skipped'));
  assert.throws(() => plan('Conditions:\n  A: !Condition A\nResources:\n  F: { Type: AWS::Serverless::Function, Properties: { Runtime: nodejs20.x, Handler: a.b } }\n'), /Conditions\.A refers to itself/);
  assert.throws(() => plan('Resources:\n  F: { Type: AWS::Serverless::Function, Condition: Nope, Properties: { Runtime: nodejs20.x, Handler: a.b } }\n'), /F: Condition "Nope" is not defined/);
});

test('AWS::Scheduler::Schedule and scheduled AWS::Events::Rule resources targeting functions become schedules', () => {
  const p = plan(`Resources:
  Job:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, Handler: app.handler, AutoPublishAlias: live }
  Role:
    Type: AWS::IAM::Role
  EventSchedule:
    Type: AWS::Scheduler::Schedule
    Properties:
      Name: !Sub '\${AWS::StackName}-schedule'
      ScheduleExpression: rate(5 minutes)
      FlexibleTimeWindow: { Mode: 'OFF' }
      Target:
        Arn: !GetAtt Job.Arn
        RoleArn: !GetAtt Role.Arn
        Input: '{"from":"scheduler"}'
        RetryPolicy: { MaximumRetryAttempts: 3 }
  NightlyRule:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: cron(0 3 * * ? *)
      State: DISABLED
      Targets:
        - Arn: !Ref Job.Alias
          Id: job
  PatternRule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: { source: [shop] }
      Targets: [{ Arn: !GetAtt Job.Arn, Id: job }]
`);
  assert.deepEqual(p.schedules, [
    { LogicalId: 'EventSchedule', Type: 'AWS::Scheduler::Schedule', Name: 'shop-schedule', ScheduleExpression: 'rate(5 minutes)', FunctionName: N('Job'), Input: '{"from":"scheduler"}', State: 'ENABLED' },
    { LogicalId: 'NightlyRule', Type: 'AWS::Events::Rule', Name: N('NightlyRule'), ScheduleExpression: 'cron(0 3 * * ? *)', FunctionName: N('Job'), Qualifier: 'live', State: 'DISABLED' },
  ]);
  assert.ok(p.warnings.includes("EventSchedule: the target's RetryPolicy is not applied by Nimbus"), p.warnings.join('\n'));
  assert.deepEqual(p.rules, [
    { logicalId: 'PatternRule', name: N('PatternRule'), bus: 'default', pattern: '{"source":["shop"]}', state: 'ENABLED', description: undefined, targets: [{ Arn: `arn:aws:lambda:eu-west-1:123456789012:function:${N('Job')}`, Id: 'job' }] },
  ]);
  assert.equal(p.warnings.some((w) => w.includes('cannot resolve')), false, p.warnings.join('\n'));
});

test('PackageType Image: ImageUri and ImageConfig planned, no Runtime or Handler needed; a Dockerfile alone is refused with what to do', () => {
  const p = plan(`Resources:
  Img:
    Type: AWS::Serverless::Function
    Properties: { PackageType: Image, ImageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1", ImageConfig: { Command: [app.handler] }, MemorySize: 256 }
  Cfn:
    Type: AWS::Lambda::Function
    Properties: { PackageType: Image, Code: { ImageUri: "localhost:9000/app@sha256:${'a'.repeat(64)}" }, Role: "arn:aws:iam::123456789012:role/r" }
`);
  assert.deepEqual(fn(p, 'Img').code, { kind: 'image', uri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1' });
  assert.deepEqual(fn(p, 'Img').settings['ImageConfig'], { Command: ['app.handler'] });
  assert.equal(fn(p, 'Img').runtime, '');
  assert.equal(fn(p, 'Img').ignored.length, 0);
  assert.deepEqual(fn(p, 'Cfn').code, { kind: 'image', uri: `localhost:9000/app@sha256:${'a'.repeat(64)}` });
  assert.throws(
    () => plan(`Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { PackageType: Image }\n    Metadata: { Dockerfile: Dockerfile, DockerContext: ./app, DockerTag: v1 }\n`),
    (e: Error) => e instanceof SamError && /Nimbus does not build Dockerfiles/.test(e.message) && /ImageUri/.test(e.message),
  );
  assert.throws(() => plan(`Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, ImageUri: "x/y:z" }\n`), /ImageUri needs PackageType: Image/);
});

test("Parameter Store and Secrets Manager policy templates expand as SAM's do", () => {
  const p = plan(`Resources:
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      Policies:
        - SSMParameterReadPolicy: { ParameterName: app/db }
        - SSMParameterWithSlashPrefixReadPolicy: { ParameterName: /app/token }
        - AWSSecretsManagerGetSecretValuePolicy: { SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf' }
`);
  const role = p.roles.find((r) => r.logicalId === 'ReaderRole')!;
  const statements = role.policies.map((x) => (JSON.parse(x.document) as { Statement: unknown[] }).Statement);
  const read = ['ssm:GetParameters', 'ssm:GetParameter', 'ssm:GetParametersByPath'];
  assert.deepEqual(statements, [
    [{ Effect: 'Allow', Action: ['ssm:DescribeParameters'], Resource: '*' }, { Effect: 'Allow', Action: read, Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/db' }],
    [{ Effect: 'Allow', Action: ['ssm:DescribeParameters'], Resource: '*' }, { Effect: 'Allow', Action: read, Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/token' }],
    [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf' }],
  ]);
});
