//! The console's frame: header, service navigation and the routed page.

use super::pages::{self, SERVICES};
use super::cloud_state::{self, CloudGate, StorageBanner};
use super::{href, theme};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App(base: String) -> impl IntoView {
    let theme = theme::provide();
    cloud_state::provide(base.clone());
    let nav_open = RwSignal::new(false);
    view! {
        <Router base=base>
            <header class="topbar">
                <button
                    class="icon-button menu-button"
                    aria-label="Menu"
                    aria-controls="service-nav"
                    aria-expanded=move || nav_open.get().to_string()
                    on:click=move |_| nav_open.update(|open| *open = !*open)
                >
                    <svg class="menu-icon" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">
                        <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
                    </svg>
                </button>
                <A href=href("/") attr:class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"Stratus"</span>
                </A>
                <span class="region" title="Every ARN and endpoint names this region">
                    {crate::engine::REGION}
                </span>
                <span class="spacer"></span>
                <button
                    class="theme-toggle"
                    title="Switch between system, light and dark themes"
                    on:click=move |_| theme.update(|t| *t = t.next())
                >
                    {move || theme.get().label()}
                </button>
            </header>
            <div class="frame">
                <nav id="service-nav" class="sidenav" class:open=move || nav_open.get() aria-label="Services"
                    // On a phone the navigation is a drawer: following a link closes it.
                    on:click=move |_| nav_open.set(false)
                >
                    <A href=href("/") exact=true>"Dashboard"</A>
                    {SERVICES
                        .iter()
                        .map(|s| view! { <A href=href(s.path)>{s.name}</A> })
                        .collect_view()}
                    <A href=href("/settings")>"Settings"</A>
                </nav>
                <main class="content">
                    <StorageBanner/>
                    <CloudGate>
                    <Routes fallback=|| view! { <pages::NotFound/> }>
                        <Route path=path!("/") view=pages::Dashboard/>
                        <Route path=path!("/tables") view=pages::TablesList/>
                        <Route path=path!("/tables/-/create") view=pages::CreateTable/>
                        <Route path=path!("/tables/:name") view=pages::TablePage/>
                        <Route path=path!("/functions") view=pages::FunctionsList/>
                        <Route path=path!("/functions/-/create") view=pages::CreateFunction/>
                        <Route path=path!("/functions/:name") view=pages::FunctionPage/>
                        <Route path=path!("/apis") view=pages::ApisList/>
                        <Route path=path!("/apis/-/create") view=pages::CreateApi/>
                        <Route path=path!("/apis/-/import") view=pages::ImportApiPage/>
                        <Route path=path!("/apis/:id") view=pages::ApiPage/>
                        <Route path=path!("/storage") view=|| view! { <pages::NotBuilt service=&SERVICES[3]/> }/>
                        <Route path=path!("/cdn") view=|| view! { <pages::NotBuilt service=&SERVICES[4]/> }/>
                        <Route path=path!("/logs") view=|| view! { <pages::NotBuilt service=&SERVICES[5]/> }/>
                        <Route path=path!("/settings") view=pages::Settings/>
                    </Routes>
                    </CloudGate>
                </main>
            </div>
        </Router>
    }
}
