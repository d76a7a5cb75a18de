//! The `oauth` Lambda function: [`passport_oauth::App`] behind the shared [`passport_shared::serve`].

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    passport_shared::serve(passport_oauth::App::from_aws).await
}
