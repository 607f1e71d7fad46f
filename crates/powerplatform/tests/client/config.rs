//! `[[sources]]` parsing and resolution.

use std::path::Path;
use steward_powerplatform::{
    Audiences, CertificateError, ClientCertificate, Cloud, ConfigError, Credential, Endpoints, SourceSettings,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[derive(Debug, serde::Deserialize)]
struct File {
    sources: Vec<SourceSettings>,
}

fn parse(text: &str) -> SourceSettings {
    toml::from_str::<File>(text).expect("valid TOML").sources.remove(0)
}

#[test]
fn the_documented_table_parses_and_resolves() {
    let settings = parse(
        r#"
        [[sources]]
        type = "powerplatform"
        name = "contoso"
        tenant_id = "00000000-0000-0000-0000-000000000000"
        client_id = "00000000-0000-0000-0000-000000000001"
        client_secret = { env = "CARGO_PKG_NAME" }
        cloud = "public"
        publisher_id = "00000000-0000-0000-0000-000000000002"
        [sources.endpoints]
        login = "https://login.microsoftonline.com"
        bap = "https://api.bap.microsoft.com/"
        powerapps = "https://api.powerapps.com"
        flow = "https://api.flow.microsoft.com"
        powerplatform = "https://api.powerplatform.com"
        office_management = "https://manage.office.com"
        graph = "http://127.0.0.1:9999"
        "#,
    );
    let resolved = settings.resolve(Path::new("/nonexistent")).unwrap();
    assert_eq!(resolved.name, "contoso");
    assert_eq!(resolved.publisher_id, "00000000-0000-0000-0000-000000000002");
    // Cargo sets CARGO_PKG_NAME for the test process, so it stands in for a secret variable.
    match &resolved.credential {
        Credential::Secret(secret) => assert_eq!(secret.expose(), "steward-powerplatform"),
        other => panic!("expected a secret, got {other:?}"),
    }
    assert_eq!(resolved.endpoints.bap, "https://api.bap.microsoft.com", "trailing slash trimmed");
    assert_eq!(resolved.endpoints.graph, "http://127.0.0.1:9999");
    assert_eq!(
        resolved.audiences,
        Audiences::for_cloud(Cloud::Public),
        "audiences follow the cloud, not the overrides"
    );
}

#[test]
fn type_may_be_left_to_a_tagged_enum_and_publisher_defaults_to_tenant() {
    let settings = parse(
        r#"
        [[sources]]
        name = "gov"
        tenant_id = "contoso.onmicrosoft.us"
        client_id = "c"
        client_secret = { env = "CARGO_PKG_NAME" }
        cloud = "gcc_high"
        "#,
    );
    let resolved = settings.resolve(Path::new(".")).unwrap();
    assert_eq!(resolved.publisher_id, "contoso.onmicrosoft.us");
    assert_eq!(resolved.endpoints, Endpoints::for_cloud(Cloud::GccHigh));
    assert_eq!(resolved.endpoints.login, "https://login.microsoftonline.us");
    assert_eq!(resolved.endpoints.bap, "https://high.api.bap.microsoft.us");
    assert_eq!(resolved.audiences.powerapps, "https://high.service.powerapps.us/");
}

#[test]
fn every_cloud_has_https_hosts_without_trailing_slashes() {
    for cloud in [Cloud::Public, Cloud::Gcc, Cloud::GccHigh, Cloud::Dod, Cloud::China] {
        let e = Endpoints::for_cloud(cloud);
        for url in [&e.login, &e.bap, &e.powerapps, &e.flow, &e.powerplatform, &e.office_management, &e.graph] {
            assert!(url.starts_with("https://") && !url.ends_with('/'), "{cloud:?}: {url}");
        }
    }
    assert_eq!(Endpoints::for_cloud(Cloud::Dod).office_management, "https://manage.protection.apps.mil");
    assert_eq!(Endpoints::for_cloud(Cloud::Gcc).office_management, "https://manage-gcc.office.com");
    assert_eq!(Endpoints::for_cloud(Cloud::China).flow, "https://api.powerautomate.cn");
    assert_eq!(Audiences::for_cloud(Cloud::Dod).flow, "https://service.flow.appsplatform.us/");
}

#[test]
fn a_secret_file_is_read_relative_to_the_config_directory_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.txt"), "from-a-file\n").unwrap();
    let settings = parse(
        r#"
        [[sources]]
        name = "contoso"
        tenant_id = "t"
        client_id = "c"
        client_secret = { file = "secret.txt" }
        "#,
    );
    let resolved = settings.resolve(dir.path()).unwrap();
    match resolved.credential {
        Credential::Secret(secret) => assert_eq!(secret.expose(), "from-a-file"),
        other => panic!("expected a secret, got {other:?}"),
    }
}

#[test]
fn a_missing_variable_names_the_source_and_the_variable() {
    let settings = parse(
        r#"
        [[sources]]
        name = "contoso"
        tenant_id = "t"
        client_id = "c"
        client_secret = { env = "STEWARD_TEST_VARIABLE_THAT_IS_NEVER_SET" }
        "#,
    );
    let error = settings.resolve(Path::new(".")).unwrap_err();
    assert!(matches!(error, ConfigError::MissingEnv { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("`contoso`")
            && text.contains("STEWARD_TEST_VARIABLE_THAT_IS_NEVER_SET")
            && text.contains("set it"),
        "{text}"
    );
}

#[test]
fn a_missing_file_names_the_path_and_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let settings = parse(
        r#"
        [[sources]]
        name = "contoso"
        tenant_id = "t"
        client_id = "c"
        client_secret = { file = "nope.txt" }
        "#,
    );
    let text = settings.resolve(dir.path()).unwrap_err().to_string();
    assert!(text.contains("nope.txt") && text.contains("client_secret") && text.contains("relative paths"), "{text}");
}

#[test]
fn exactly_one_credential_is_required() {
    let neither = parse("[[sources]]\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\n");
    assert!(matches!(neither.resolve(Path::new(".")), Err(ConfigError::NoCredential { .. })));
    let both = parse(
        "[[sources]]\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\n\
         client_secret = { env = \"CARGO_PKG_NAME\" }\nclient_certificate = { file = \"c.pem\" }\n",
    );
    let error = both.resolve(Path::new(".")).unwrap_err();
    assert!(matches!(error, ConfigError::BothCredentials { .. }));
    assert!(error.to_string().contains("keep one"));
}

#[test]
fn unknown_fields_and_bad_values_are_refused() {
    let unknown = toml::from_str::<File>(
        "[[sources]]\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_secrt = { env = \"X\" }\n",
    );
    assert!(unknown.unwrap_err().to_string().contains("client_secrt"));
    let bad_cloud =
        toml::from_str::<File>("[[sources]]\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\ncloud = \"mars\"\n");
    assert!(bad_cloud.unwrap_err().to_string().contains("mars"));
    let bad_source = toml::from_str::<File>(
        "[[sources]]\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_secret = { vault = \"X\" }\n",
    );
    assert!(bad_source.is_err());

    let wrong_type = parse("[[sources]]\ntype = \"csv\"\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\n");
    assert!(matches!(wrong_type.resolve(Path::new(".")), Err(ConfigError::WrongType { .. })));
    let bad_tenant = parse(
        "[[sources]]\nname = \"x\"\ntenant_id = \"a/b\"\nclient_id = \"c\"\nclient_secret = { env = \"CARGO_PKG_NAME\" }\n",
    );
    let error = bad_tenant.resolve(Path::new(".")).unwrap_err();
    assert!(error.to_string().contains("tenant_id"), "{error}");
    let bad_endpoint = parse(
        "[[sources]]\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_secret = { env = \"CARGO_PKG_NAME\" }\n\
         [sources.endpoints]\nbap = \"ftp://example.com\"\n",
    );
    let error = bad_endpoint.resolve(Path::new(".")).unwrap_err();
    assert!(matches!(error, ConfigError::InvalidEndpoint { field: "bap", .. }), "{error:?}");
    assert!(error.to_string().contains("endpoints.bap"));
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).expect("fixture exists")
}

fn thumbprint() -> String {
    String::from_utf8(fixture("client-thumbprint.txt")).expect("thumbprint is text").trim().to_string()
}

#[test]
fn certificates_with_pkcs8_and_pkcs1_keys_load_with_the_openssl_thumbprint() {
    for file in ["client-pkcs8.pem", "client-pkcs1.pem"] {
        let certificate = ClientCertificate::from_pem(&fixture(file)).unwrap();
        assert_eq!(certificate.thumbprint(), thumbprint(), "{file}");
        assert!(format!("{certificate:?}").contains(&thumbprint()));
        assert!(!format!("{certificate:?}").contains("PRIVATE"));
    }
}

#[test]
fn a_certificate_source_resolves_from_a_file() {
    let settings = parse(&format!(
        "[[sources]]\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_certificate = {{ file = \"{FIXTURES}/client-pkcs8.pem\" }}\n"
    ));
    match settings.resolve(Path::new("/elsewhere")).unwrap().credential {
        Credential::Certificate(certificate) => assert_eq!(certificate.thumbprint(), thumbprint()),
        other => panic!("expected a certificate, got {other:?}"),
    }
}

#[test]
fn unusable_certificate_files_say_why() {
    assert_eq!(ClientCertificate::from_pem(&fixture("mismatched.pem")).unwrap_err(), CertificateError::KeyMismatch);
    assert_eq!(ClientCertificate::from_pem(b"not pem at all").unwrap_err(), CertificateError::NoCertificate);
    let pem = String::from_utf8(fixture("client-pkcs8.pem")).unwrap();
    let cert_only: String = pem.split_inclusive('\n').take_while(|l| !l.contains("PRIVATE KEY")).collect();
    assert_eq!(ClientCertificate::from_pem(cert_only.as_bytes()).unwrap_err(), CertificateError::NoPrivateKey);
    let encrypted =
        format!("{cert_only}-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assert_eq!(ClientCertificate::from_pem(encrypted.as_bytes()).unwrap_err(), CertificateError::EncryptedKey);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.pem"), "nothing").unwrap();
    let settings = parse(
        "[[sources]]\nname = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_certificate = { file = \"bad.pem\" }\n",
    );
    let text = settings.resolve(dir.path()).unwrap_err().to_string();
    assert!(text.contains("bad.pem") && text.contains("CERTIFICATE"), "{text}");
}
