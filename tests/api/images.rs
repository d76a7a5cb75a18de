//! The image cipher: `POST /apis/Images/disorder`, `GET|POST /api/Image/disorder`,
//! `POST /apis/Images/reorder`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use passport_tests::{json, TestApp};
use std::io::Cursor;

fn png_with_alpha() -> (String, Vec<u8>) {
    let img = RgbaImage::from_fn(64, 40, |x, y| {
        Rgba([
            (x * 4) as u8,
            (y * 6) as u8,
            ((x + y) * 3) as u8,
            (128 + (x * y) % 128) as u8,
        ])
    });
    let mut bytes = Cursor::new(Vec::new());
    img.write_to(&mut bytes, ImageFormat::Png).unwrap();
    (STANDARD.encode(bytes.into_inner()), img.into_raw())
}

fn pixels_of(data_url: &str) -> image::DynamicImage {
    let b64 = data_url
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URL");
    image::load_from_memory_with_format(&STANDARD.decode(b64).unwrap(), ImageFormat::Png).unwrap()
}

async fn call(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    json(app.post_form(path, form).await).await
}

#[tokio::test]
async fn a_png_comes_back_pixel_for_pixel_and_a_generated_password_is_a_number() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let (image, original) = png_with_alpha();
    let (status, body) = call(
        &app,
        "/apis/Images/disorder",
        &[("access_token", &token), ("image", &image)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["request"], "apis/Images/disorder");
    let password = body["password"]
        .as_u64()
        .expect("a generated numeric password");
    assert!((100_000..1_000_000).contains(&password));
    let scrambled = body["image"].as_str().unwrap().to_owned();
    assert_ne!(
        pixels_of(&scrambled).into_rgba8().into_raw(),
        original,
        "scrambled"
    );

    let (status, body) = call(
        &app,
        "/apis/Images/reorder",
        &[
            ("access_token", &token),
            ("image", &scrambled),
            ("password", &password.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        pixels_of(body["image"].as_str().unwrap())
            .into_rgba8()
            .into_raw(),
        original,
        "every pixel restored"
    );
}

#[tokio::test]
async fn a_jpeg_comes_back_as_its_exact_decoded_pixels() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let img = RgbImage::from_fn(48, 32, |x, y| Rgb([(x * 5) as u8, (y * 7) as u8, 100]));
    let mut jpg = Cursor::new(Vec::new());
    img.write_to(&mut jpg, ImageFormat::Jpeg).unwrap();
    let jpg = jpg.into_inner();
    let decoded = image::load_from_memory_with_format(&jpg, ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
        .into_raw();
    let url = format!("data:image/jpeg;base64,{}", STANDARD.encode(&jpg));
    let (status, body) = call(
        &app,
        "/apis/Images/disorder",
        &[
            ("access_token", &token),
            ("image", &url),
            ("password", "my secret"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password"], "my secret");
    let (_, body) = call(
        &app,
        "/apis/Images/reorder",
        &[
            ("access_token", &token),
            ("image", body["image"].as_str().unwrap()),
            ("password", "my secret"),
        ],
    )
    .await;
    assert_eq!(
        pixels_of(body["image"].as_str().unwrap())
            .into_rgb8()
            .into_raw(),
        decoded
    );
}

#[tokio::test]
async fn a_wrong_password_is_204203_password_error() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let (image, _) = png_with_alpha();
    let (_, body) = call(
        &app,
        "/apis/Images/disorder",
        &[
            ("access_token", &token),
            ("image", &image),
            ("password", "right"),
        ],
    )
    .await;
    let (status, body) = call(
        &app,
        "/apis/Images/reorder",
        &[
            ("access_token", &token),
            ("image", body["image"].as_str().unwrap()),
            ("password", "wrong"),
        ],
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(204203)));
    assert_eq!(body["message"], "Password error");
}

#[tokio::test]
async fn every_documented_input_error_has_its_code() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let (plain_png, _) = png_with_alpha();
    let not_an_image = STANDARD.encode(b"GIF89a this is not a png or a jpeg");
    let cases: &[(&str, &str, u64)] = &[
        ("/apis/Images/disorder", "", 204101),
        ("/apis/Images/disorder", "@@@ not base64 @@@", 204101),
        (
            "/apis/Images/disorder",
            "data:image/gif;base64,R0lGODlh",
            204102,
        ),
        ("/apis/Images/disorder", &not_an_image, 204103),
        ("/apis/Images/reorder", "", 204201),
        (
            "/apis/Images/reorder",
            "data:image/jpeg;base64,/9j/4AAQ",
            204202,
        ),
        ("/apis/Images/reorder", &plain_png, 204203),
    ];
    for (path, image, code) in cases {
        let (status, body) = call(
            &app,
            path,
            &[
                ("access_token", &token),
                ("image", image),
                ("password", "pw"),
            ],
        )
        .await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(*code)),
            "{path} {image:.20}: {body}"
        );
    }
    let (_, body) = call(
        &app,
        "/apis/Images/reorder",
        &[
            ("access_token", &token),
            ("image", &plain_png),
            ("password", "pw"),
        ],
    )
    .await;
    assert_eq!(body["message"], "Invalid image type");
}

#[tokio::test]
async fn the_cipher_needs_a_valid_token() {
    let app = TestApp::new();
    let (image, _) = png_with_alpha();
    let (status, body) = call(&app, "/apis/Images/disorder", &[("image", &image)]).await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(200010)));
    let (status, body) = call(
        &app,
        "/apis/Images/disorder",
        &[("access_token", "forged.token.here"), ("image", &image)],
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(200009)));
}

#[tokio::test]
async fn the_v2_route_answers_in_v2_and_jsonp_when_asked() {
    let app = TestApp::new();
    let token = app.signed_in().await;
    let (image, _) = png_with_alpha();
    let r = app
        .http
        .post(app.url("/api/Image/disorder"))
        .bearer_auth(&token)
        .form(&[("image", image.as_str())])
        .send()
        .await
        .unwrap();
    let (status, body) = json(r).await;
    assert_eq!(
        (
            status,
            body["error_code"].as_u64(),
            body["api_uri"].as_str()
        ),
        (200, Some(0), Some("api/Image/disorder"))
    );
    let (status, body) = json(
        app.http
            .post(app.url("/api/Image/disorder"))
            .bearer_auth(&token)
            .form(&[("image", "")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error_code"].as_u64(), body["field"].as_str()),
        (400, Some(100004), Some("image"))
    );
    let r = app
        .post_form(
            "/apis/images/disorder?format=jsonp",
            &[("access_token", &token), ("image", &image)],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .starts_with("jsonpReturn({\"code\":200,\"request\":\"apis/Images/disorder\""));
}
