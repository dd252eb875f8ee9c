/**
 * What the stack service works with: the store (stack records, `$LATEST`, code in use), the code
 * store (uploaded packages), the services of every Lambda API area a stack's resources belong
 * to, and the SQS, SNS and EventBridge services whose queues, topics, buses and rules a stack
 * owns. Built by the composition root alone.
 */
import type { SecretsManagerService } from '../../secretsmanager/service.js';
import type { SsmService } from '../../ssm/service.js';
import type { DynamicResolver } from './dynamic-refs.js';
import type { RoleStore } from '../../auth/roles.js';
import type { Clock } from '../../core/clock.js';
import type { BucketAdmin } from '../../core/objects.js';
import type { DynamoDbService } from '../../dynamodb/service.js';
import type { EventBridgeService } from '../../eventbridge/service.js';
import type { SnsService } from '../../sns/service.js';
import type { SqsService } from '../../sqs/service.js';
import type { CodeStore } from '../../store/code-store.js';
import type { Store } from '../../store/types.js';
import type { EventInvokeConfigService } from '../async/event-invoke-config.js';
import type { ScheduleService } from '../async/schedules.js';
import type { ProvisionedService } from '../concurrency/provisioned.js';
import type { ConcurrencyService } from '../concurrency/reserved.js';
import type { EventSourceMappingService } from '../esm/service.js';
import type { FunctionService } from '../functions/service.js';
import type { RouteService } from '../http-routes/service.js';
import type { UrlConfigService } from '../urls/service.js';
import type { AliasService } from '../versions/aliases.js';
import type { VersionService } from '../versions/versions.js';

export interface StackDeps {
  store: Store;
  code: CodeStore;
  clock: Clock;
  functions: FunctionService;
  versions: VersionService;
  aliases: AliasService;
  urls: UrlConfigService;
  concurrency: ConcurrencyService;
  provisioned: ProvisionedService;
  eventInvokeConfigs: EventInvokeConfigService;
  routes: RouteService;
  schedules: ScheduleService;
  sqs: SqsService;
  sns: SnsService;
  eventBridge: EventBridgeService;
  /** DynamoDB tables a stack owns (docs/dynamodb.md). */
  dynamodb: DynamoDbService;
  mappings: EventSourceMappingService;
  /** IAM roles a stack owns (api/iam's store). */
  roles: RoleStore;
  /** Nimbus's S3 service, for `AWS::S3::Bucket` resources; absent: such a stack is refused. */
  buckets?: BucketAdmin | undefined;
  /** Parameter Store and Secrets Manager: `AWS::SSM::Parameter` and `AWS::SecretsManager::Secret` resources (apply-store.ts). */
  ssm?: SsmService | undefined;
  secretsManager?: SecretsManagerService | undefined;
  /** Parameter Store and Secrets Manager, for `{{resolve:...}}` references (dynamic-refs.ts); absent: refused. */
  dynamicReferences?: DynamicResolver | undefined;
  log: (line: string) => void;
}
