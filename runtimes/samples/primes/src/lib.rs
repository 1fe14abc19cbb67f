//! primes: a CPU-bound function. Counts the primes below `event.n` (default
//! 100,000) by trial division, so the time goes into loops and arithmetic:
//! the benchmark of fuel metering's cost runs it with and without metering.
//!
//! Test event: `{"n": 100000}` answers `{"n": 100000, "primes": 9592}`.

use stratus_guest::{json, Context, Error, Value};

fn count_primes(n: u64) -> u64 {
    let mut count = 0;
    for candidate in 2..n {
        let mut d = 2;
        let mut prime = true;
        while d * d <= candidate {
            if candidate % d == 0 {
                prime = false;
                break;
            }
            d += 1;
        }
        if prime {
            count += 1;
        }
    }
    count
}

fn primes(event: Value, _ctx: &Context) -> Result<Value, Error> {
    let n = event.get("n").and_then(Value::as_u64).unwrap_or(100_000);
    if n > 50_000_000 {
        return Err(Error::new("InvalidInput", "n must be at most 50,000,000"));
    }
    Ok(json!({ "n": n, "primes": count_primes(n) }))
}

stratus_guest::handler!(primes);
