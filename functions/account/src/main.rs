//! The `account` Lambda function. Builds its dependencies once, then serves requests.

use lambda_http::{run, service_fn, Error, Request};
use passport_account::App;
use passport_shared::avatar::S3Avatars;
use passport_shared::{aws, config::Config, identity::Identity, logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    let sdk = aws::sdk_config().await;
    let app: &'static App = Box::leak(Box::new(App {
        identity: Identity::from_aws(&config, &sdk)?,
        avatars: Box::new(S3Avatars::from_config(&config, &sdk)?),
    }));
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(app.handle(request).await)
    }))
    .await
}
