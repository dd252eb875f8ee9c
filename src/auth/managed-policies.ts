/**
 * The AWS managed policies Nimbus knows, by ARN, for `attach-role-policy`, SAM's `Policies` and
 * `ManagedPolicyArns`. Each document is AWS's published one cut down to the services Nimbus
 * serves (Lambda, SQS, SNS, EventBridge, IAM, CloudWatch Logs reads, CloudFormation's
 * ListStackResources): statements about other services (X-Ray, KMS, EC2...) are kept only where
 * they are the whole policy, since they grant nothing here either way. An ARN not listed is unknown: attaching it is IAM's NoSuchEntity.
 */
import type { PolicyDocument } from './iam-policy.js';

const V = '2012-10-17';
const allow = (Action: string[], Resource: string | string[] = '*'): PolicyDocument => ({ Version: V, Statement: [{ Effect: 'Allow', Action, Resource }] });
const LOGS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];
/** Reading Lambda's log groups, as the AWSLambda_* policies grant it (their second statement). */
const LAMBDA_LOG_READS = { Effect: 'Allow' as const, Action: ['logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:FilterLogEvents'], Resource: 'arn:aws:logs:*:*:log-group:/aws/lambda/*' };
const LAMBDA_READS = ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListRoles'];

const BY_NAME: Readonly<Record<string, PolicyDocument>> = {
  AdministratorAccess: allow(['*']),
  PowerUserAccess: { Version: V, Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }] },
  ReadOnlyAccess: allow([
    'cloudformation:Describe*',
    'cloudformation:List*',
    'events:Describe*',
    'events:List*',
    'events:Test*',
    'iam:Generate*',
    'iam:Get*',
    'iam:List*',
    'iam:Simulate*',
    'lambda:Get*',
    'lambda:List*',
    'logs:Describe*',
    'logs:FilterLogEvents',
    'logs:Get*',
    'sns:Check*',
    'sns:Get*',
    'sns:List*',
    'sqs:Get*',
    'sqs:List*',
    'sqs:Receive*',
  ]),
  'service-role/AWSLambdaBasicExecutionRole': allow(LOGS),
  'service-role/AWSLambdaSQSQueueExecutionRole': allow(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', ...LOGS]),
  'service-role/AWSLambdaRole': allow(['lambda:InvokeFunction']),
  // What a durable function's SDK calls (docs/durable.md), as AWS publishes the policy.
  'service-role/AWSLambdaBasicDurableExecutionRolePolicy': allow([...LOGS, 'lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState']),
  AWSLambdaExecute: allow(['logs:*']),
  AWSLambda_FullAccess: {
    Version: V,
    Statement: [
      { Effect: 'Allow', Action: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources', ...LAMBDA_READS, 'lambda:*', 'logs:DescribeLogGroups'], Resource: '*' },
      LAMBDA_LOG_READS,
    ],
  },
  AWSLambda_ReadOnlyAccess: {
    Version: V,
    Statement: [
      { Effect: 'Allow', Action: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources', ...LAMBDA_READS, 'lambda:Get*', 'lambda:List*', 'logs:DescribeLogGroups'], Resource: '*' },
      LAMBDA_LOG_READS,
    ],
  },
  CloudWatchLogsFullAccess: allow(['logs:*']),
  CloudWatchLogsReadOnlyAccess: allow(['logs:Describe*', 'logs:Get*', 'logs:List*', 'logs:StartQuery', 'logs:StopQuery', 'logs:TestMetricFilter', 'logs:FilterLogEvents', 'logs:StartLiveTail', 'logs:StopLiveTail']),
  AmazonSQSFullAccess: allow(['sqs:*']),
  AmazonSQSReadOnlyAccess: allow(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ListDeadLetterSourceQueues', 'sqs:ListQueues', 'sqs:ListMessageMoveTasks', 'sqs:ListQueueTags']),
  AmazonSNSFullAccess: allow(['sns:*']),
  AmazonSNSReadOnlyAccess: allow(['sns:GetTopicAttributes', 'sns:List*', 'sns:CheckIfPhoneNumberIsOptedOut', 'sns:GetEndpointAttributes', 'sns:GetDataProtectionPolicy', 'sns:GetPlatformApplicationAttributes', 'sns:GetSMSAttributes', 'sns:GetSMSSandboxAccountStatus', 'sns:GetSubscriptionAttributes']),
  AmazonEventBridgeFullAccess: allow(['events:*']),
  AmazonEventBridgeReadOnlyAccess: allow(['events:DescribeRule', 'events:DescribeEventBus', 'events:DescribeEventSource', 'events:ListEventBuses', 'events:ListEventSources', 'events:ListRuleNamesByTarget', 'events:ListRules', 'events:ListTargetsByRule', 'events:TestEventPattern', 'events:DescribeArchive', 'events:ListArchives', 'events:DescribeReplay', 'events:ListReplays', 'events:DescribeConnection', 'events:ListConnections', 'events:DescribeApiDestination', 'events:ListApiDestinations', 'events:DescribeEndpoint', 'events:ListEndpoints']),
  IAMFullAccess: allow(['iam:*']),
  IAMReadOnlyAccess: allow(['iam:GenerateCredentialReport', 'iam:GenerateServiceLastAccessedDetails', 'iam:Get*', 'iam:List*', 'iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy']),
};

const PREFIX = 'arn:aws:iam::aws:policy/';

/** The managed policy an ARN names, or undefined when Nimbus does not know it. */
export function managedPolicy(arn: string): PolicyDocument | undefined {
  return arn.startsWith(PREFIX) ? BY_NAME[arn.slice(PREFIX.length)] : undefined;
}

/** The ARN of a managed policy named as SAM allows (`AmazonSQSFullAccess`, or already an ARN). */
export function managedPolicyArn(nameOrArn: string): string | undefined {
  if (nameOrArn.startsWith('arn:')) return managedPolicy(nameOrArn) ? nameOrArn : undefined;
  if (BY_NAME[nameOrArn]) return PREFIX + nameOrArn;
  const serviceRole = `service-role/${nameOrArn}`;
  return BY_NAME[serviceRole] ? PREFIX + serviceRole : undefined;
}

/** The policy's name as IAM lists it (`AWSLambdaBasicExecutionRole`, without its path). */
export const managedPolicyName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

export const MANAGED_POLICY_ARNS: readonly string[] = Object.keys(BY_NAME).map((n) => PREFIX + n);
