//! One module per console page.

mod apis;
mod dashboard;
mod functions;
mod not_built;
mod settings;
mod tables;

pub use apis::{ApiPage, ApisList, CreateApi, ImportApiPage};
pub use dashboard::Dashboard;
pub use functions::{CreateFunction, FunctionPage, FunctionsList};
pub use not_built::{NotBuilt, NotFound};
pub use settings::Settings;
pub use tables::{CreateTable, TablePage, TablesList};

/// A service of the cloud, as the navigation, the dashboard and its page show it.
pub struct Service {
    /// The console route.
    pub path: &'static str,
    /// The name in the navigation.
    pub name: &'static str,
    /// The AWS service it behaves like.
    pub like: &'static str,
    /// What it will do, in one sentence.
    pub summary: &'static str,
    /// Where its API answers, relative to the app's base URL.
    pub endpoint: &'static str,
    /// Whether its API answers requests already (its console page may not).
    pub api_ready: bool,
}

pub const SERVICES: [Service; 6] = [
    Service {
        path: "/tables",
        name: "Tables",
        like: "Amazon DynamoDB",
        summary: "Key-value and document tables with queries, indexes, transactions and capacity you can watch throttle.",
        endpoint: "_aws/dynamodb/",
        api_ready: true,
    },
    Service {
        path: "/functions",
        name: "Functions",
        like: "AWS Lambda",
        summary: "Functions that run as nested WebAssembly modules, with cold and warm starts, timeouts, memory limits, versions and weighted aliases.",
        endpoint: "_aws/lambda/2015-03-31/functions",
        api_ready: true,
    },
    Service {
        path: "/apis",
        name: "APIs",
        like: "Amazon API Gateway",
        summary: "HTTP and REST APIs whose invoke URLs answer real fetch() calls from any page of this site.",
        endpoint: "_aws/apigateway/",
        api_ready: true,
    },
    Service {
        path: "/storage",
        name: "Storage",
        like: "Amazon S3",
        summary: "Buckets and objects, reached with the S3 REST API in path style.",
        endpoint: "_aws/s3/",
        api_ready: false,
    },
    Service {
        path: "/cdn",
        name: "CDN",
        like: "Amazon CloudFront",
        summary: "Serve a bucket as a website with caching rules, sandboxed from the console.",
        endpoint: "(invoke paths of distributions)",
        api_ready: false,
    },
    Service {
        path: "/logs",
        name: "Logs and metrics",
        like: "Amazon CloudWatch",
        summary: "Log groups and streams of functions and APIs, and charts of their metrics.",
        endpoint: "_aws/logs/",
        api_ready: true,
    },
];
