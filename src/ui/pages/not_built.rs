//! The page of a service that is not built yet, and the page for unknown paths.

use super::Service;
use crate::ui::widgets::PageHeader;
use leptos::prelude::*;
use leptos_router::components::A;

/// Says plainly that a service is not built yet and what its endpoint answers now.
#[component]
pub fn NotBuilt(service: &'static Service) -> impl IntoView {
    view! {
        <PageHeader title=service.name subtitle=service.like/>
        <section class="card notice" role="status">
            <h2>"Not built yet"</h2>
            <p>{service.summary}</p>
            {if service.api_ready {
                view! {
                    <p>
                        "Its API already answers at "
                        <code>{service.endpoint}</code>
                        ": use it with an AWS SDK or fetch() (Settings shows the endpoint). This console page comes next."
                    </p>
                }
                .into_any()
            } else {
                view! {
                    <p>
                        "This service has no operations yet. Requests to "
                        <code>{service.endpoint}</code>
                        " are answered with the error AWS gives for an unknown operation, in the service's own protocol."
                    </p>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <PageHeader title="Page not found" subtitle="404"/>
        <section class="card notice">
            <p>"There is no console page at this address."</p>
            <p><A href=crate::ui::href("/")>"Go to the dashboard"</A></p>
        </section>
    }
}
