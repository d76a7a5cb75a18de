//! The `openplatform` Lambda function: [`passport_openplatform::App`] behind the shared [`passport_shared::serve`].

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    passport_shared::serve(passport_openplatform::App::from_aws).await
}
