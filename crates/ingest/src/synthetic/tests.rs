use super::*;
use crate::NoProgress;
use crate::dump::manifest;
use crate::dump::reader::{parse_bytes, parse_file};
use crate::powerplatform::wire::{ListPage, ODataPage, audit, dataverse, flow, graph, powerapps};
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use steward_model::{ConnectorTier, EnvironmentType, ResourceState, UsageKind};

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("creating a temp dir: {e}"))
}

fn generated(opts: &GenerateOptions, dir: &Path) -> GenerateReport {
    generate(opts, dir, &NoProgress).unwrap_or_else(|e| panic!("generate failed: {e}"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() { stack.push(path) } else { out.push(path) }
        }
    }
    out.sort();
    out
}

/// Hash of every relative path and file content under `dir`.
fn tree_hash(dir: &Path) -> u64 {
    let mut acc = Vec::new();
    for path in files_under(dir) {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        acc.extend_from_slice(rel.as_bytes());
        acc.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&bytes).to_le_bytes());
    }
    xxhash_rust::xxh3::xxh3_64(&acc)
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_does_not() {
    let dir = temp();
    let mut opts = GenerateOptions::new(Preset::Small, 42);
    opts.usage_days = Some(3);
    let a = generated(&opts, &dir.path().join("a"));
    let b = generated(&opts, &dir.path().join("b"));
    assert_eq!(a, b);
    assert_eq!(tree_hash(&dir.path().join("a")), tree_hash(&dir.path().join("b")));
    opts.seed = 43;
    generated(&opts, &dir.path().join("c"));
    assert_ne!(tree_hash(&dir.path().join("a")), tree_hash(&dir.path().join("c")));
}

#[test]
fn generating_into_a_non_empty_directory_is_refused() {
    let dir = temp();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap_or_else(|e| panic!("{e}"));
    let err = generate(&GenerateOptions::new(Preset::Small, 1), dir.path(), &NoProgress);
    let text = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("not empty"), "{text}");
    assert!(dir.path().join("keep.txt").is_file());
}

fn pages<T: serde::de::DeserializeOwned>(dir: &Path) -> Vec<T> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return out;
    }
    for path in files_under(dir) {
        let page: ListPage<T> = parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
        out.extend(page.value);
    }
    out
}

fn odata_pages<T: serde::de::DeserializeOwned>(dir: &Path) -> Vec<T> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return out;
    }
    for path in files_under(dir) {
        let page: ODataPage<T> = parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
        out.extend(page.value);
    }
    out
}

#[test]
fn small_preset_has_the_documented_size_and_shapes() {
    let dir = temp();
    let out = dir.path().join("t");
    let report = generated(&GenerateOptions::new(Preset::Small, 2026), &out);
    let m = manifest::read(&out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((m.counts.environments, m.counts.resources, m.counts.principals), (5, 300, 150));
    assert_eq!(report.audit_records, m.counts.audit_records);
    assert_eq!(m.usage_days, 30);
    // ~2,000 records a day on average over a week.
    assert!((50_000..=70_000).contains(&m.counts.audit_records), "{}", m.counts.audit_records);

    let tenant = m.tenant.id.clone();
    let envs: Vec<_> = pages::<crate::powerplatform::wire::bap::Environment>(&out.join("bap/environments"))
        .into_iter()
        .map(|e| normalize::environment(e, &tenant, None))
        .collect();
    let types: HashSet<_> = envs.iter().map(|e| e.environment_type).collect();
    for t in
        [EnvironmentType::Default, EnvironmentType::Production, EnvironmentType::Sandbox, EnvironmentType::Developer]
    {
        assert!(types.contains(&t), "missing {t}");
    }
    assert!(envs.iter().any(|e| e.managed));
    assert!(envs.iter().any(|e| !e.has_dataverse));
    assert!(envs.iter().any(|e| e.environment_group.is_some()));

    let users: Vec<_> =
        odata_pages::<graph::User>(&out.join("graph/users")).into_iter().map(|u| normalize::user(u, &tenant)).collect();
    assert_eq!(users.len(), 150);
    let leavers: HashSet<_> = users.iter().filter(|u| !u.enabled).map(|u| u.id.clone()).collect();
    assert!((2..=20).contains(&leavers.len()), "{} leavers", leavers.len());
    let departments: HashSet<_> = users.iter().filter_map(|u| u.department.clone()).collect();
    assert!((10..=20).contains(&departments.len()), "{departments:?}");
    assert_eq!(users.iter().filter(|u| u.manager_id.is_none()).count(), 1, "one person at the top");

    let mut resources = Vec::new();
    for env_dir in files_under(&out.join("powerapps/environments"))
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect::<std::collections::BTreeSet<_>>()
    {
        resources.extend(pages::<powerapps::App>(&env_dir).into_iter().map(|a| normalize::app(a, &tenant)));
    }
    for env_dir in files_under(&out.join("flow/environments"))
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect::<std::collections::BTreeSet<_>>()
    {
        resources.extend(pages::<flow::Flow>(&env_dir).into_iter().map(|f| normalize::flow(f, &tenant)));
    }
    for env in &envs {
        let name = env.id.clone();
        let dv = out.join("dataverse");
        let dir_name = std::fs::read_dir(&dv)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .find(|n| n.to_ascii_lowercase() == name)
            })
            .ok()
            .flatten();
        if let Some(d) = dir_name {
            resources.extend(
                odata_pages::<dataverse::Bot>(&dv.join(&d).join("bots"))
                    .into_iter()
                    .map(|b| normalize::bot(b, &tenant, &name)),
            );
            resources.extend(
                odata_pages::<dataverse::Workflow>(&dv.join(&d).join("workflows"))
                    .into_iter()
                    .map(|w| normalize::desktop_flow(w, &tenant, &name)),
            );
        }
    }
    assert_eq!(resources.len(), 300);
    let default_id =
        envs.iter().find(|e| e.environment_type == EnvironmentType::Default).map(|e| e.id.clone()).unwrap_or_default();
    let in_default = resources.iter().filter(|r| r.environment_id == default_id).count();
    assert!((160..=200).contains(&in_default), "{in_default} in the default environment");
    let kinds: BTreeMap<_, usize> = resources.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.kind).or_default() += 1;
        m
    });
    let flows = kinds.get(&ResourceKind::CloudFlow).copied().unwrap_or(0);
    assert!(kinds.values().all(|n| *n <= flows), "cloud flows are most numerous: {kinds:?}");
    for k in [ResourceKind::CanvasApp, ResourceKind::ModelDrivenApp, ResourceKind::DesktopFlow, ResourceKind::Agent] {
        assert!(kinds.contains_key(&k), "no {k}: {kinds:?}");
    }
    let orphaned = resources.iter().filter(|r| r.owners.iter().all(|o| leavers.contains(&o.principal_id))).count();
    assert!(orphaned > 0, "some resources are orphaned");
    assert!(resources.iter().any(|r| r.shared_users > 20), "some apps are overshared");
    assert!(resources.iter().any(|r| r.state == ResourceState::Suspended && r.kind == ResourceKind::CloudFlow));
    assert!(resources.iter().any(|r| r.state == ResourceState::Stopped));
    let tiers: HashSet<_> = resources.iter().flat_map(|r| r.connection_references.iter().map(|c| c.tier)).collect();
    assert!(tiers.contains(&ConnectorTier::Premium) && tiers.contains(&ConnectorTier::Custom), "{tiers:?}");
    let stopped =
        resources.iter().filter(|r| r.kind == ResourceKind::CloudFlow && r.state == ResourceState::Stopped).count();
    assert!(stopped * 100 / flows.max(1) <= 25, "{stopped} of {flows} flows stopped");

    // Audit: both Power Apps forms, flows, unknown operations, duplicates by Id.
    let mut ids = HashMap::new();
    let mut by_form: HashMap<(String, UsageKind), usize> = HashMap::new();
    let mut launched: HashMap<String, usize> = HashMap::new();
    for path in files_under(&out.join("audit/Audit.General")) {
        if path.parent() == Some(&out.join("audit/Audit.General")) {
            let list: Vec<audit::ContentItem> = parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!list.is_empty());
            continue;
        }
        let records: Vec<audit::AuditRecord> = parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!((500..=5_000).contains(&records.len()), "{} records in {}", records.len(), path.display());
        for r in records {
            assert!(r.user_key.is_some() && r.user_id.is_some());
            let e = normalize::audit_record(r, &tenant);
            *ids.entry(e.id.clone()).or_insert(0usize) += 1;
            *by_form.entry((e.workload.clone().unwrap_or_default(), e.kind)).or_default() += 1;
            if e.kind == UsageKind::Launch {
                assert!(e.resource_id.is_some() && e.environment_id.is_some() && e.principal_id.is_some());
                *launched.entry(e.resource_id.unwrap_or_default()).or_default() += 1;
            }
        }
    }
    let duplicates: usize = ids.values().map(|n| n - 1).sum();
    assert_eq!(duplicates as u64, m.counts.audit_duplicates);
    assert!(duplicates > 0);
    let legacy = by_form.get(&("PowerApps".to_string(), UsageKind::Launch)).copied().unwrap_or(0);
    let modern = by_form.get(&("PowerPlatform".to_string(), UsageKind::Launch)).copied().unwrap_or(0);
    assert!(
        legacy > 0 && modern > 0 && legacy.abs_diff(modern) * 10 < legacy + modern,
        "{legacy} legacy vs {modern} new"
    );
    assert!(by_form.contains_key(&("MicrosoftFlow".to_string(), UsageKind::Edit)));
    assert!(by_form.contains_key(&("MicrosoftFlow".to_string(), UsageKind::Create)));
    assert!(by_form.keys().any(|(_, k)| *k == UsageKind::Other));
    // Zipf-like: the top tenth of launched apps take most launches; ~40% of apps never launched.
    let mut counts: Vec<_> = launched.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let total: usize = counts.iter().sum();
    let top: usize = counts.iter().take(counts.len().div_ceil(10)).sum();
    assert!(top * 2 > total, "top 10% of apps have {top} of {total} launches");
    let apps = resources.iter().filter(|r| r.kind.is_app()).count();
    let never = apps - launched.len();
    assert!((apps * 25 / 100..=apps * 60 / 100).contains(&never), "{never} of {apps} apps never launched");
}

#[test]
fn stream_tenant_yields_what_generate_writes() {
    let dir = temp();
    let out = dir.path().join("t");
    let mut opts = GenerateOptions::new(Preset::Small, 5);
    opts.usage_days = Some(0);
    let report = generated(&opts, &out);
    let mut counts: HashMap<&str, u64> = HashMap::new();
    let mut streamed = Vec::new();
    for item in stream_tenant(&opts) {
        let key = match &item {
            TenantItem::Tenant(_) => "tenant",
            TenantItem::Environment(_) => "environment",
            TenantItem::Connector(_) => "connector",
            TenantItem::DataPolicy(_) => "policy",
            TenantItem::Principal(_) => "principal",
            TenantItem::Resource(r) => {
                streamed.push(r.clone());
                "resource"
            }
        };
        *counts.entry(key).or_default() += 1;
    }
    let m = manifest::read(&out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts.get("tenant"), Some(&1));
    assert_eq!(counts.get("environment"), Some(&report.environments));
    assert_eq!(counts.get("connector"), Some(&m.counts.connectors));
    assert_eq!(counts.get("policy"), Some(&m.counts.data_policies));
    assert_eq!(counts.get("principal"), Some(&report.principals));
    assert_eq!(counts.get("resource"), Some(&report.resources));
    // The first app page of the default environment holds the same records as the stream.
    let default_apps = files_under(&out.join("powerapps/environments")).into_iter().next().unwrap_or_default();
    let page: ListPage<powerapps::App> = parse_file(&default_apps).unwrap_or_else(|e| panic!("{e}"));
    for app in page.value {
        let r = normalize::app(app, &m.tenant.id);
        assert!(streamed.contains(&r), "{} not streamed identically", r.id);
    }
    assert!(!out.join("audit").exists(), "usage_days 0 writes no audit");
}

#[test]
fn mutated_pages_give_errors_not_panics() {
    let dir = temp();
    let out = dir.path().join("t");
    let mut opts = GenerateOptions::new(Preset::Small, 9);
    opts.usage_days = Some(1);
    generated(&opts, &out);
    let app_page = files_under(&out.join("powerapps/environments")).into_iter().next().unwrap_or_default();
    let flow_page = files_under(&out.join("flow/environments")).into_iter().next().unwrap_or_default();
    let blob = files_under(&out.join("audit/Audit.General"))
        .into_iter()
        .find(|p| p.parent() != Some(&out.join("audit/Audit.General")))
        .unwrap_or_default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut errors = 0;
    for (path, which) in [(&app_page, 0), (&flow_page, 1), (&blob, 2)] {
        let original = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
        for round in 0..150 {
            let mut bytes = original.clone();
            if round % 3 == 0 {
                bytes.truncate(rng.random_range(0..bytes.len()));
            } else {
                for _ in 0..rng.random_range(1..8) {
                    let at = rng.random_range(0..bytes.len());
                    bytes[at] = rng.random();
                }
            }
            let outcome = match which {
                0 => parse_bytes::<ListPage<powerapps::App>>(path, &bytes)
                    .map(|p| p.value.into_iter().map(|a| normalize::app(a, "t")).collect::<Vec<_>>().len()),
                1 => parse_bytes::<ListPage<flow::Flow>>(path, &bytes)
                    .map(|p| p.value.into_iter().map(|f| normalize::flow(f, "t")).collect::<Vec<_>>().len()),
                _ => parse_bytes::<Vec<audit::AuditRecord>>(path, &bytes)
                    .map(|v| v.into_iter().map(|r| normalize::audit_record(r, "t")).collect::<Vec<_>>().len()),
            };
            if let Err(e) = outcome {
                errors += 1;
                let text = e.to_string();
                assert!(text.contains(&path.display().to_string()) && text.contains("re-run"), "{text}");
            }
        }
    }
    assert!(errors > 150, "most mutations are caught ({errors} of 450)");
}
