//! The `users` Lambda function: [`passport_users::App`] behind the shared [`passport_shared::serve`].

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    passport_shared::serve(passport_users::App::from_aws).await
}
