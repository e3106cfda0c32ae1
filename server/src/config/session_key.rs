//! The cookie-signing key of the dashboard's sessions.

use base64::Engine;
use rand::RngCore;

use super::Config;
use crate::error::StartupError;

impl Config {
    /// The cookie-signing key: from SESSION_SECRET, else from DATA_DIR/session.key (created on first run), so that
    /// sessions survive restarts without any configuration.
    pub fn session_key(&self) -> Result<Vec<u8>, StartupError> {
        let engine = base64::engine::general_purpose::STANDARD;
        let decode = |s: &str, what: &str| -> Result<Vec<u8>, StartupError> {
            let bytes = engine
                .decode(s.trim())
                .map_err(|_| StartupError::Config(format!("{what} is not valid base64")))?;
            if bytes.len() < 64 {
                return Err(StartupError::Config(format!(
                    "{what} must decode to at least 64 bytes"
                )));
            }
            Ok(bytes)
        };
        if let Some(s) = &self.session_secret {
            return decode(s, "SESSION_SECRET");
        }
        let path = self.data_dir.join("session.key");
        if let Ok(s) = std::fs::read_to_string(&path) {
            return decode(&s, &path.display().to_string());
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let mut bytes = vec![0u8; 64];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        crate::push::write_private(&path, &engine.encode(&bytes))?;
        tracing::info!(path = %path.display(), "generated a new session signing key");
        Ok(bytes)
    }
}
