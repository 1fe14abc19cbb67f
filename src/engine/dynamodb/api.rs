//! The typed engine API: the same operations without JSON, for the console,
//! the persistence layer and benchmarks. (Filled in by the benchmark work.)
