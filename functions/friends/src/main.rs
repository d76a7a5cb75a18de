//! The `friends` Lambda function. Builds its dependencies once, then serves requests.

use lambda_http::{run, service_fn, Error, Request};
use passport_friends::App;
use passport_shared::{aws, config::Config, logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    let sdk = aws::sdk_config().await;
    let app: &'static App = Box::leak(Box::new(App::from_aws(&config, &sdk)?));
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(app.handle(request).await)
    }))
    .await
}
