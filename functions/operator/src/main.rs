//! The `operator` Lambda function: [`passport_operator::App`] behind the shared [`passport_shared::serve`].

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    passport_shared::serve(passport_operator::App::from_aws).await
}
