//! The `push` Lambda function: [`passport_push::App`] behind the shared [`passport_shared::serve`].

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    passport_shared::serve(passport_push::App::from_aws).await
}
