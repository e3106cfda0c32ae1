//! Filling application forms from the client's profile (issue 17). Recognizing what each field asks for: a field is
//! described the way the content script sees it (its label, name, id, `autocomplete`, type and the section it sits
//! in) and [`classify`] names the profile answer it takes, or None when it is not sure: a field it did not understand
//! is left untouched and listed for the employee.
//!
//! Recognition reads words, not one site's ids: `autocomplete` first, then the label (or the name and id when there
//! is no label), in the context of the form's section (work experience and education entries). Questions about
//! gender, ethnicity, veteran or disability status and every consent are never answered on the client's behalf.
//!
//! The page is read once, by [`found_fields`], from its HTML: saved pages in the tests, and the live page in the
//! content script, which first stamps every control with [`STAMP`] so that what was read here can be found and
//! filled there. [`plan`] decides, field by field, what to put in it (or why it is left); the content script does it.

mod classify;
mod html;
mod plan;

pub use classify::{classify, FieldInfo, Slot};
pub use html::{fields_from_html, found_fields};
pub use plan::{pick_option, plan, Action, FillProfile, SavedAnswer, Step, ASK};

use serde::{Deserialize, Serialize};

/// The attribute the content script numbers the page's controls with before the page is read.
pub const STAMP: &str = "data-jd-i";

/// A field found on the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub info: FieldInfo,
    /// The [`STAMP`] of the field's control (none on a page that was not stamped).
    pub stamp: Option<String>,
    /// Radio buttons and checkboxes: every box of the question with the text beside it.
    pub options: Vec<Choice>,
}

/// One box of a radio or checkbox question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub stamp: Option<String>,
    pub text: String,
}
