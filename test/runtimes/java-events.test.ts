/**
 * Java event classes bind as on AWS: handlers taking aws-lambda-java-events classes (the real
 * jars from Maven Central) run in Nimbus's Java runtime, and what they see of each sample event
 * is compared with what AWS's own aws-lambda-java-serialization (also from Maven Central) makes
 * of the same JSON, serializer chosen as AWS's Java runtime chooses it. A few values are also
 * asserted directly, so that a shared mistake cannot pass.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { java } from '../../src/runtimes/java.js';
import { Sandboxes, buildGuests, checkTool, event, failIfMissing, makeSpec, needs, repoRoot, responseJson, tempDir, toolTest } from './helpers.js';

const EVENTS = join(repoRoot, 'test', 'fixtures', 'java-events');
const PKG = 'com.amazonaws.services.lambda.runtime.events';
const missing = checkTool('javac', ['-version']) ?? checkTool('java', ['-version']) ?? checkTool('mvn', ['--version']);

/** The jars, from Maven Central through Maven (its ~/.m2 makes later runs offline). */
const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>nimbus.test</groupId><artifactId>java-events</artifactId><version>1</version>
<dependencies>
<dependency><groupId>com.amazonaws</groupId><artifactId>aws-lambda-java-events</artifactId><version>3.16.1</version></dependency>
<dependency><groupId>com.amazonaws</groupId><artifactId>aws-lambda-java-serialization</artifactId><version>1.4.1</version></dependency>
</dependencies></project>`;

/** Event class -> handler method and sample file. */
const CASES: [string, string, string][] = [
  ['ScheduledEvent', 'scheduled', 'scheduled.json'],
  ['SQSEvent', 'sqs', 'sqs.json'],
  ['SNSEvent', 'sns', 'sns.json'],
  ['APIGatewayProxyRequestEvent', 'apigwV1', 'apigw-v1.json'],
  ['APIGatewayV2HTTPEvent', 'apigwV2', 'apigw-v2.json'],
  ['S3Event', 's3', 's3.json'],
  ['DynamodbEvent', 'dynamodb', 'dynamodb.json'],
  ['KinesisEvent', 'kinesis', 'kinesis.json'],
  // Not an event class: plain Jackson, whose choice among overloaded setters Nimbus follows.
  ['example.Overloads', 'overloads', 'overloads.json'],
];

toolTest('a JDK and Maven are installed', missing);

describe('aws-lambda-java-events classes bind as AWS binds them', needs(missing), () => {
  let work: ReturnType<typeof tempDir>;
  let sandboxes: Sandboxes;
  /** What AWS's serializer makes of each sample, by event class. */
  const aws = new Map<string, string>();

  before(() => {
    failIfMissing(missing);
    buildGuests();
    sandboxes = new Sandboxes();
    work = tempDir('java-events');
    writeFileSync(join(work.path, 'pom.xml'), POM);
    const lib = join(work.path, 'lib');
    execFileSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`], { cwd: work.path, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    const jars = readdirSync(lib).map((j) => join(lib, j));
    const sources = ['EventDump', 'EventEcho', 'Oracle', 'Overloads'].map((n) => join(EVENTS, 'src', 'example', `${n}.java`));
    const classes = join(work.path, 'classes');
    execFileSync('javac', ['-J-XX:TieredStopAtLevel=1', '-d', classes, '-cp', [join(repoRoot, 'dist', 'guest', 'java', 'classes'), ...jars].join(':'), ...sources], { stdio: 'inherit' });
    // The function's code: classes/ plus the event jars in lib/, without AWS's serializer (the runtime is Nimbus's).
    const task = join(work.path, 'task');
    mkdirSync(join(task, 'lib'), { recursive: true });
    cpSync(classes, join(task, 'classes'), { recursive: true });
    for (const j of jars) if (!j.includes('serialization')) cpSync(j, join(task, 'lib', j.split('/').pop()!));
    const hostCp = [classes, ...jars].join(':');
    for (const [cls, , file] of CASES) {
      const name = cls.includes('.') ? cls : `${PKG}.${cls}`;
      aws.set(cls, execFileSync('java', ['-cp', hostCp, 'example.Oracle', name, join(EVENTS, file)], { encoding: 'utf8' }).trim());
    }
  });

  after(async () => {
    await sandboxes?.close();
    work?.remove();
  });

  const run = async (method: string, payload: unknown): Promise<unknown> => {
    const { sandbox } = await sandboxes.start(makeSpec(java, 'java17', `example.EventEcho::${method}`, join(work.path, 'task')));
    try {
      return responseJson(await sandbox.invoke(event(payload)));
    } finally {
      await sandbox.dispose();
    }
  };
  const sample = (file: string): unknown => JSON.parse(execFileSync('cat', [join(EVENTS, file)], { encoding: 'utf8' }));

  for (const [cls, method, file] of CASES) {
    it(`${cls}: what the handler sees equals what aws-lambda-java-serialization makes of ${file}`, async () => {
      assert.equal(await run(method, sample(file)), aws.get(cls));
    });
  }

  it('the values AWS-specific names carry are there (detail-type, Records, eventSourceARN, Sns, Joda times, S3 constructors)', () => {
    assert.match(aws.get('ScheduledEvent')!, /getDetailType="Scheduled Event"/);
    assert.match(aws.get('ScheduledEvent')!, /getTime="DateTime:2016-12-30T18:44:49\.000Z"/);
    assert.match(aws.get('SQSEvent')!, /getEventSourceArn="arn:aws:sqs:us-east-1:123456789012:my-queue"/);
    assert.match(aws.get('SQSEvent')!, /getBinaryValue="bytes:aGVsbG8="/);
    assert.match(aws.get('SNSEvent')!, /getSNS=SNS\{getMessage="Hello from SNS!"/);
    assert.match(aws.get('SNSEvent')!, /getTimestamp="DateTime:2019-01-02T12:45:07\.000Z"/);
    assert.match(aws.get('S3Event')!, /getEventTime="DateTime:2019-09-03T19:37:27\.192Z"/);
    assert.match(aws.get('S3Event')!, /getSizeAsLong=Long:1305107/);
    assert.match(aws.get('DynamodbEvent')!, /getApproximateCreationDateTime=date:1428537600000/);
    assert.match(aws.get('KinesisEvent')!, /getApproximateArrivalTimestamp=date:1545084650987/);
    assert.match(aws.get('APIGatewayV2HTTPEvent')!, /getIsBase64Encoded=Boolean:true/);
    assert.equal(aws.get('example.Overloads'), 'Overloads{getHow="age-int:7;color-string:RED;when-string:2020-01-01T00:00:00Z;count-long:3;"}');
  });

  it('event classes are written back with their AWS names (detail-type, an ISO time) and without nulls', async () => {
    const back = (await run('scheduledBack', sample('scheduled.json'))) as Record<string, unknown>;
    assert.equal(back['detail-type'], 'Scheduled Event');
    assert.equal(back['time'], '2016-12-30T18:44:49.000Z');
    assert.equal('detailType' in back, false);
    const response = await run('response', { body: 'made' });
    assert.deepEqual(response, { statusCode: 201, headers: { x: 'y' }, body: 'made' });
  });

  it('a name that differs only in case does not bind (AWS reads JSON case-sensitively)', async () => {
    const seen = (await run('scheduled', { 'Detail-Type': 'Scheduled Event', Source: 'aws.events', Region: 'us-east-1' })) as string;
    assert.match(seen, /getDetailType=null/);
    assert.match(seen, /getSource=null/);
    assert.match(seen, /getRegion=null/);
  });
});
