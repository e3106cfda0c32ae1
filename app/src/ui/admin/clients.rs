//! The admin's client screen: every client, with activation, payment status and notes.

use crate::ui::shared::status::{for_role, ErrorAlert, Loading};
use leptos::prelude::*;

use crate::ui::shared::components::{form_error, when, FormAlert};
use crate::{
    api::{AppError, ClientSummary, CurrentUser, PaymentStatus, Role},
    rpc::clients::{list_clients, SetClientActivation},
};

/// The list and the action that changes it. Created by its section, outside any Suspense: a resource created
/// inside a Suspense's child closure would be re-created on every pass of server rendering.
#[derive(Clone, Copy)]
pub struct ClientsData {
    pub list: Resource<Result<Option<Vec<ClientSummary>>, AppError>>,
    pub save: ServerAction<SetClientActivation>,
}

impl ClientsData {
    /// Loads only on the clients section and only for an admin (awaiting the user resource, not reading it, so
    /// server rendering waits for it).
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> ClientsData {
        let save = ServerAction::<SetClientActivation>::new();
        let list = Resource::new(
            move || save.version().get(),
            move |_| async move { for_role(user, Role::is_admin, list_clients()).await },
        );
        ClientsData { list, save }
    }
}

#[component]
pub fn ClientsSection(data: ClientsData) -> impl IntoView {
    let ClientsData { list, save } = data;
    view! {
        <section class="card" data-testid="clients-section">
            <h2>"Clients"</h2>
            <p class="muted">"Activate a client to let them delegate jobs. Payment status and notes are kept with the account."</p>
            <FormAlert error=form_error(save.value()) />
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(Some(rows)) if rows.is_empty() => view! { <p class="muted">"No clients yet."</p> }.into_any(),
                        Ok(Some(rows)) => view! {
                            <ul class="client-list">
                                {rows.into_iter().map(|c| view! { <ClientRow client=c save /> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ClientRow(client: ClientSummary, save: ServerAction<SetClientActivation>) -> impl IntoView {
    let name = format!("{} {}", client.first_name, client.last_name);
    let status = if client.is_activated {
        "Active"
    } else {
        "Awaiting activation"
    };
    let activated = client.activated_at.map(|at| {
        format!(
            "Activated {} by {}",
            when(at),
            client
                .activated_by
                .clone()
                .unwrap_or_else(|| "an admin".into())
        )
    });
    let button = if client.is_activated {
        "Deactivate"
    } else {
        "Activate"
    };
    let next = (!client.is_activated).to_string();
    let current = client.payment_status;
    let id = client.client_id.to_string();
    let notes_id = format!("notes-{id}");
    let pay_id = format!("pay-{id}");
    view! {
        <li class="client-row" data-testid="client-row" data-email=client.email.clone()>
            <div class="client-head">
                <strong>{name}</strong>
                <span class="muted">{client.email.clone()}</span>
                <span class="badge" class:badge-ok=client.is_activated data-testid="client-status">{status}</span>
                <span class="badge" class:badge-ok=client.email_verified data-testid="client-email-status">
                    {if client.email_verified { "Email confirmed" } else { "Email not confirmed" }}
                </span>
            </div>
            {activated.map(|a| view! { <p class="muted small">{a}</p> })}
            <ActionForm action=save attr:class="client-form">
                <input type="hidden" name="client_id" value=id />
                <input type="hidden" name="activate" value=next />
                <div class="field">
                    <label for=pay_id.clone()>"Payment status"</label>
                    <select id=pay_id name="payment_status">
                        {PaymentStatus::ALL
                            .into_iter()
                            .map(|p| view! { <option value=p.as_str() selected=p == current>{p.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=notes_id.clone()>"Subscription notes"</label>
                    <input id=notes_id name="subscription_notes" type="text" maxlength="2000" value=client.subscription_notes.clone() />
                </div>
                <button type="submit" class="btn btn-primary">{button}</button>
            </ActionForm>
        </li>
    }
}
