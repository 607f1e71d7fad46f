//! A client certificate: the X.509 certificate uploaded to the app registration and the RSA
//! private key that signs client assertions.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::pem::{self, PemObject, SectionKind};
use std::fmt;
use std::sync::Arc;

/// What is wrong with a certificate file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("it is not readable PEM ({0})")]
    Pem(String),
    #[error("it holds no CERTIFICATE section; put the certificate and its private key in one PEM file")]
    NoCertificate,
    #[error(
        "its private key is encrypted; decrypt it first, e.g. `openssl pkey -in key.pem -out plain.pem`, and keep the file private"
    )]
    EncryptedKey,
    #[error(
        "it holds no PRIVATE KEY or RSA PRIVATE KEY section; put the certificate and its private key in one PEM file"
    )]
    NoPrivateKey,
    #[error("its private key is not a usable RSA key of 2048 to 4096 bits ({0}); Entra ID client assertions need RSA")]
    UnusableKey(String),
    #[error("none of its certificates belongs to its private key; put the matching certificate and key in the file")]
    KeyMismatch,
}

/// The certificate (DER) and its key. `Debug` shows the thumbprint only.
#[derive(Clone)]
pub struct ClientCertificate {
    key: Arc<RsaKeyPair>,
    der: Vec<u8>,
    sha1: [u8; 20],
}

impl ClientCertificate {
    /// Read a PEM holding the certificate and an unencrypted RSA private key (PKCS#8
    /// `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). With a chain, the certificate whose public
    /// key matches the private key is used.
    pub fn from_pem(text: &[u8]) -> Result<Self, CertificateError> {
        let mut certificates = Vec::new();
        let mut key = None;
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(text) {
            let (kind, der) = section.map_err(|e| CertificateError::Pem(pem_error(&e)))?;
            match kind {
                SectionKind::Certificate => certificates.push(der),
                SectionKind::PrivateKey if key.is_none() => {
                    key = Some(RsaKeyPair::from_pkcs8(&der).map_err(|e| CertificateError::UnusableKey(e.to_string()))?);
                }
                SectionKind::RsaPrivateKey if key.is_none() => {
                    key = Some(RsaKeyPair::from_der(&der).map_err(|e| CertificateError::UnusableKey(e.to_string()))?);
                }
                _ => {}
            }
        }
        let text = String::from_utf8_lossy(text);
        if key.is_none() && (text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")) {
            return Err(CertificateError::EncryptedKey);
        }
        if certificates.is_empty() {
            return Err(CertificateError::NoCertificate);
        }
        let key = key.ok_or(CertificateError::NoPrivateKey)?;
        // A certificate carries its subject's public key verbatim (RSAPublicKey DER inside the
        // SubjectPublicKeyInfo), so a byte search finds the leaf without an X.509 parser.
        let public = key.public().as_ref().to_vec();
        let der = certificates
            .into_iter()
            .find(|cert| cert.windows(public.len()).any(|w| w == public.as_slice()))
            .ok_or(CertificateError::KeyMismatch)?;
        let mut sha1 = [0u8; 20];
        sha1.copy_from_slice(digest(&SHA1_FOR_LEGACY_USE_ONLY, &der).as_ref());
        Ok(Self { key: Arc::new(key), der, sha1 })
    }

    /// The certificate, DER-encoded.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The `x5t` JWT header: base64url of the SHA-1 of the DER certificate.
    pub fn x5t(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.sha1)
    }

    /// The thumbprint as the Entra ID portal shows it (upper-case hex SHA-1).
    pub fn thumbprint(&self) -> String {
        self.sha1.iter().map(|b| format!("{b:02X}")).collect()
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWT `RS256`).
    pub(crate) fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, ring::error::Unspecified> {
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature)?;
        Ok(signature)
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate").field("thumbprint", &self.thumbprint()).finish_non_exhaustive()
    }
}

fn pem_error(error: &pem::Error) -> String {
    // The PEM error may quote file content; only say what kind of problem it was.
    match error {
        pem::Error::MissingSectionEnd { .. } => "a section has no END line".to_string(),
        pem::Error::IllegalSectionStart { .. } => "a BEGIN line is malformed".to_string(),
        pem::Error::Base64Decode(_) => "a section is not valid base64".to_string(),
        _ => "malformed PEM".to_string(),
    }
}
