//! The benchmark's baseline: what every Passport function does before its own work (read
//! the SDK configuration, build the DynamoDB, SES, S3 and SNS clients, serve lambda_http),
//! answering a constant. Each function's init time is reported as a ratio to this one's.

use lambda_http::{run, service_fn, Body, Error, Request, Response};
use passport_shared::aws;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let sdk = aws::sdk_config().await;
    let clients = Box::leak(Box::new((
        aws::dynamodb(&sdk),
        aws::ses(&sdk),
        aws::s3(&sdk),
        aws::sns(&sdk),
    )));
    run(service_fn(move |_: Request| {
        let _ = &clients;
        async move { Ok::<_, Error>(Response::new(Body::from("{\"ok\":true}"))) }
    }))
    .await
}
