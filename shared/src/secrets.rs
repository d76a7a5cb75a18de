//! Secrets Manager reads: the client secrets Passport holds at upstream providers, by the
//! ARN the provider's item keeps. An instance keeps a secret it read for [`CACHE_FOR`], so
//! a sign-in costs no Secrets Manager call while it is warm; a rotated secret is seen
//! within that time.

use crate::error::ApiError;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const CACHE_FOR: Duration = Duration::from_secs(300);

pub struct Secrets {
    client: aws_sdk_secretsmanager::Client,
    cache: Mutex<HashMap<String, (Instant, String)>>,
}

impl Secrets {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Secrets {
        Secrets {
            client,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The secret string at `arn`.
    pub async fn get(&self, arn: &str) -> Result<String, ApiError> {
        if let Some((at, value)) = self.cache.lock().expect("cache lock").get(arn) {
            if at.elapsed() < CACHE_FOR {
                return Ok(value.clone());
            }
        }
        let out = self
            .client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| ApiError::internal(format!("reading secret {arn}: {e}")))?;
        let value = out
            .secret_string()
            .ok_or_else(|| ApiError::internal(format!("secret {arn} holds no string")))?
            .to_owned();
        self.cache
            .lock()
            .expect("cache lock")
            .insert(arn.to_owned(), (Instant::now(), value.clone()));
        Ok(value)
    }
}
