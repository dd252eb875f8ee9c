/**
 * A checklist of EventBridge patterns whose outcome was recorded against AWS's own
 * `TestEventPattern`: the cases of LocalStack's AWS-validated suite
 * (github.com/localstack/localstack, tests/aws/services/events/event_pattern_templates and the
 * messages in test_events_patterns.snapshot.json), most built from the EventBridge user guide's
 * examples. Each row is [label, pattern, event, matches] or, for a refused pattern,
 * [label, pattern, AWS's reason]. Event envelope fields the pattern does not name are left out.
 *
 * Left out: `content_wildcard_complex_EXC` (`*:*:*:*:*:event-bus/*` is "Rule is too complex"), as
 * AWS does not publish the complexity threshold and Nimbus does not enforce one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonValue } from '../../src/events/json.js';
import { compileEventPattern, matchesEventPattern } from '../../src/events/pattern.js';

type Row = [string, unknown, unknown, boolean] | [string, unknown, string];

const ROWS: Row[] = [
  [
    "arrays",
    {"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f","arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]},
    {"resources":["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate","arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]},
    true,
  ],
  [
    "arrays_NEG",
    {"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f","arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]},
    {"resources":["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate"]},
    false,
  ],
  ["arrays_empty_EXC", {"resources":[]}, "Empty arrays are not allowed"],
  ["arrays_empty_null_NEG", {"resources":[null]}, {"resources":[]}, false],
  ["boolean", {"boolean":[false]}, {"boolean":false}, true],
  ["boolean_NEG", {"boolean":[false]}, {"boolean":true}, false],
  [
    "complex_many_rules",
    {"source":[{"exists":true}],"detail-type":[{"prefix":"core.app"}],"detail":{"description":["this-is-event-details"],"amount":[200],"salary":[2000,4000],"env":["dev","prod"],"user":["user1","user2","user3"],"admins":["skyli",{"prefix":"hey"},{"prefix":"ad"}],"test1":[{"anything-but":200}],"test2":[{"anything-but":"test2"}],"test3":[{"anything-but":["test3","test33"]}],"test4":[{"anything-but":{"prefix":"test4"}}],"num-test1":[{"numeric":["<",200]}],"num-test2":[{"numeric":["<=",200]}],"num-test3":[{"numeric":[">",200]}],"num-test4":[{"numeric":[">=",200]}],"num-test5":[{"numeric":[">=",200,"<=",500]}],"num-test6":[{"numeric":[">",200,"<",500]}],"num-test7":[{"numeric":[">=",200,"<",500]}]}},
    {"source":"core.update-account-command","detail-type":"core.app.backend","detail":{"description":"this-is-event-details","amount":200,"salary":2000,"env":"prod","user":"user3","admins":"admin","test1":300,"test2":"test22","test3":"test333","test4":"this test4","ip":"10.102.1.100","num-test1":100,"num-test2":200,"num-test3":300,"num-test4":200,"num-test5":500,"num-test6":300,"num-test7":300}},
    true,
  ],
  [
    "complex_multi_match",
    {"time":[{"prefix":"2022-07-13"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}},
    {"time":"2022-07-13T13:48:01Z","detail":{"state":"processing","c-count":3,"d-count":9,"x-limit":999}},
    true,
  ],
  [
    "complex_multi_match_NEG",
    {"time":[{"prefix":"2022-07-13"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}},
    {"time":"2022-07-13T13:48:01Z","detail":{"state":"processing","c-count":3,"d-count":9,"x-limit":300}},
    false,
  ],
  [
    "complex_or",
    {"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",301.8]}]}]}},
    {"detail":{"c-count":0,"d-count":0,"x-limit":901.8}},
    true,
  ],
  [
    "complex_or_NEG",
    {"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",301.8]}]}]}},
    {"detail":{"c-count":0,"d-count":10,"x-limit":901.8}},
    false,
  ],
  ["content_anything_but_ignorecase", {"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}, {"detail":{"state":"pending"}}, true],
  [
    "content_anything_but_ignorecase_EXC",
    {"detail":{"state":[{"anything-but":{"equals-ignore-case":123}}]}},
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
  ],
  [
    "content_anything_but_ignorecase_NEG",
    {"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}},
    {"detail":{"state":"INITIALIZING"}},
    false,
  ],
  [
    "content_anything_but_ignorecase_list",
    {"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}},
    {"detail":{"state":"pending"}},
    true,
  ],
  [
    "content_anything_but_ignorecase_list_EXC",
    {"detail":{"state":[{"anything-but":{"equals-ignore-case":[123,456]}}]}},
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
  ],
  [
    "content_anything_but_ignorecase_list_NEG",
    {"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}},
    {"detail":{"state":"Stopped"}},
    false,
  ],
  [
    "content_anything_but_ignorecase_list_missing_NEG",
    {"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}},
    {"detail":{}},
    false,
  ],
  [
    "content_anything_but_ignorecase_list_null",
    {"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}},
    {"detail":{"state":null}},
    true,
  ],
  ["content_anything_but_ignorecase_missing_NEG", {"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}, {"detail":{}}, false],
  ["content_anything_but_ignorecase_null", {"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}, {"detail":{"state":null}}, true],
  ["content_anything_but_number", {"detail":{"x-limit":[{"anything-but":123}]}}, {"detail":{"x-limit":789}}, true],
  ["content_anything_but_number_NEG", {"detail":{"x-limit":[{"anything-but":123}]}}, {"detail":{"x-limit":123}}, false],
  ["content_anything_but_number_list", {"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}, {"detail":{"x-limit":999}}, true],
  ["content_anything_but_number_list_NEG", {"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}, {"detail":{"x-limit":100}}, false],
  ["content_anything_but_number_zero", {"detail":{"x-limit":[{"anything-but":0}]}}, {"detail":{"x-limit":789}}, true],
  ["content_anything_but_string", {"detail":{"state":[{"anything-but":"initializing"}]}}, {"detail":{"state":"pending"}}, true],
  ["content_anything_but_string_NEG", {"detail":{"state":[{"anything-but":"initializing"}]}}, {"detail":{"state":"initializing"}}, false],
  ["content_anything_but_string_list", {"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}, {"detail":{"state":"pending"}}, true],
  ["content_anything_but_string_list_NEG", {"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}, {"detail":{"state":"stopped"}}, false],
  ["content_anything_but_string_list_missing_NEG", {"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}, {"detail":{}}, false],
  ["content_anything_but_string_list_null", {"detail":{"state":[{"anything-but":["stopped","running"]}]}}, {"detail":{"state":null}}, true],
  [
    "content_anything_but_string_list_null_type_EXC",
    {"detail":{"state":[{"anything-but":["stopped",null]}]}},
    "Inside anything but list, start|null|boolean is not supported.",
  ],
  ["content_anything_but_string_missing_NEG", {"detail":{"state":[{"anything-but":"initializing"}]}}, {"detail":{}}, false],
  ["content_anything_but_string_null", {"detail":{"state":[{"anything-but":"initializing"}]}}, {"detail":{"state":null}}, true],
  [
    "content_anything_but_string_null_type_EXC",
    {"detail":{"state":[{"anything-but":null}]}},
    "Value of anything-but must be an array or single string/number value.",
  ],
  ["content_anything_prefix", {"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}, {"detail":{"state":"post-init"}}, true],
  ["content_anything_prefix_NEG", {"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}, {"detail":{"state":"init-prefix"}}, false],
  ["content_anything_prefix_empty_EXC", {"detail":{"FileName":[{"anything-but":{"prefix":""}}]}}, "Null prefix/suffix not allowed"],
  [
    "content_anything_prefix_ignorecase_EXC",
    {"detail":{"FileName":[{"anything-but":{"prefix":{"equals-ignore-case":"file"}}}]}},
    "Value of anything-but must be an array or single string/number value.",
  ],
  ["content_anything_prefix_int_EXC", {"detail":{"state":[{"anything-but":{"prefix":123}}]}}, "prefix/suffix match pattern must be a string"],
  ["content_anything_prefix_int_value", {"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}, {"detail":{"state":12}}, true],
  ["content_anything_prefix_list", {"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}, {"detail":{"state":"post-init"}}, true],
  ["content_anything_prefix_list_NEG", {"detail":{"state":[{"anything-but":{"prefix":["init","post"]}}]}}, {"detail":{"state":"post-init"}}, false],
  ["content_anything_prefix_list_int", {"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}, {"detail":{"state":12}}, true],
  ["content_anything_prefix_list_missing_NEG", {"detail":{"state":[{"anything-but":{"prefix":["init","post"]}}]}}, {"detail":{}}, false],
  ["content_anything_prefix_list_null", {"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}, {"detail":{"state":null}}, true],
  ["content_anything_prefix_list_type_EXC", {"detail":{"state":[{"anything-but":{"prefix":[123,"test"]}}]}}, "prefix/suffix match pattern must be a string"],
  ["content_anything_prefix_missing_NEG", {"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}, {"detail":{}}, false],
  ["content_anything_prefix_null", {"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}, {"detail":{"state":null}}, true],
  ["content_anything_suffix", {"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}, {"detail":{"FileName":"file.txt.bak"}}, true],
  ["content_anything_suffix_NEG", {"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}, {"detail":{"FileName":"file.txt"}}, false],
  ["content_anything_suffix_empty_EXC", {"detail":{"FileName":[{"anything-but":{"suffix":""}}]}}, "Null prefix/suffix not allowed"],
  [
    "content_anything_suffix_ignorecase_EXC",
    {"detail":{"FileName":[{"anything-but":{"suffix":{"equals-ignore-case":".png"}}}]}},
    "Value of anything-but must be an array or single string/number value.",
  ],
  ["content_anything_suffix_int_EXC", {"detail":{"FileName":[{"anything-but":{"suffix":123}}]}}, "prefix/suffix match pattern must be a string"],
  ["content_anything_suffix_list", {"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}}, {"detail":{"FileName":"file.txt.bak"}}, true],
  ["content_anything_suffix_list_NEG", {"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}}, {"detail":{"FileName":"file.jpg"}}, false],
  ["content_anything_suffix_list_missing_NEG", {"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}}, {"detail":{}}, false],
  ["content_anything_suffix_list_null", {"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}}, {"detail":{"FileName":null}}, true],
  [
    "content_anything_suffix_list_null_type_EXC",
    {"detail":{"FileName":[{"anything-but":{"suffix":[null,".txt"]}}]}},
    "prefix/suffix match pattern must be a string",
  ],
  ["content_anything_suffix_list_type_EXC", {"detail":{"FileName":[{"anything-but":{"suffix":[123,".txt"]}}]}}, "prefix/suffix match pattern must be a string"],
  ["content_anything_suffix_missing_NEG", {"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}, {"detail":{}}, false],
  ["content_anything_suffix_null", {"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}, {"detail":{"FileName":null}}, true],
  ["content_anything_wildcard", {"detail":{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}}, {"detail":{"FilePath":"dir/init/file"}}, true],
  ["content_anything_wildcard_NEG", {"detail":{"FilePath":[{"anything-but":{"wildcard":"*/init/*"}}]}}, {"detail":{"FilePath":"dir/init/file"}}, false],
  ["content_anything_wildcard_empty", {"detail":{"FilePath":[{"anything-but":{"wildcard":""}}]}}, {"detail":{"FilePath":"dir/init/file"}}, true],
  ["content_anything_wildcard_int", {"detail":{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}}, {"detail":{"FilePath":123}}, true],
  ["content_anything_wildcard_list", {"detail":{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}}, {"detail":{"state":"dir/post/dir"}}, true],
  [
    "content_anything_wildcard_list_NEG",
    {"detail":{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}},
    {"detail":{"state":"dir/init/dir"}},
    false,
  ],
  ["content_anything_wildcard_list_missing_NEG", {"detail":{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}}, {"detail":{}}, false],
  ["content_anything_wildcard_list_null", {"detail":{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}}, {"detail":{"state":null}}, true],
  ["content_anything_wildcard_list_type_EXC", {"detail":{"state":[{"anything-but":{"wildcard":[123,"*/dir/*"]}}]}}, "wildcard match pattern must be a string"],
  ["content_anything_wildcard_missing_NEG", {"detail":{"FilePath":[{"anything-but":{"wildcard":"*/init/*"}}]}}, {"detail":{}}, false],
  ["content_anything_wildcard_null", {"detail":{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}}, {"detail":{"FilePath":null}}, true],
  ["content_anything_wildcard_type_EXC", {"detail":{"FilePath":[{"anything-but":{"wildcard":123}}]}}, "wildcard match pattern must be a string"],
  ["content_exists", {"detail":{"state":[{"exists":true}]}}, {"detail":{"instance-id":"i-abcd1111","state":"pending"}}, true],
  ["content_exists_NEG", {"detail":{"state":[{"exists":true}]}}, {"detail":{"c-count":{"c1":100}}}, false],
  ["content_exists_false", {"detail":{"level1":{"level2:":{"level3":{"level4":[{"exists":false}]}}}}}, {"detail":{"level1":{"level2":"l2 value"}}}, true],
  [
    "content_exists_false_NEG",
    {"detail":{"level1":{"level2":{"level3":{"level4":[{"exists":false}]}}}}},
    {"detail":{"level1":{"level2":{"level3":{"level4":"l4 value"}}}}},
    false,
  ],
  [
    "content_ignorecase",
    {"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]},
    {"detail-type":["EC2 Instance State-change Notification"]},
    true,
  ],
  [
    "content_ignorecase_EXC",
    {"detail-type":[{"equals-ignore-case":["ec2 instance state-change notification"]}]},
    "equals-ignore-case match pattern must be a string",
  ],
  ["content_ignorecase_NEG", {"detail-type":[{"equals-ignore-case":"I do not match"}]}, {"detail-type":["EC2 Instance State-change Notification"]}, false],
  ["content_ignorecase_empty", {"detail":{"value":[{"equals-ignore-case":""}]}}, {"detail":{"value":""}}, true],
  ["content_ignorecase_empty_NEG", {"detail":{"value":[{"equals-ignore-case":""}]}}, {"detail":{"value":"test-value"}}, false],
  ["content_ignorecase_list_EXC", {"detail-type":[{"equals-ignore-case":{"prefix":"ec2"}}]}, "equals-ignore-case match pattern must be a string"],
  ["content_ip_address", {"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}, {"detail":{"sourceIPAddress":"10.0.0.255"}}, true],
  ["content_ip_address_EXC", {"detail":{"sourceIPAddress":[{"cidr":"bad-filter"}]}}, "Malformed CIDR, one '/' required"],
  ["content_ip_address_NEG", {"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}, {"detail":{"sourceIPAddress":"10.0.0.256"}}, false],
  ["content_ip_address_bad_ip_EXC", {"detail":{"sourceIPAddress":[{"cidr":"xx.11.xx/8"}]}}, "Nonstandard IP address: xx.11.xx"],
  ["content_ip_address_bad_mask_EXC", {"detail":{"sourceIPAddress":[{"cidr":"bad-/64filter"}]}}, "Malformed CIDR, mask bits must be an integer"],
  ["content_ip_address_bad_type_NEG", {"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}, {"detail":{"sourceIPAddress":123}}, false],
  ["content_ip_address_type_EXC", {"detail":{"sourceIPAddress":[{"cidr":["bad-type"]}]}}, "prefix match pattern must be a string"],
  [
    "content_ip_address_v6",
    {"detail":{"sourceIPAddress":[{"cidr":"2001:db8:1234:1a00::/64"}]}},
    {"detail":{"sourceIPAddress":"2001:0db8:1234:1a00:0000:0000:0000:0000"}},
    true,
  ],
  [
    "content_ip_address_v6_NEG",
    {"detail":{"sourceIPAddress":[{"cidr":"2001:db8:1234:1a00::/64"}]}},
    {"detail":{"sourceIPAddress":"2001:0db8:123f:1a01:0000:0000:0000:0000"}},
    false,
  ],
  ["content_ip_address_v6_bad_ip_EXC", {"detail":{"sourceIPAddress":[{"cidr":"xxxx:db8:1234:1a00::/64"}]}}, "Nonstandard IP address: xxxx:db8:1234:1a00::"],
  ["content_numeric_EXC", {"detail":{"c-count":[{"numeric":[">",0,">",0]}]}}, "Bad numeric range operator: >"],
  [
    "content_numeric_and",
    {"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",301.8]}]}},
    {"detail":{"c-count":3,"d-count":9,"x-limit":301.8}},
    true,
  ],
  [
    "content_numeric_and_NEG",
    {"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",301.8]}]}},
    {"detail":{"c-count":42,"d-count":9,"x-limit":301.8}},
    false,
  ],
  ["content_numeric_number_EXC", {"detail":{"c-count":[{"numeric":10}]}}, "Value of numeric must be an array."],
  ["content_numeric_operatorcasing_EXC", {"detail":{"equal":[{"NUMERIC":["=",5]}]}}, "Unrecognized match type NUMERIC"],
  ["content_numeric_syntax_EXC", {"detail":{"c-count":[{"numeric":[">",0,"<"]}]}}, "Value of < must be numeric"],
  ["content_prefix", {"time":[{"prefix":"2022-07-13"}]}, {"time":"2022-07-13T13:48:01Z"}, true],
  ["content_prefix_NEG", {"time":[{"prefix":"2022-07-99"}]}, {"time":"2022-07-13T13:48:01Z"}, false],
  ["content_prefix_empty", {"source":[{"prefix":""}]}, {"source":"test-source"}, true],
  ["content_prefix_ignorecase", {"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}, {"detail":{"service":"EvEnTb"}}, true],
  ["content_prefix_int_EXC", {"time":[{"prefix":123}]}, "prefix match pattern must be a string"],
  ["content_prefix_list_EXC", {"time":[{"prefix":["2022-07-13"]}]}, "prefix match pattern must be a string"],
  ["content_suffix", {"FileName":[{"suffix":".png"}]}, {"FileName":"image.png"}, true],
  ["content_suffix_NEG", {"FileName":[{"suffix":".PNG"}]}, {"FileName":"image.png"}, false],
  ["content_suffix_empty", {"source":[{"suffix":""}]}, {"source":"test-source"}, true],
  ["content_suffix_ignorecase", {"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}, {"detail":{"FileName":"image.PNG"}}, true],
  ["content_suffix_ignorecase_NEG", {"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}, {"detail":{"FileName":"image.jpg"}}, false],
  ["content_suffix_int_EXC", {"FileName":[{"suffix":123}]}, "suffix match pattern must be a string"],
  ["content_suffix_list_EXC", {"FileName":[{"suffix":[".png"]}]}, "suffix match pattern must be a string"],
  ["content_wildcard_empty_NEG", {"EventBusArn":[{"wildcard":""}]}, {"EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"}, false],
  ["content_wildcard_int_EXC", {"EventBusArn":[{"wildcard":123}]}, "wildcard match pattern must be a string"],
  ["content_wildcard_list_EXC", {"EventBusArn":[{"wildcard":["arn:aws:events:us-east-1:**:event-bus/*"]}]}, "wildcard match pattern must be a string"],
  ["content_wildcard_nonrepeating", {"FileName":[{"wildcard":"/Users/*/doc.txt"}]}, {"FileName":"/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"}, true],
  [
    "content_wildcard_nonrepeating_NEG",
    {"FileName":[{"wildcard":"/Users/*/doc.txt"}]},
    {"FileName":"/Users/ls_user/dir/dir/dir/dir/dir/notmatchingdoc.txt"},
    false,
  ],
  [
    "content_wildcard_repeating",
    {"FileName":[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]},
    {"FileName":"/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"},
    true,
  ],
  [
    "content_wildcard_repeating_NEG",
    {"FileName":[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]},
    {"FileName":"/Users/ls_user/dir/dir/dir/dir/otherdir/doc.txt"},
    false,
  ],
  [
    "content_wildcard_repeating_star_EXC",
    {"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:**:event-bus/*"}]},
    "Consecutive wildcard characters at pos 26",
  ],
  [
    "content_wildcard_simplified",
    {"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]},
    {"EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"},
    true,
  ],
  ["dot_joining_event", {"detail":{"state":{"status":["running"]}}}, {"detail":{"state.status":"running"}}, true],
  ["dot_joining_event_NEG", {"detail":{"state":{"status":["running"]}}}, {"detail":{"state.status":{"status":"running"}}}, false],
  ["dot_joining_pattern", {"detail":{"state.status":["running"]}}, {"detail":{"state":{"status":"running"}}}, true],
  ["dot_joining_pattern_NEG", {"detail":{"state.status":{"status":["running"]}}}, {"detail":{"state":{"status":"running"}}}, false],
  ["dynamodb", {"dynamodb":{"NewImage":{"homemade":{"N":["1234"]}}}}, {"dynamodb":{"NewImage":{"homemade":{"S":"ABCD","N":"1234"}}}}, true],
  ["exists_dynamodb", {"dynamodb":{"presentKey":{"S":[{"exists":true}]}}}, {"dynamodb":{"id":{"S":"test1234"},"presentKey":{"S":"test123"}}}, true],
  ["exists_dynamodb_NEG", {"dynamodb":{"presentKey":[{"exists":true}]}}, {"dynamodb":{"id":{"S":"test1234"},"presentKey":{"S":"test123"}}}, false],
  ["exists_list_empty_NEG", {"resources":[{"exists":true}]}, {"resources":[]}, false],
  ["int_nolist_EXC", {"int":42}, "\"int\" must be an object or an array"],
  ["key_case_sensitive_NEG", {"MY_KEY":["my-value"]}, {}, false],
  [
    "list_within_dict",
    {"detail":{"automations":{"id":[{"exists":true}]}}},
    {"detail":{"automations":[{"key1":"value1"},{"id":"match-does-exist"},{"key2":"value2"}]}},
    true,
  ],
  ["minimal", {"id":["1"]}, {"id":"1"}, true],
  ["nested_json_NEG", {"detail":{"my-key":["my-value"]}}, {"detail":"{\"my-key\": \"my-value\"}"}, false],
  ["null_value", {"detail":{"responseElements":[null]}}, {"detail":{"eventVersion":"","responseElements":null}}, true],
  ["null_value_NEG", {"detail":{"responseElements":[null]}}, {"detail":{"eventVersion":"","responseElements":"null"}}, false],
  ["number_comparison_float", {"number":[300]}, {"number":300}, true],
  ["numeric-int-float", {"number":[{"numeric":[">",100]}]}, {"number":101}, true],
  ["numeric-null_NEG", {"number":[{"numeric":[">",100]}]}, {"number":null}, false],
  ["numeric-string_NEG", {"number":[{"numeric":[">",100]}]}, {"number":"300"}, false],
  ["operator_case_sensitive_EXC", {"my_key":[{"EXISTS":true}]}, "Unrecognized match type EXISTS"],
  ["operator_multiple_list", {"my_key":[{"exists":true},{"prefix":"IGNORED"},{"suffix":"IGNORED"}]}, {"my_key":"my-value"}, true],
  [
    "or-anything-but",
    {"dynamodb":{"NewImage":{"homemade":{"S":[{"anything-but":["roses"]},{"exists":false}]}}}},
    {"dynamodb":{"NewImage":{"homemade":{"S":"ABCD","N":"1234"}}}},
    true,
  ],
  [
    "or-exists-parent",
    {"dynamodb":{"NewImage":{"homemade":{"S":[{"anything-but":["roses"]},{"exists":false}]}}}},
    {"dynamodb":{"NewImage":{"purchased":{"N":"789"}}}},
    true,
  ],
  [
    "or-exists",
    {"dynamodb":{"NewImage":{"homemade":{"S":[{"anything-but":["roses"]},{"exists":false}]}}}},
    {"dynamodb":{"NewImage":{"homemade":{"N":"789"}}}},
    true,
  ],
  [
    "or-numeric-anything-but",
    {"dynamodb":{"NewImage":{"numericFilter":{"N":[{"numeric":[">",100]},{"anything-but":"101"}]}}}},
    {"dynamodb":{"ApproximateCreationDateTime":1733418659,"Keys":{"id":{"S":"id_value_1"}},"NewImage":{"id":{"S":"id_value_1"},"numericFilter":{"N":"42"}},"SequenceNumber":"49658361752382621885697088319781165717078428243510427650","SizeBytes":52,"StreamViewType":"NEW_AND_OLD_IMAGES"}},
    true,
  ],
  [
    "or-numeric-anything-but_NEG",
    {"dynamodb":{"NewImage":{"numericFilter":{"N":[{"numeric":[">",100]},{"anything-but":"101"}]}}}},
    {"dynamodb":{"ApproximateCreationDateTime":1733418659,"Keys":{"id":{"S":"id_value_1"}},"NewImage":{"id":{"S":"id_value_1"},"numericFilter":{"N":"101"}},"SequenceNumber":"49658361752382621885697088319781165717078428243510427650","SizeBytes":52,"StreamViewType":"NEW_AND_OLD_IMAGES"}},
    false,
  ],
  [
    "prefix",
    {"dynamodb":{"Keys":{"PK":{"S":[{"prefix":"COMPANY"}]},"SK":{"S":[{"prefix":"PRODUCT"}]}}}},
    {"dynamodb":{"ApproximateCreationDateTime":1664559083,"Keys":{"SK":{"S":"PRODUCT#CHOCOLATE#DARK#1000"},"PK":{"S":"COMPANY#1000"}},"NewImage":{"quantity":{"N":"50"},"company_id":{"S":"1000"},"fabric":{"S":"Florida Chocolates"},"price":{"N":"15"},"stores":{"N":"5"},"product_id":{"S":"1000"},"SK":{"S":"PRODUCT#CHOCOLATE#DARK#1000"},"PK":{"S":"COMPANY#1000"},"state":{"S":"FL"},"type":{"S":""}},"SequenceNumber":"700000000000888747038","SizeBytes":174,"StreamViewType":"NEW_AND_OLD_IMAGES"}},
    true,
  ],
  ["sample1", {"source":["order"],"detail-type":["Test"]}, {"source":"order","detail-type":"Test"}, true],
  [
    "string",
    {"string":["A CamelCase string with an emoji \ud83d\ude80 and trailing whitespace "]},
    {"string":"A CamelCase string with an emoji \ud83d\ude80 and trailing whitespace "},
    true,
  ],
  ["string_empty", {"detail":{"eventVersion":[""]}}, {"detail":{"eventVersion":"","responseElements":null}}, true],
  ["string_nolist_EXC", {"string":"my-value"}, "\"string\" must be an object or an array"],
];

for (const row of ROWS) {
  const [label, pattern] = row;
  test(`AWS-recorded TestEventPattern case: ${label}`, () => {
    const compiled = compileEventPattern(JSON.stringify(pattern));
    if (row.length === 3) {
      assert.equal(compiled.ok, false, 'AWS refuses this pattern');
      if (!compiled.ok) assert.equal(compiled.error.message, `Event pattern is not valid. Reason: ${row[2]}`);
      return;
    }
    assert.ok(compiled.ok, compiled.ok ? '' : compiled.error.message);
    // Through JSON text, as PutEvents delivers it, so numbers keep their source form.
    const event = parseJsonValue(JSON.stringify(row[2]));
    assert.equal(matchesEventPattern(compiled.pattern, event), row[3]);
  });
}

test('the checklist covers matches, non-matches and refusals', () => {
  const kinds = { match: 0, noMatch: 0, refused: 0 };
  for (const row of ROWS) {
    if (row.length === 3) kinds.refused++;
    else if (row[3]) kinds.match++;
    else kinds.noMatch++;
  }
  assert.deepEqual(kinds, { match: 66, noMatch: 51, refused: 37 });
});
