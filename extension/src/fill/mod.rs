//! Filling application forms from the client's profile (issue 17), first part: recognizing what each field asks
//! for. A field is described the way the content script sees it (its label, name, id, `autocomplete`, type and
//! the section it sits in) and [`classify`] names the profile answer it takes, or None when it is not sure: a field
//! it did not understand is left untouched and listed for the employee.
//!
//! Recognition reads words, not one site's ids: `autocomplete` first, then the label (or the name and id when there
//! is no label), in the context of the form's section (work experience and education entries). Questions about
//! gender, ethnicity, veteran or disability status and every consent are never answered on the client's behalf.

mod classify;
#[cfg(not(target_arch = "wasm32"))]
mod html;
#[cfg(not(target_arch = "wasm32"))]
pub use html::fields_from_html;

pub use classify::{classify, FieldInfo, Slot};
