//! The client's resume profile as forms: summary, positions, schools, skills and contact details.

use crate::ui::shared::status::{for_role, ErrorAlert, Loading};
use leptos::prelude::*;

use crate::ui::shared::components::FormAlert;
use crate::{
    api::{
        resumes::{ResumeProfile, Resumes},
        AppError, CurrentUser, Role,
    },
    rpc::resumes::{get_resumes, SaveResumeProfile},
};

/// Created by its section, outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct ProfileData {
    pub resumes: Resource<Result<Option<Resumes>, AppError>>,
    pub save: ServerAction<SaveResumeProfile>,
}

impl ProfileData {
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> ProfileData {
        let save = ServerAction::<SaveResumeProfile>::new();
        let resumes = Resource::new(
            || (),
            move |_| async move { for_role(user, |r| r == Role::Client, get_resumes(None)).await },
        );
        ProfileData { resumes, save }
    }
}

#[component]
pub fn ProfileSection(data: ProfileData) -> impl IntoView {
    let ProfileData { resumes, save } = data;
    view! {
        <section class="card" data-testid="profile-section">
            <h2>"Resume profile"</h2>
            <p class="muted">"What your assistant needs to fill in application forms. The assistants assigned to you can read it."</p>
            <Suspense fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match resumes.await {
                        Ok(Some(r)) => view! { <ProfileForm initial=r.profile save /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Human names for the server's field paths, e.g. `experience.0.company` → "Position 1: company".
fn describe_field(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["experience", i, f] => format!(
            "Position {}: {f}",
            i.parse::<usize>().map(|n| n + 1).unwrap_or(0)
        ),
        ["education", i, f] => format!(
            "School {}: {f}",
            i.parse::<usize>().map(|n| n + 1).unwrap_or(0)
        ),
        ["contact", f] => format!("Contact: {f}"),
        ["answers", f] => format!("Answers: {f}"),
        ["answers", "saved", i, f] => format!(
            "Saved answer {}: {f}",
            i.parse::<usize>().map(|n| n + 1).unwrap_or(0)
        ),
        _ => path.to_string(),
    }
}

#[component]
fn ProfileForm(initial: ResumeProfile, save: ServerAction<SaveResumeProfile>) -> impl IntoView {
    let exp_init = StoredValue::new(initial.experience.clone());
    let edu_init = StoredValue::new(initial.education.clone());
    let saved_init = StoredValue::new(initial.answers.saved.clone());
    let saved_keys = RwSignal::new((0..initial.answers.saved.len()).collect::<Vec<_>>());
    let exp_keys = RwSignal::new((0..initial.experience.len()).collect::<Vec<_>>());
    let edu_keys = RwSignal::new((0..initial.education.len()).collect::<Vec<_>>());
    let next = StoredValue::new(1000usize);
    let fresh = move || {
        let k = next.get_value();
        next.set_value(k + 1);
        k
    };
    let value = save.value();
    let errors = Signal::derive(move || match value.get() {
        Some(Err(AppError::Validation { fields, .. })) => fields,
        _ => Vec::new(),
    });
    let err = move |f: &'static str| {
        Signal::derive(move || {
            errors
                .get()
                .into_iter()
                .find(|e| e.field == f)
                .map(|e| e.message)
        })
    };
    let general = Signal::derive(move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(profile) = read_form(
            &ev,
            &exp_keys.get_untracked(),
            &edu_keys.get_untracked(),
            &saved_keys.get_untracked(),
        ) {
            save.dispatch(SaveResumeProfile { profile });
        }
    };
    let c = initial.contact.clone();
    let a = initial.answers.clone();
    view! {
        <form class="profile-form" on:submit=on_submit data-testid="profile-form" novalidate>
            <div class="field field-wide" class:has-error=move || err("summary").get().is_some()>
                <label for="p-summary">"Professional summary"</label>
                <textarea id="p-summary" name="summary" rows="4" maxlength="5000">{initial.summary.clone()}</textarea>
                <p class="field-error" role="alert">{move || err("summary").get().unwrap_or_default()}</p>
            </div>

            <h3>"Experience"</h3>
            <For each=move || exp_keys.get() key=|k| *k let:k>
                {
                    let e = exp_init.with_value(|v| v.get(k).cloned()).unwrap_or_default();
                    view! {
                        <fieldset class="entry" data-testid="experience-entry">
                            <div class="form-grid">
                                <Input label="Job title" name=format!("exp-{k}-title") value=e.title />
                                <Input label="Company" name=format!("exp-{k}-company") value=e.company />
                                <Input label="Location" name=format!("exp-{k}-location") value=e.location />
                                <Input label="From" name=format!("exp-{k}-start") value=e.start placeholder="2021-03" />
                                <Input label="To" name=format!("exp-{k}-end") value=e.end placeholder="present" />
                            </div>
                            <div class="field">
                                <label for=format!("exp-{k}-description")>"What you did"</label>
                                <textarea id=format!("exp-{k}-description") name=format!("exp-{k}-description") rows="2">{e.description}</textarea>
                            </div>
                            <button type="button" class="btn btn-ghost" on:click=move |_| exp_keys.update(|v| v.retain(|x| *x != k))>"Remove position"</button>
                        </fieldset>
                    }
                }
            </For>
            <button type="button" class="btn" data-testid="add-experience" on:click=move |_| { let k = fresh(); exp_keys.update(|v| v.push(k)) }>"Add position"</button>

            <h3>"Education"</h3>
            <For each=move || edu_keys.get() key=|k| *k let:k>
                {
                    let e = edu_init.with_value(|v| v.get(k).cloned()).unwrap_or_default();
                    view! {
                        <fieldset class="entry" data-testid="education-entry">
                            <div class="form-grid">
                                <Input label="School" name=format!("edu-{k}-school") value=e.school />
                                <Input label="Degree" name=format!("edu-{k}-degree") value=e.degree />
                                <Input label="Field of study" name=format!("edu-{k}-field") value=e.field />
                                <Input label="From" name=format!("edu-{k}-start") value=e.start />
                                <Input label="To" name=format!("edu-{k}-end") value=e.end />
                            </div>
                            <button type="button" class="btn btn-ghost" on:click=move |_| edu_keys.update(|v| v.retain(|x| *x != k))>"Remove school"</button>
                        </fieldset>
                    }
                }
            </For>
            <button type="button" class="btn" data-testid="add-education" on:click=move |_| { let k = fresh(); edu_keys.update(|v| v.push(k)) }>"Add school"</button>

            <h3>"Skills"</h3>
            <div class="field field-wide" class:has-error=move || err("skills").get().is_some()>
                <label for="p-skills">"Skills, separated by commas"</label>
                <input id="p-skills" name="skills" type="text" value=initial.skills.join(", ") />
                <p class="field-error" role="alert">{move || err("skills").get().unwrap_or_default()}</p>
            </div>

            <h3>"Contact details"</h3>
            <div class="form-grid">
                <Input label="Email" name="contact-email".to_string() value=c.email kind="email" error=err("contact.email") />
                <Input label="Phone" name="contact-phone".to_string() value=c.phone kind="tel" error=err("contact.phone") />
                <Input label="Location" name="contact-location".to_string() value=c.location error=err("contact.location") />
                <Input label="LinkedIn" name="contact-linkedin".to_string() value=c.linkedin kind="url" error=err("contact.linkedin") />
                <Input label="Website" name="contact-website".to_string() value=c.website kind="url" error=err("contact.website") />
                <Input label="GitHub" name="contact-github".to_string() value=c.github kind="url" error=err("contact.github") />
                <Input label="Portfolio" name="contact-portfolio".to_string() value=c.portfolio kind="url" error=err("contact.portfolio") />
                <Input label="Street address" name="contact-address".to_string() value=c.address error=err("contact.address") />
                <Input label="City" name="contact-city".to_string() value=c.city error=err("contact.city") />
                <Input label="Postal code" name="contact-postal_code".to_string() value=c.postal_code error=err("contact.postal_code") />
                <Input label="Country" name="contact-country".to_string() value=c.country error=err("contact.country") />
            </div>

            <h3>"Answers for application forms"</h3>
            <p class="muted small">"Your assistant fills these into application forms; a question left unanswered comes back to you."</p>
            <div class="form-grid" data-testid="answers">
                <Input label="Name you like to be called" name="answers-preferred_name".to_string() value=a.preferred_name error=err("answers.preferred_name") />
                <YesNo label="Are you authorized to work where the jobs are?" name="answers-authorized_to_work" value=a.authorized_to_work error=err("answers.authorized_to_work") />
                <YesNo label="Will you need visa sponsorship?" name="answers-needs_sponsorship" value=a.needs_sponsorship error=err("answers.needs_sponsorship") />
                <Input label="How did you hear about us? (your usual answer)" name="answers-how_heard".to_string() value=a.how_heard placeholder="LinkedIn" error=err("answers.how_heard") />
            </div>
            <div class="field field-wide" class:has-error=move || err("answers.cover_letter").get().is_some()>
                <label for="answers-cover_letter">"Cover letter (for forms with a cover letter box)"</label>
                <textarea id="answers-cover_letter" name="answers-cover_letter" rows="5" maxlength="5000">{a.cover_letter.clone()}</textarea>
                <p class="field-error" role="alert">{move || err("answers.cover_letter").get().unwrap_or_default()}</p>
            </div>

            <h3>"Saved answers"</h3>
            <p class="muted small">"Answers you kept from your assistant's questions; they fill the same questions next time."</p>
            <For each=move || saved_keys.get() key=|k| *k let:k>
                {
                    let a = saved_init.with_value(|v| v.get(k).cloned()).unwrap_or_default();
                    view! {
                        <fieldset class="entry" data-testid="saved-answer">
                            <Input label="Question" name=format!("saved-{k}-question") value=a.question />
                            <div class="field">
                                <label for=format!("saved-{k}-answer")>"Answer"</label>
                                <textarea id=format!("saved-{k}-answer") name=format!("saved-{k}-answer") rows="2" maxlength="2000">{a.answer}</textarea>
                            </div>
                            <button type="button" class="btn btn-ghost" data-testid="remove-saved-answer" on:click=move |_| saved_keys.update(|v| v.retain(|x| *x != k))>"Remove answer"</button>
                        </fieldset>
                    }
                }
            </For>
            <button type="button" class="btn" data-testid="add-saved-answer" on:click=move |_| { let k = fresh(); saved_keys.update(|v| v.push(k)) }>"Add an answer"</button>

            <FormAlert error=general />
            <ul class="field-errors">
                {move || errors.get().into_iter()
                    .filter(|e| e.field.starts_with("experience") || e.field.starts_with("education") || e.field.starts_with("answers.saved"))
                    .map(|e| view! { <li>{format!("{}: {}", describe_field(&e.field), e.message)}</li> })
                    .collect_view()}
            </ul>
            {move || matches!(value.get(), Some(Ok(_))).then(|| view! {
                <p class="alert alert-ok" role="status" data-testid="profile-saved">"Profile saved."</p>
            })}
            <button type="submit" class="btn btn-primary" data-testid="save-profile">"Save profile"</button>
        </form>
    }
}

/// A yes/no question that may stay unanswered.
#[component]
fn YesNo(
    label: &'static str,
    name: &'static str,
    value: String,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=name>{label}</label>
            <select id=name name=name>
                <option value="" selected=value.is_empty()>"Not answered"</option>
                <option value="yes" selected=value == "yes">"Yes"</option>
                <option value="no" selected=value == "no">"No"</option>
            </select>
            <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </div>
    }
}

#[component]
fn Input(
    label: &'static str,
    name: String,
    value: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional, into)] error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=name.clone()>{label}</label>
            <input id=name.clone() name=name type=kind value=value placeholder=placeholder />
            <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </div>
    }
}

/// The profile as typed. Entirely blank entries are left out so the server's positions match what is shown.
#[cfg(feature = "hydrate")]
fn read_form(
    ev: &leptos::ev::SubmitEvent,
    exp: &[usize],
    edu: &[usize],
    saved: &[usize],
) -> Option<ResumeProfile> {
    use crate::api::resumes::{
        ApplicationAnswers, ContactInfo, Education, Experience, SavedAnswer,
    };
    use wasm_bindgen::JsCast;
    let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let get = |name: &str| data.get(name).as_string().unwrap_or_default();
    let experience = exp
        .iter()
        .map(|k| Experience {
            title: get(&format!("exp-{k}-title")),
            company: get(&format!("exp-{k}-company")),
            location: get(&format!("exp-{k}-location")),
            start: get(&format!("exp-{k}-start")),
            end: get(&format!("exp-{k}-end")),
            description: get(&format!("exp-{k}-description")),
        })
        .filter(|e| {
            [
                &e.title,
                &e.company,
                &e.location,
                &e.start,
                &e.end,
                &e.description,
            ]
            .iter()
            .any(|s| !s.trim().is_empty())
        })
        .collect();
    let education = edu
        .iter()
        .map(|k| Education {
            school: get(&format!("edu-{k}-school")),
            degree: get(&format!("edu-{k}-degree")),
            field: get(&format!("edu-{k}-field")),
            start: get(&format!("edu-{k}-start")),
            end: get(&format!("edu-{k}-end")),
        })
        .filter(|e| {
            [&e.school, &e.degree, &e.field, &e.start, &e.end]
                .iter()
                .any(|s| !s.trim().is_empty())
        })
        .collect();
    Some(ResumeProfile {
        summary: get("summary"),
        experience,
        education,
        skills: get("skills")
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        contact: ContactInfo {
            email: get("contact-email"),
            phone: get("contact-phone"),
            location: get("contact-location"),
            linkedin: get("contact-linkedin"),
            website: get("contact-website"),
            address: get("contact-address"),
            city: get("contact-city"),
            postal_code: get("contact-postal_code"),
            country: get("contact-country"),
            github: get("contact-github"),
            portfolio: get("contact-portfolio"),
        },
        answers: ApplicationAnswers {
            preferred_name: get("answers-preferred_name"),
            authorized_to_work: get("answers-authorized_to_work"),
            needs_sponsorship: get("answers-needs_sponsorship"),
            how_heard: get("answers-how_heard"),
            cover_letter: get("answers-cover_letter"),
            saved: saved
                .iter()
                .map(|k| SavedAnswer {
                    question: get(&format!("saved-{k}-question")),
                    answer: get(&format!("saved-{k}-answer")),
                })
                .filter(|a| !(a.question.trim().is_empty() && a.answer.trim().is_empty()))
                .collect(),
        },
    })
}
