//! Uploaded files in an S3 bucket (AWS or any S3-compatible server), through aws-sdk-s3.

use app::domain::infra::storage::{Storage, StorageError, StoredObject, LIST_PAGE};
use aws_sdk_s3::{
    config::{BehaviorVersion, Credentials, Region},
    primitives::ByteStream,
    Client,
};
use aws_smithy_http_client::{
    tls::{self, rustls_provider::CryptoMode},
    Builder,
};

/// How to reach the bucket. Credentials come from configuration only; they are never logged.
#[derive(Clone)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    /// A custom endpoint (MinIO, Ceph, a test server); `None` for AWS.
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Address buckets as `endpoint/bucket` rather than `bucket.endpoint` (most self-hosted servers need this).
    pub path_style: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

pub struct S3Storage {
    client: Client,
    bucket: String,
}

impl S3Storage {
    pub fn new(s: &S3Settings) -> S3Storage {
        let http = Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(s.region.clone()))
            .credentials_provider(Credentials::new(
                s.access_key_id.clone(),
                s.secret_access_key.clone(),
                None,
                None,
                "jobdelegate-config",
            ))
            .http_client(http)
            .force_path_style(s.path_style);
        if let Some(e) = &s.endpoint {
            conf = conf.endpoint_url(e.clone());
        }
        S3Storage {
            client: Client::from_conf(conf.build()),
            bucket: s.bucket.clone(),
        }
    }

    /// Make sure the bucket exists and is reachable; creates it when missing (useful on self-hosted servers).
    pub async fn ensure_bucket(&self) -> Result<(), StorageError> {
        if self
            .client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        self.client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| {
                StorageError::Io(format!(
                    "bucket {}: {}",
                    self.bucket,
                    e.into_service_error()
                ))
            })?;
        Ok(())
    }
}

fn fail(e: impl std::fmt::Display) -> StorageError {
    StorageError::Io(e.to_string())
}

#[async_trait::async_trait]
impl Storage for S3Storage {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| fail(e.into_service_error()))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                let e = e.into_service_error();
                if e.is_no_such_key() {
                    StorageError::NotFound
                } else {
                    fail(e)
                }
            })?;
        let data = out.body.collect().await.map_err(fail)?;
        Ok(data.into_bytes().to_vec())
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| fail(e.into_service_error()))?;
        Ok(())
    }

    async fn list(
        &self,
        prefix: &str,
        after: Option<&str>,
    ) -> Result<Vec<StoredObject>, StorageError> {
        let mut req = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .max_keys(LIST_PAGE as i32);
        if let Some(a) = after {
            req = req.start_after(a);
        }
        let out = req.send().await.map_err(|e| fail(e.into_service_error()))?;
        Ok(out
            .contents()
            .iter()
            .filter_map(|o| {
                let key = o.key()?.to_string();
                let modified = o
                    .last_modified()
                    .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
                    .unwrap_or_else(chrono::Utc::now);
                Some(StoredObject { key, modified })
            })
            .collect())
    }

    fn describe(&self) -> String {
        format!("s3://{}", self.bucket)
    }
}
