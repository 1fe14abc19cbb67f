//! Light and dark themes: "system" follows the operating system's setting; the
//! choice is kept in localStorage and applied as `data-theme` on `<html>`.

use leptos::prelude::*;

const KEY: &str = "stratus.theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Theme {
        match s {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }

    /// The order the header's toggle cycles through.
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "Theme: system",
            Theme::Light => "Theme: light",
            Theme::Dark => "Theme: dark",
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved theme, or `System`.
pub fn saved() -> Theme {
    storage().and_then(|s| s.get_item(KEY).ok().flatten()).map(|s| Theme::parse(&s)).unwrap_or(Theme::System)
}

/// Saves and applies a theme.
pub fn apply(theme: Theme) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, theme.as_str());
    }
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
}

/// The theme signal, provided once by the shell and read by any page.
pub fn provide() -> RwSignal<Theme> {
    let theme = RwSignal::new(saved());
    Effect::new(move |_| apply(theme.get()));
    provide_context(theme);
    theme
}

pub fn use_theme() -> RwSignal<Theme> {
    expect_context::<RwSignal<Theme>>()
}
