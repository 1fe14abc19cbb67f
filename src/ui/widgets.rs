//! Widgets shared by the console's pages.

use leptos::prelude::*;

/// A labelled one-line text field bound to `value`.
pub fn text_input(label: &'static str, value: RwSignal<String>, placeholder: &'static str) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input type="text" placeholder=placeholder prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

/// A comma-separated field as a list: trimmed, blanks dropped.
pub fn list_of(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// A page's title line.
#[component]
pub fn PageHeader(title: &'static str, #[prop(optional)] subtitle: &'static str) -> impl IntoView {
    view! {
        <div class="page-header">
            <h1>{title}</h1>
            {(!subtitle.is_empty()).then(|| view! { <span class="subtitle">{subtitle}</span> })}
        </div>
    }
}

/// A label/value row of a facts list.
#[component]
pub fn Fact(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="fact">
            <dt>{label}</dt>
            <dd>{children()}</dd>
        </div>
    }
}

/// Formats a byte count for people: `1.5 MB`.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A list page's toolbar: a search box, Refresh (bumps `reload`) and the
/// link to the create page.
pub fn list_toolbar(
    search_label: &'static str,
    search: RwSignal<String>,
    reload: RwSignal<u32>,
    create_path: &'static str,
    create_label: &'static str,
) -> impl IntoView {
    view! {
        <div class="toolbar">
            <label class="search">
                <span class="visually-hidden">{search_label}</span>
                <input
                    type="search"
                    placeholder=search_label
                    aria-label=search_label
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
            </label>
            <span class="spacer"></span>
            <button class="button" on:click=move |_| reload.update(|n| *n += 1)>"Refresh"</button>
            <leptos_router::components::A href=crate::ui::href(create_path) attr:class="button primary">{create_label}</leptos_router::components::A>
        </div>
    }
}
