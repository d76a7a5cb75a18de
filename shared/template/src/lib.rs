//! Reads what the local stack and the route-agreement tests need from template.yaml:
//! functions (binary, environment, HTTP routes, schedules), tables and buckets.
//!
//! Only the intrinsic functions the template uses are resolved: `!Ref` to a parameter (its
//! default), a table or bucket (the local physical name, which is the logical id), and
//! `!GetAtt X.Arn` / `!Sub` are left out of local environments.

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Template {
    pub functions: Vec<FunctionDef>,
    pub tables: Vec<TableDef>,
    pub buckets: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub logical_id: String,
    /// The cargo binary (Metadata.BuildProperties.Binary).
    pub binary: String,
    pub env: BTreeMap<String, String>,
    pub routes: Vec<HttpRoute>,
    pub timeout_seconds: u64,
    pub memory_mb: u64,
    /// The content folders (ContentUri) of the function's layers, which Lambda puts at /opt.
    pub layers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HttpRoute {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub logical_id: String,
    /// The local table name (the logical id).
    pub name: String,
    /// (attribute name, S | N | B)
    pub attributes: Vec<(String, String)>,
    /// (attribute name, HASH | RANGE)
    pub key_schema: Vec<(String, String)>,
    pub global_indexes: Vec<IndexDef>,
    pub ttl_attribute: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IndexDef {
    pub name: String,
    pub key_schema: Vec<(String, String)>,
    pub projection: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("template.yaml: {0}")]
    Shape(String),
}

impl Template {
    pub fn load(path: &Path) -> Result<Template, TemplateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TemplateError::Io(path.display().to_string(), e))?;
        Template::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let doc: Value = serde_yaml::from_str(text)?;
        let resources = doc
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| TemplateError::Shape("no Resources".into()))?;
        let parameters: BTreeMap<String, String> = doc
            .get("Parameters")
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), scalar(v.get("Default")?)?)))
                    .collect()
            })
            .unwrap_or_default();
        let globals = doc.get("Globals").and_then(|g| g.get("Function"));

        let type_of = |v: &Value| {
            v.get("Type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let mut tables = Vec::new();
        let mut buckets = Vec::new();
        for (id, res) in resources {
            let id = id.as_str().unwrap_or_default().to_owned();
            match type_of(res).as_str() {
                "AWS::DynamoDB::Table" => tables.push(table(&id, res)?),
                "AWS::S3::Bucket" => buckets.push(id.to_ascii_lowercase()),
                _ => {}
            }
        }
        let resolve = |v: &Value| -> Option<String> {
            if let Some(s) = scalar(v) {
                return Some(s);
            }
            let Value::Tagged(tagged) = v else {
                return None;
            };
            if tagged.tag == "!Ref" {
                let name = tagged.value.as_str()?;
                if let Some(p) = parameters.get(name) {
                    return Some(p.clone());
                }
                if tables.iter().any(|t| t.logical_id == name) {
                    return Some(name.to_owned());
                }
                if buckets.iter().any(|b| b.eq_ignore_ascii_case(name)) {
                    return Some(name.to_ascii_lowercase());
                }
                // A function: locally, its name is its logical id.
                if resources
                    .get(name)
                    .is_some_and(|r| type_of(r) == "AWS::Serverless::Function")
                {
                    return Some(name.to_owned());
                }
            }
            None
        };

        let layer_dirs: BTreeMap<String, String> = resources
            .iter()
            .filter(|(_, r)| type_of(r) == "AWS::Serverless::LayerVersion")
            .filter_map(|(id, r)| {
                let dir = r.get("Properties")?.get("ContentUri")?.as_str()?;
                Some((id.as_str()?.to_owned(), dir.to_owned()))
            })
            .collect();
        let mut functions = Vec::new();
        for (id, res) in resources {
            if type_of(res) != "AWS::Serverless::Function" {
                continue;
            }
            let id = id.as_str().unwrap_or_default().to_owned();
            let props = res.get("Properties");
            let binary = res
                .get("Metadata")
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    TemplateError::Shape(format!("{id}: no Metadata.BuildProperties.Binary"))
                })?
                .to_owned();
            let mut env = BTreeMap::new();
            for source in [globals, props] {
                let vars = source
                    .and_then(|p| p.get("Environment"))
                    .and_then(|e| e.get("Variables"))
                    .and_then(Value::as_mapping);
                for (k, v) in vars.into_iter().flatten() {
                    if let (Some(k), Some(v)) = (k.as_str(), resolve(v)) {
                        env.insert(k.to_owned(), v);
                    }
                }
            }
            // A number, or a parameter's default (`MemorySize: !Ref SignInMemory`).
            let number = |name: &str, default: u64| {
                props
                    .and_then(|p| p.get(name))
                    .or_else(|| globals.and_then(|g| g.get(name)))
                    .and_then(|v| v.as_u64().or_else(|| resolve(v)?.parse().ok()))
                    .unwrap_or(default)
            };
            let mut routes = Vec::new();
            let events = props
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping);
            for (_, event) in events.into_iter().flatten() {
                if type_of(event) != "HttpApi" {
                    continue;
                }
                let p = event.get("Properties");
                let get = |k: &str| {
                    p.and_then(|p| p.get(k))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                match (get("Method"), get("Path")) {
                    (Some(method), Some(path)) => routes.push(HttpRoute {
                        method: method.to_ascii_uppercase(),
                        path,
                    }),
                    _ => {
                        return Err(TemplateError::Shape(format!(
                            "{id}: an HttpApi event without Method and Path"
                        )))
                    }
                }
            }
            let layers = props
                .and_then(|p| p.get("Layers"))
                .and_then(Value::as_sequence)
                .map(|seq| {
                    seq.iter()
                        .filter_map(|l| match l {
                            Value::Tagged(t) if t.tag == "!Ref" => {
                                layer_dirs.get(t.value.as_str()?).cloned()
                            }
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            functions.push(FunctionDef {
                layers,
                logical_id: id,
                binary,
                env,
                routes,
                timeout_seconds: number("Timeout", 3),
                memory_mb: number("MemorySize", 128),
            });
        }
        Ok(Template {
            functions,
            tables,
            buckets,
        })
    }

    /// The function built from cargo binary `binary`.
    pub fn function(&self, binary: &str) -> Option<&FunctionDef> {
        self.functions.iter().find(|f| f.binary == binary)
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn table(id: &str, res: &Value) -> Result<TableDef, TemplateError> {
    let props = res
        .get("Properties")
        .ok_or_else(|| TemplateError::Shape(format!("{id}: no Properties")))?;
    let pairs = |v: Option<&Value>, a: &str, b: &str| -> Vec<(String, String)> {
        v.and_then(Value::as_sequence)
            .map(|seq| {
                seq.iter()
                    .filter_map(|e| {
                        Some((
                            e.get(a)?.as_str()?.to_owned(),
                            e.get(b)?.as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let global_indexes = props
        .get("GlobalSecondaryIndexes")
        .and_then(Value::as_sequence)
        .map(|seq| {
            seq.iter()
                .filter_map(|g| {
                    Some(IndexDef {
                        name: g.get("IndexName")?.as_str()?.to_owned(),
                        key_schema: pairs(g.get("KeySchema"), "AttributeName", "KeyType"),
                        projection: g
                            .get("Projection")
                            .and_then(|p| p.get("ProjectionType"))
                            .and_then(Value::as_str)
                            .unwrap_or("ALL")
                            .to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let ttl = props.get("TimeToLiveSpecification");
    Ok(TableDef {
        logical_id: id.to_owned(),
        name: id.to_owned(),
        attributes: pairs(
            props.get("AttributeDefinitions"),
            "AttributeName",
            "AttributeType",
        ),
        key_schema: pairs(props.get("KeySchema"), "AttributeName", "KeyType"),
        global_indexes,
        ttl_attribute: ttl
            .filter(|t| t.get("Enabled").and_then(Value::as_bool).unwrap_or(false))
            .and_then(|t| t.get("AttributeName"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// The repository's template.yaml, found from a crate directory inside the workspace.
pub fn workspace_template(manifest_dir: &str) -> std::path::PathBuf {
    let mut dir = Path::new(manifest_dir).to_path_buf();
    loop {
        let candidate = dir.join("template.yaml");
        if candidate.exists() {
            return candidate;
        }
        if !dir.pop() {
            return Path::new(manifest_dir).join("template.yaml");
        }
    }
}

/// Panics unless the template routes exactly what `routes` serves for the function built
/// from `binary`, and routes every other method of each served path (`ANY`) to it too, so
/// that an undeclared method gets the router's 405 with `Allow` rather than the gateway's
/// 404. Each function's tests call this, so the gateway and the routers cannot disagree.
pub fn assert_routes_agree<A>(
    manifest_dir: &str,
    binary: &str,
    routes: &[passport_shared::routing::Route<A>],
) {
    use passport_shared::routing::{find, Match};
    let template = Template::load(&workspace_template(manifest_dir)).expect("template.yaml loads");
    let function = template
        .function(binary)
        .unwrap_or_else(|| panic!("template.yaml declares no function with Binary {binary}"));
    for route in &function.routes {
        // An `ANY` route sends a served path's other methods to the router, which answers 405.
        let served = match find(routes, &route.method, &route.path) {
            Match::Found(..) => true,
            Match::MethodNotAllowed(..) => route.method == "ANY",
            Match::NotFound => false,
        };
        assert!(
            served,
            "template.yaml routes {} {} to {binary}, which does not serve it",
            route.method, route.path
        );
    }
    for spec in routes {
        for method in [spec.method, "ANY"] {
            assert!(
                function
                    .routes
                    .iter()
                    .any(|r| r.method == method && r.path == spec.path),
                "{binary} serves {} {}, which template.yaml does not route as {method}",
                spec.method,
                spec.path
            );
        }
    }
}

/// Asserts that `openapi.yaml` (beside template.yaml) describes every route of `routes`
/// with its method, and that its `security` says what the route's [`passport_shared::Auth`] checks:
/// a route that needs a token lists only token schemes (no `{}` alternative), one whose
/// token is optional lists `{}` or token schemes, a client-authenticated route with a token
/// lists the client scheme and takes the token as a required `access_token` parameter, and
/// a public or client-only route lists none.
pub fn assert_openapi_agrees<A>(manifest_dir: &str, routes: &[passport_shared::routing::Route<A>]) {
    use passport_shared::routing::Auth;
    let path = workspace_template(manifest_dir).with_file_name("openapi.yaml");
    let text = std::fs::read_to_string(&path).expect("openapi.yaml reads");
    let mut doc: Value = serde_yaml::from_str(&text).expect("openapi.yaml parses");
    doc.apply_merge().expect("openapi.yaml's merge keys apply");
    const TOKEN_SCHEMES: [&str; 4] = ["bearer", "access_token", "token", "console"];
    for route in routes {
        let name = format!("{} {}", route.method, route.path);
        let operation = &doc["paths"][route.path][route.method.to_ascii_lowercase().as_str()];
        assert!(
            operation.is_mapping(),
            "openapi.yaml does not describe {name}"
        );
        let alternatives: Vec<Vec<String>> = operation["security"]
            .as_sequence()
            .map(|s| {
                s.iter()
                    .map(|alt| {
                        alt.as_mapping()
                            .map(|m| {
                                m.keys()
                                    .filter_map(|k| k.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let anonymous = alternatives.iter().any(Vec::is_empty);
        let schemes: Vec<&str> = alternatives.iter().flatten().map(String::as_str).collect();
        let token = schemes.iter().any(|s| TOKEN_SCHEMES.contains(s));
        let token_parameter = operation["parameters"].as_sequence().is_some_and(|ps| {
            ps.iter().any(|p| {
                p["name"].as_str() == Some("access_token") && p["required"].as_bool() == Some(true)
            })
        });
        match route.auth {
            Auth::Token | Auth::Account => assert!(
                token && !anonymous,
                "{name} needs a token, but openapi.yaml's security is {alternatives:?}"
            ),
            // An operator route refuses a token without its role: 403 is documented.
            Auth::Staff | Auth::Operator => assert!(
                token && !anonymous && operation["responses"]["403"].is_mapping(),
                "{name} needs an operator's token (and documents 403), but openapi.yaml says {alternatives:?}"
            ),
            Auth::MaybeToken | Auth::MaybeAccount => assert!(
                token,
                "{name} takes a token, but openapi.yaml's security is {alternatives:?}"
            ),
            Auth::ClientToken => assert!(
                schemes.contains(&"clientBasic") && !anonymous && (token || token_parameter),
                "{name} needs a client and a token, but openapi.yaml says {alternatives:?}"
            ),
            Auth::Public | Auth::Client | Auth::ConfidentialClient => assert!(
                !token && !anonymous || alternatives.is_empty(),
                "{name} takes no token, but openapi.yaml's security is {alternatives:?}"
            ),
        }
        // A limited route answers 429 with Retry-After past its source's limit.
        if route.limit.is_some() {
            let mut limited = operation["responses"]["429"].clone();
            if let Some(target) = limited["$ref"].as_str() {
                let component = target.trim_start_matches("#/components/responses/");
                limited = doc["components"]["responses"][component].clone();
            }
            assert!(
                limited["headers"]["Retry-After"].is_mapping(),
                "{name} is limited: openapi.yaml's 429 needs its Retry-After header"
            );
        }
    }
}

/// The unit tests every function has: its route table against template.yaml
/// ([`assert_routes_agree`]) and openapi.yaml ([`assert_openapi_agrees`]). In a function's
/// `lib.rs`: `#[cfg(test)] passport_template::route_agreement_tests!("friends", App);`.
#[macro_export]
macro_rules! route_agreement_tests {
    ($binary:literal, $app:ident) => {
        mod route_agreement {
            use passport_shared::Service;

            #[test]
            fn template_routes_and_the_router_agree() {
                $crate::assert_routes_agree(
                    env!("CARGO_MANIFEST_DIR"),
                    $binary,
                    super::$app::ROUTES,
                );
            }

            #[test]
            fn openapi_describes_every_route_and_its_authentication() {
                $crate::assert_openapi_agrees(env!("CARGO_MANIFEST_DIR"), super::$app::ROUTES);
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  OwnerEmail:
    Type: String
    Default: owner@example.com
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - { AttributeName: pk, AttributeType: S }
        - { AttributeName: sk, AttributeType: S }
      KeySchema:
        - { AttributeName: pk, KeyType: HASH }
        - { AttributeName: sk, KeyType: RANGE }
      TimeToLiveSpecification: { AttributeName: expires_at, Enabled: true }
  Avatars:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties: { Binary: services }
    Properties:
      CodeUri: .
      Environment:
        Variables:
          OWNER: !Ref OwnerEmail
          ARN: !GetAtt Table.Arn
      Events:
        A: { Type: HttpApi, Properties: { Path: /apis/Services/guestbook, Method: post } }
"#;

    #[test]
    fn functions_tables_and_buckets_are_read_with_refs_resolved() {
        let t = Template::parse(SAMPLE).unwrap();
        let f = t.function("services").unwrap();
        assert_eq!(f.env["TABLE_NAME"], "Table");
        assert_eq!(f.env["OWNER"], "owner@example.com");
        assert!(!f.env.contains_key("ARN"));
        assert_eq!(f.timeout_seconds, 10);
        assert_eq!(
            f.routes,
            vec![HttpRoute {
                method: "POST".into(),
                path: "/apis/Services/guestbook".into()
            }]
        );
        assert_eq!(t.tables[0].ttl_attribute.as_deref(), Some("expires_at"));
        assert_eq!(t.tables[0].key_schema.len(), 2);
        assert_eq!(t.buckets, vec!["avatars"]);
    }
}
