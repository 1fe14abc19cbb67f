//! The console's entry point: trunk builds this binary for wasm32 and the
//! page's generated script calls `main`.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    stratus::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "Stratus runs in a browser tab. Build and serve it with `./x serve`, \
         then open http://127.0.0.1:8080/."
    );
    std::process::exit(2);
}
