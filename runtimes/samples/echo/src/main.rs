//! echo: a WASI command (the command form of docs/function-abi.md). The
//! event is stdin, the response is stdout, stderr is the log; each
//! invocation runs `main` in a fresh instance.

use std::io::{Read, Write};

fn main() {
    let mut event = Vec::new();
    std::io::stdin()
        .read_to_end(&mut event)
        .expect("reading the event from stdin");
    eprintln!("echo: {} bytes", event.len());
    std::io::stdout()
        .write_all(&event)
        .expect("writing the response to stdout");
}
