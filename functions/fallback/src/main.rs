//! The `fallback` Lambda function (the `$default` route). Builds its client once, then serves.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use passport_fallback::{App, LambdaInvoker};
use passport_shared::{aws, logging};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    logging::init();
    let sdk = aws::sdk_config().await;
    let invoker = LambdaInvoker(aws_sdk_lambda::Client::new(&sdk));
    let app: &'static App = Box::leak(Box::new(App::from_env(Box::new(invoker))?));
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(app.handle(event.payload).await)
    }))
    .await
}
