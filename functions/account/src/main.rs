//! The `account` Lambda function: [`passport_account::App`] behind the shared [`passport_shared::serve`].

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    passport_shared::serve(passport_account::App::from_aws).await
}
