//! Test event templates: the events the services that invoke functions
//! send, shaped as AWS documents them (and as the Lambda console's
//! templates are), with this cloud's account and region.

/// (name, event JSON).
pub const TEMPLATES: [(&str, &str); 5] = [
    ("API Gateway proxy (REST API, payload 1.0)", API_GATEWAY_V1),
    ("API Gateway HTTP API (payload 2.0)", API_GATEWAY_V2),
    ("DynamoDB stream", DYNAMODB_STREAM),
    ("S3 put", S3_PUT),
    ("EventBridge scheduled event", SCHEDULED),
];

const API_GATEWAY_V1: &str = r#"{
  "resource": "/items/{id}",
  "path": "/items/123",
  "httpMethod": "GET",
  "headers": {
    "Accept": "application/json",
    "Host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
    "User-Agent": "curl/8.5.0"
  },
  "multiValueHeaders": {
    "Accept": ["application/json"],
    "Host": ["abcdef1234.execute-api.us-east-1.amazonaws.com"],
    "User-Agent": ["curl/8.5.0"]
  },
  "queryStringParameters": null,
  "multiValueQueryStringParameters": null,
  "pathParameters": { "id": "123" },
  "stageVariables": null,
  "requestContext": {
    "accountId": "000000000000",
    "apiId": "abcdef1234",
    "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
    "httpMethod": "GET",
    "path": "/prod/items/123",
    "protocol": "HTTP/1.1",
    "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    "requestTimeEpoch": 1735689600000,
    "resourceId": "123456",
    "resourcePath": "/items/{id}",
    "stage": "prod",
    "identity": { "sourceIp": "127.0.0.1", "userAgent": "curl/8.5.0" }
  },
  "body": null,
  "isBase64Encoded": false
}"#;

const API_GATEWAY_V2: &str = r#"{
  "version": "2.0",
  "routeKey": "GET /items",
  "rawPath": "/items",
  "rawQueryString": "limit=10",
  "headers": {
    "accept": "application/json",
    "host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
    "user-agent": "curl/8.5.0"
  },
  "queryStringParameters": { "limit": "10" },
  "requestContext": {
    "accountId": "000000000000",
    "apiId": "abcdef1234",
    "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
    "domainPrefix": "abcdef1234",
    "http": {
      "method": "GET",
      "path": "/items",
      "protocol": "HTTP/1.1",
      "sourceIp": "127.0.0.1",
      "userAgent": "curl/8.5.0"
    },
    "requestId": "JKJaXmPLvHcESHA=",
    "routeKey": "GET /items",
    "stage": "$default",
    "time": "01/Jan/2025:00:00:00 +0000",
    "timeEpoch": 1735689600000
  },
  "isBase64Encoded": false
}"#;

const DYNAMODB_STREAM: &str = r#"{
  "Records": [
    {
      "eventID": "c4ca4238a0b923820dcc509a6f75849b",
      "eventName": "INSERT",
      "eventVersion": "1.1",
      "eventSource": "aws:dynamodb",
      "awsRegion": "us-east-1",
      "dynamodb": {
        "ApproximateCreationDateTime": 1735689600,
        "Keys": { "id": { "S": "101" } },
        "NewImage": { "id": { "S": "101" }, "message": { "S": "New item!" } },
        "SequenceNumber": "111",
        "SizeBytes": 26,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
      },
      "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/ExampleTable/stream/2025-01-01T00:00:00.000"
    },
    {
      "eventID": "c81e728d9d4c2f636f067f89cc14862c",
      "eventName": "MODIFY",
      "eventVersion": "1.1",
      "eventSource": "aws:dynamodb",
      "awsRegion": "us-east-1",
      "dynamodb": {
        "ApproximateCreationDateTime": 1735689660,
        "Keys": { "id": { "S": "101" } },
        "NewImage": { "id": { "S": "101" }, "message": { "S": "This item has changed" } },
        "OldImage": { "id": { "S": "101" }, "message": { "S": "New item!" } },
        "SequenceNumber": "222",
        "SizeBytes": 59,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
      },
      "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/ExampleTable/stream/2025-01-01T00:00:00.000"
    }
  ]
}"#;

const S3_PUT: &str = r#"{
  "Records": [
    {
      "eventVersion": "2.1",
      "eventSource": "aws:s3",
      "awsRegion": "us-east-1",
      "eventTime": "2025-01-01T00:00:00.000Z",
      "eventName": "ObjectCreated:Put",
      "userIdentity": { "principalId": "EXAMPLE" },
      "requestParameters": { "sourceIPAddress": "127.0.0.1" },
      "responseElements": {
        "x-amz-request-id": "EXAMPLE123456789",
        "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH"
      },
      "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": "testConfigRule",
        "bucket": {
          "name": "example-bucket",
          "ownerIdentity": { "principalId": "EXAMPLE" },
          "arn": "arn:aws:s3:::example-bucket"
        },
        "object": {
          "key": "test/key",
          "size": 1024,
          "eTag": "0123456789abcdef0123456789abcdef",
          "sequencer": "0A1B2C3D4E5F678901"
        }
      }
    }
  ]
}"#;

const SCHEDULED: &str = r#"{
  "version": "0",
  "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  "source": "aws.events",
  "account": "000000000000",
  "time": "2025-01-01T00:00:00Z",
  "region": "us-east-1",
  "resources": ["arn:aws:events:us-east-1:000000000000:rule/my-schedule"],
  "detail": {}
}"#;
