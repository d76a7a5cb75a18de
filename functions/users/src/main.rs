//! The `users` Lambda function. Builds its dependencies once, then serves requests.

use lambda_http::{run, service_fn, Error, Request};
use passport_shared::avatar::S3Avatars;
use passport_shared::storage::messages::Messages;
use passport_shared::storage::records::Records;
use passport_shared::{aws, config::Config, identity::Identity, logging};
use passport_users::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    let sdk = aws::sdk_config().await;
    let app: &'static App = Box::leak(Box::new(App {
        identity: Identity::from_aws(&config, &sdk)?,
        avatars: Box::new(S3Avatars::from_config(&config, &sdk)?),
        messages: Messages {
            records: Records::new(aws::dynamodb(&sdk), &config.table_name),
        },
    }));
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(app.handle(request).await)
    }))
    .await
}
