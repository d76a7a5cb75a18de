//! The `mail` Lambda function: SES notifications through SNS in, suppressions out.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use passport_mail::App;
use passport_shared::{aws, config::Config, logging};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    let sdk = aws::sdk_config().await;
    let app: &'static App = Box::leak(Box::new(App::new(aws::dynamodb(&sdk), &config.table_name)));
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        app.handle(&event.payload, passport_shared::now())
            .await
            .map_err(Error::from)
    }))
    .await
}
