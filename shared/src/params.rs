//! Request parameters, from wherever the client put them.
//!
//! Parameters arrive as query string, urlencoded form, multipart form or JSON body, whichever
//! the client sent; [`Params`] merges them (the body wins over the query string) and endpoint
//! structs read themselves out of it through [`FromParams`], with the documented error for a
//! missing or malformed value. Nothing here can fail with a 500: an unreadable body is the
//! client's `InvalidParameter`.

use crate::error::ApiError;
use bytes::Bytes;
use passport_store::records::PageRequest;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Largest body we parse (API Gateway's own limit is 10 MB).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// An uploaded file of a multipart form.
#[derive(Debug, Clone)]
pub struct FilePart {
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

#[derive(Debug, Clone, Default)]
pub struct Params {
    values: Map<String, Value>,
    files: HashMap<String, FilePart>,
}

/// An endpoint's typed input, read from [`Params`].
pub trait FromParams: Sized {
    fn from_params(params: &Params) -> Result<Self, ApiError>;
}

impl Params {
    /// Parameters of text values alone (a pushed authorization request's, say).
    pub fn from_texts(texts: impl IntoIterator<Item = (String, String)>) -> Params {
        Params {
            values: texts
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
            files: HashMap::new(),
        }
    }

    /// `page_no` and `page_size`: absent means the default; 0, an empty value or anything
    /// but digits is refused by name. Any positive number is a page: sizes past the cap get
    /// the cap, numbers past the last page an empty one.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let positive = |name: &str| match self.get(name).map(|raw| raw.trim().to_owned()) {
            None => Ok(None),
            Some(raw)
                if raw.bytes().all(|b| b.is_ascii_digit()) && raw.bytes().any(|b| b != b'0') =>
            {
                Ok(Some(raw.parse::<u32>().unwrap_or(u32::MAX)))
            }
            Some(_) => Err(ApiError::invalid(name)),
        };
        Ok(PageRequest::new(
            positive("page_no")?,
            positive("page_size")?,
        ))
    }

    /// Parses the query string and the body as its content type says.
    pub async fn parse(
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Params, ApiError> {
        let mut params = Params::default();
        if let Some(q) = query {
            params.merge_urlencoded(q.as_bytes());
        }
        if body.is_empty() {
            return Ok(params);
        }
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::invalid("body").with_cause("body too large"));
        }
        let mime = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match mime.as_str() {
            "application/json" | "text/json" => params.merge_json(body)?,
            "multipart/form-data" => {
                let boundary = content_type
                    .and_then(|ct| multer::parse_boundary(ct).ok())
                    .ok_or_else(|| {
                        ApiError::invalid("body").with_cause("multipart without boundary")
                    })?;
                params.merge_multipart(body, boundary).await?;
            }
            // A form is what most clients of the v1 and v2 documents send; a body with no
            // content type is read as one too.
            _ => params.merge_urlencoded(body),
        }
        Ok(params)
    }

    fn merge_urlencoded(&mut self, raw: &[u8]) {
        for (k, v) in form_urlencoded::parse(raw) {
            self.values
                .insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }

    fn merge_json(&mut self, body: &[u8]) -> Result<(), ApiError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => {
                self.values.extend(map);
                Ok(())
            }
            Ok(_) => Err(ApiError::invalid("body").with_cause("JSON body is not an object")),
            Err(e) => Err(ApiError::invalid("body").with_cause(format!("malformed JSON: {e}"))),
        }
    }

    async fn merge_multipart(&mut self, body: &[u8], boundary: String) -> Result<(), ApiError> {
        let chunk: Result<Bytes, std::io::Error> = Ok(Bytes::copy_from_slice(body));
        let stream = futures_util::stream::once(async move { chunk });
        let mut form = multer::Multipart::new(stream, boundary);
        let bad =
            |e: multer::Error| ApiError::invalid("body").with_cause(format!("multipart: {e}"));
        while let Some(field) = form.next_field().await.map_err(bad)? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            let filename = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(|m| m.to_string());
            let bytes = field.bytes().await.map_err(bad)?;
            if filename.is_some() {
                self.files.insert(
                    name,
                    FilePart {
                        filename,
                        content_type,
                        bytes,
                    },
                );
            } else {
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| ApiError::invalid(&name).with_cause("form field is not UTF-8"))?;
                self.values.insert(name, Value::String(text));
            }
        }
        Ok(())
    }

    /// The value of `name` as text, untrimmed: strings as they are, numbers written out;
    /// `None` when absent or null. JSON booleans, arrays and objects are not text (a JSON
    /// `"username": false` is no username); booleans are read with [`Params::flag`].
    pub fn get(&self, name: &str) -> Option<String> {
        match self.values.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The names of the values given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// The value of `name` trimmed, `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    /// Refuses a JSON boolean, array or object given for any of `names`, fields that take
    /// text or a number: for optional fields, where "not text" would otherwise read as "not
    /// given".
    pub fn scalars(&self, names: &[&str]) -> Result<(), ApiError> {
        self.refuse_any(names, |v| {
            matches!(v, Value::Bool(_) | Value::Array(_) | Value::Object(_))
        })
    }

    /// Refuses anything but a string (or null) given for any of `names`: text fields of a
    /// JSON body where a number would only be a mistake (a nickname of `0`).
    pub fn strings(&self, names: &[&str]) -> Result<(), ApiError> {
        self.refuse_any(names, |v| !matches!(v, Value::String(_) | Value::Null))
    }

    /// Refuses anything but a string given for any of `names` (a JSON null, number, boolean,
    /// list or object): text fields of a JSON body whose schema is a plain string, where null
    /// would otherwise read as "not given" and a number is a mistake.
    pub fn texts(&self, names: &[&str]) -> Result<(), ApiError> {
        self.refuse_any(names, |v| !matches!(v, Value::String(_)))
    }

    /// The first of `names` whose given value is `refused`, as an invalid field.
    fn refuse_any(&self, names: &[&str], refused: impl Fn(&Value) -> bool) -> Result<(), ApiError> {
        match names
            .iter()
            .find(|n| self.values.get(**n).is_some_and(&refused))
        {
            Some(name) => Err(ApiError::invalid(name)),
            None => Ok(()),
        }
    }

    /// The raw JSON value of `name` (for lists and objects in JSON bodies).
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// The uploaded file `name`.
    pub fn file(&self, name: &str) -> Option<&FilePart> {
        self.files.get(name)
    }

    /// A boolean in any of the forms clients send: true/false, yes/no, 1/0, on/off.
    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        if let Some(Value::Bool(b)) = self.values.get(name) {
            return Ok(Some(*b));
        }
        let Some(raw) = self.text(name) else {
            return Ok(None);
        };
        match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" | "y" => Ok(Some(true)),
            "0" | "false" | "no" | "off" | "n" => Ok(Some(false)),
            _ => Err(ApiError::invalid(name)),
        }
    }

    /// An integer parameter; malformed values are the client's error.
    pub fn int<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some(raw) => raw.parse().map(Some).map_err(|_| ApiError::invalid(name)),
        }
    }

    /// Parses the endpoint's input struct.
    pub fn read<T: FromParams>(&self) -> Result<T, ApiError> {
        T::from_params(self)
    }
}

#[cfg(test)]
mod tests {
    use passport_store::records::MAX_PAGE_SIZE;

    #[tokio::test]
    async fn a_page_number_or_size_of_zero_is_refused_by_name() {
        let read = |query: &'static str| async move {
            let params = Params::parse(Some(query), None, b"").await.unwrap();
            params.page()
        };
        let field = |r: Result<PageRequest, ApiError>| r.unwrap_err().field;
        assert_eq!(field(read("page_no=0").await).as_deref(), Some("page_no"));
        assert_eq!(
            field(read("page_size=0").await).as_deref(),
            Some("page_size")
        );
        let capped = PageRequest {
            number: 2,
            size: MAX_PAGE_SIZE,
        };
        assert_eq!(read("page_no=2&page_size=500").await.unwrap(), capped);
        let far = read("page_no=928&page_size=10000000000000000001")
            .await
            .unwrap();
        assert_eq!(
            far,
            PageRequest {
                number: 928,
                size: MAX_PAGE_SIZE
            }
        );
    }

    use super::*;
    use crate::error::ErrorKind;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn query_and_form_are_merged_with_the_body_winning() {
        let p = block_on(Params::parse(
            Some("name=query&format=jsonp"),
            Some("application/x-www-form-urlencoded"),
            b"name=Li+Lei&message=hello%20there",
        ))
        .unwrap();
        assert_eq!(p.get("name").as_deref(), Some("Li Lei"));
        assert_eq!(p.get("message").as_deref(), Some("hello there"));
        assert_eq!(p.get("format").as_deref(), Some("jsonp"));
    }

    #[test]
    fn json_bodies_keep_numbers_readable_as_text() {
        let p = block_on(Params::parse(
            None,
            Some("application/json; charset=utf-8"),
            br#"{"phone":13800138000,"remember":true,"ids":[1,2]}"#,
        ))
        .unwrap();
        assert_eq!(p.get("phone").as_deref(), Some("13800138000"));
        assert_eq!(p.flag("remember").unwrap(), Some(true));
        assert!(p.scalars(&["phone", "missing"]).is_ok());
        assert_eq!(
            p.scalars(&["phone", "ids"]).unwrap_err().field.as_deref(),
            Some("ids")
        );
        assert_eq!(p.get("remember"), None, "a JSON boolean is not text");
        assert_eq!(
            p.strings(&["missing", "phone"])
                .unwrap_err()
                .field
                .as_deref(),
            Some("phone"),
            "a JSON number is not a string"
        );
        assert!(p.get("ids").is_none());
        assert_eq!(p.value("ids").unwrap().as_array().unwrap().len(), 2);
    }

    #[test]
    fn malformed_json_is_an_invalid_parameter_not_a_crash() {
        let err = block_on(Params::parse(None, Some("application/json"), b"{\"a\":")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidParameter);
        assert_eq!(err.field.as_deref(), Some("body"));
        let err = block_on(Params::parse(None, Some("application/json"), b"[1,2]")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidParameter);
    }

    #[test]
    fn multipart_forms_give_fields_and_files() {
        let mut body = Vec::new();
        body.extend_from_slice(
            "--XyZ\r\nContent-Disposition: form-data; name=\"nickname\"\r\n\r\n小明\r\n".as_bytes(),
        );
        body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n");
        body.extend_from_slice(b"--XyZ--\r\n");
        let p = block_on(Params::parse(
            None,
            Some("multipart/form-data; boundary=XyZ"),
            &body,
        ))
        .unwrap();
        assert_eq!(p.get("nickname").as_deref(), Some("小明"));
        let file = p.file("avatar").unwrap();
        assert_eq!(file.filename.as_deref(), Some("a.png"));
        assert_eq!(file.content_type.as_deref(), Some("image/png"));
        assert_eq!(&file.bytes[..], b"\x89PNG");
    }

    #[test]
    fn multipart_without_boundary_is_refused() {
        let err = block_on(Params::parse(None, Some("multipart/form-data"), b"x")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidParameter);
    }

    #[test]
    fn blank_text_is_absent_and_bad_numbers_name_their_field() {
        let p = block_on(Params::parse(Some("a=%20%20&n=12x&b=maybe"), None, b"")).unwrap();
        assert_eq!(p.text("a"), None);
        assert_eq!(p.get("a").as_deref(), Some("  "));
        assert_eq!(p.int::<u32>("n").unwrap_err().field.as_deref(), Some("n"));
        assert_eq!(p.flag("b").unwrap_err().field.as_deref(), Some("b"));
    }
}
