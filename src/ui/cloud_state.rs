//! What the console shows while the tab's cloud starts, when another tab owns
//! it, and when changes could not be saved.

use crate::host::boot::{self, CloudState};
use leptos::prelude::*;
use std::time::Duration;

/// Provides the cloud's state to the console and starts the cloud.
pub fn provide(base: String) -> RwSignal<CloudState> {
    let state = RwSignal::new(CloudState::Starting);
    provide_context(state);
    boot::start(crate::host::cloud(), base, std::rc::Rc::new(move |s| state.set(s)));
    state
}

pub fn use_cloud_state() -> RwSignal<CloudState> {
    expect_context::<RwSignal<CloudState>>()
}

/// Shows the page when the cloud is ready, and a panel otherwise.
#[component]
pub fn CloudGate(children: ChildrenFn) -> impl IntoView {
    let state = use_cloud_state();
    let take_over = move |_| boot::take_over();
    view! {
        {move || match state.get() {
            CloudState::Ready { .. } => children().into_any(),
            CloudState::Starting => view! {
                <section class="card notice" role="status"><p>"Starting your cloud…"</p></section>
            }
            .into_any(),
            CloudState::Loading { done, total } => {
                let pct = if total == 0 { 100.0 } else { done as f64 * 100.0 / total as f64 };
                view! {
                    <section class="card" role="status" aria-live="polite">
                        <h2>"Loading your cloud"</h2>
                        <progress max="100" value=pct.to_string() aria-label="Loading saved state"></progress>
                        <p class="muted">{format!("{done} of {total} saved entries read")}</p>
                    </section>
                }
                .into_any()
            }
            CloudState::Elsewhere => view! {
                <section class="card notice owner-panel">
                    <h2>"Stratus is open in another tab"</h2>
                    <p>"One tab at a time owns your cloud, so that no change is lost. Requests from pages of this site are answered by that tab."</p>
                    <button class="button primary" on:click=take_over.clone()>"Use Stratus in this tab"</button>
                </section>
            }
            .into_any(),
            CloudState::Moved => view! {
                <section class="card notice owner-panel">
                    <h2>"Stratus moved to another tab"</h2>
                    <p>"Another tab took over your cloud after this one saved its last changes."</p>
                    <button class="button primary" on:click=take_over.clone()>"Use Stratus in this tab again"</button>
                </section>
            }
            .into_any(),
            CloudState::Failed(message) => view! {
                <section class="card error-panel" role="alert">
                    <h2>"Your cloud could not start"</h2>
                    <p>{message}</p>
                    <p>"Reload the page to try again. If it keeps failing, export what you can from Settings, or reset the account there."</p>
                </section>
            }
            .into_any(),
        }}
    }
}

/// A banner when a change could not be made durable (storage full, or
/// IndexedDB failed): the change was answered with InternalServerError.
#[component]
pub fn StorageBanner() -> impl IntoView {
    let failure = RwSignal::new(None::<String>);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let now = crate::host::cloud().store_failure();
            if failure.get_untracked() != now {
                failure.set(now);
            }
        },
        Duration::from_millis(1000),
    ) {
        on_cleanup(move || handle.clear());
    }
    view! {
        {move || failure.get().map(|message| view! { <div class="banner error" role="alert">{message}</div> })}
    }
}
