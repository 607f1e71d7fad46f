//! The inventory half of a run: environments, connectors, policies and users, then the
//! listings of every environment, several environments at a time.

use crate::listing::{Records, Resume, WalkError, Walked, walk, walk_with};
use crate::report::{EnvironmentReport, SyncIssue};
use crate::state::EnvironmentTarget;
use crate::{Ctx, SyncError};
use std::sync::Arc;
use steward_ingest::powerplatform::normalize;
use steward_model::{Environment, ResourceKind};
use steward_store::ListingScope;
use tokio::task::JoinSet;

/// Walk the environment listing (unless this run already did) and return the environments
/// whose listings to walk.
pub async fn environments(ctx: &Arc<Ctx>) -> Result<Vec<EnvironmentTarget>, SyncError> {
    if let Some(targets) = &ctx.run.environments {
        return Ok(targets.clone());
    }
    let targets = std::sync::Mutex::new(Vec::new());
    let client = ctx.client.clone();
    let tenant_id = ctx.tenant_id.clone();
    let scope = ListingScope::Environments { tenant_id: ctx.tenant_id.clone() };
    // Restarted rather than resumed: the walk's pages are where the list of environments comes
    // from, and it is saved only once complete (a kill before that leaves no list to resume with).
    let walked = walk_with(ctx, "environments", Some(scope), Resume::Restart, |next| {
        let (client, tenant_id, targets) = (client.clone(), tenant_id.clone(), &targets);
        async move {
            let page = client.environments_page(next.as_deref()).await?;
            let mut records: Vec<Environment> = Vec::with_capacity(page.items.len());
            for env in page.items {
                let instance_api_url = env
                    .properties
                    .linked_environment_metadata
                    .as_ref()
                    .and_then(|m| m.instance_api_url.clone().or_else(|| m.instance_url.clone()));
                let name = env.name.clone();
                let normalised = normalize::environment(env, &tenant_id, None);
                if let Ok(mut t) = targets.lock() {
                    t.push(EnvironmentTarget {
                        name,
                        id: normalised.id.clone(),
                        display_name: normalised.display_name.clone(),
                        instance_api_url,
                    });
                }
                records.push(normalised);
            }
            Ok((Records::Environments(records), page.next))
        }
    })
    .await;
    match walked {
        Ok(Some(w)) => {
            ctx.with_report(|r| {
                r.environments += w.counts;
                r.environments_deleted += w.deletions.environments;
            });
            let targets = targets.into_inner().unwrap_or_default();
            ctx.save_environments(&targets).await?;
            Ok(targets)
        }
        Ok(None) => unreachable_resume(ctx),
        Err(WalkError::Fatal(e)) => Err(e),
        Err(WalkError::Api(e)) => Err(SyncError::Api {
            source_name: ctx.source.clone(),
            what: "listing environments (nothing else can be inventoried without them)".into(),
            error: Box::new(e),
        }),
    }
}

/// A restarted walk always walks; kept as an error rather than a panic all the same.
fn unreachable_resume(ctx: &Ctx) -> Result<Vec<EnvironmentTarget>, SyncError> {
    Err(SyncError::State {
        source_name: ctx.source.clone(),
        key: crate::state::run_key(&ctx.source),
        reason: "the environment listing was not walked".into(),
    })
}

/// Connectors visible in the default environment, with data policies and users: tenant-wide
/// listings. A failure is reported and the run goes on.
pub async fn tenant_wide(ctx: &Arc<Ctx>, targets: &[EnvironmentTarget]) -> Result<(), SyncError> {
    let tenant_id = ctx.tenant_id.clone();
    // Standard and premium connectors are the same in every environment; the default one has them all.
    if let Some(default) =
        targets.iter().find(|t| t.name.to_ascii_lowercase().starts_with("default-")).or(targets.first())
    {
        let client = ctx.client.clone();
        let env = default.name.clone();
        let walked = walk(ctx, "connectors", None, |next| {
            let (client, env, tenant_id) = (client.clone(), env.clone(), tenant_id.clone());
            async move {
                let page = client.connectors_page(&env, next.as_deref()).await?;
                let items = page.items.into_iter().map(|a| normalize::connector(a, &tenant_id)).collect();
                Ok((Records::Connectors(items), page.next))
            }
        })
        .await;
        settle(ctx, walked, "connectors", |r, w| r.connectors += w.counts)?;
    }

    match ctx.client.policies().await {
        Ok(policies) => {
            let mut full = Vec::with_capacity(policies.len());
            for p in policies {
                // The list leaves out connector groups; each policy's own document has them.
                let name = p.policy_definition.name.clone();
                match ctx.client.policy(&name).await {
                    Ok(detail) => full.push(normalize::data_policy(detail.policy_definition, &tenant_id)),
                    Err(e) => ctx.issue(format!("data policy {name}"), &e),
                }
            }
            let outcome = ctx.write(crate::writer::Op::Policies(full), "writing data policies").await?;
            ctx.with_report(|r| r.data_policies += outcome.counts);
        }
        Err(e) => ctx.issue("data policies".into(), &e),
    }

    let client = ctx.client.clone();
    match ctx.client.subscribed_skus().await {
        Ok(skus) => {
            let licences: Vec<_> = skus.into_iter().map(|s| crate::licenses::license(s, &tenant_id)).collect();
            let outcome = ctx.write(crate::writer::Op::Licences(licences), "writing licences").await?;
            ctx.with_report(|r| r.licenses += outcome.counts);
        }
        Err(e) => ctx.issue("licences (subscribedSkus)".into(), &e),
    }

    // The directory listing proves leavers: a user it no longer has is marked deleted.
    let scope = ListingScope::Principals { tenant_id: ctx.tenant_id.clone() };
    let walked = walk(ctx, "users", Some(scope), |next| {
        let (client, tenant_id) = (client.clone(), tenant_id.clone());
        async move {
            let page = client.users_page(next.as_deref()).await?;
            let licences = page.items.iter().filter_map(crate::licenses::assignment).collect();
            let items = page.items.into_iter().map(|u| normalize::user(u, &tenant_id)).collect();
            Ok((Records::Principals(items, licences), page.next))
        }
    })
    .await;
    settle(ctx, walked, "users", |r, w| {
        r.principals += w.counts;
        r.principals_deleted += w.deletions.principals;
    })
}

/// Book a walk's outcome: counts into the report, an API failure as an issue.
fn settle(
    ctx: &Ctx,
    walked: Result<Option<Walked>, WalkError>,
    what: &str,
    book: impl FnOnce(&mut crate::SyncReport, &Walked),
) -> Result<(), SyncError> {
    match walked {
        Ok(Some(w)) => {
            ctx.with_report(|r| book(r, &w));
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(WalkError::Api(e)) => {
            ctx.issue(what.to_string(), &e);
            Ok(())
        }
        Err(WalkError::Fatal(e)) => Err(e),
    }
}

/// Walk every environment's listings, `concurrency` environments at a time.
pub async fn all_environments(ctx: &Arc<Ctx>, targets: Vec<EnvironmentTarget>) -> Result<(), SyncError> {
    // Agents tenant-wide from the inventory API when the tenant has it; otherwise each
    // environment's Dataverse lists them below.
    let agents_done = if crate::fastpath::available(ctx).await {
        match crate::fastpath::agents(ctx).await {
            Ok(Some(w)) => book_agents(ctx, &w),
            Ok(None) => {}
            Err(WalkError::Api(e)) => ctx.issue("agents (inventory API)".into(), &e),
            Err(WalkError::Fatal(e)) => return Err(e),
        }
        true
    } else {
        false
    };
    ctx.progress.stage("environments", Some(targets.len() as u64));
    let semaphore = Arc::new(tokio::sync::Semaphore::new(ctx.options.environment_concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for target in targets {
        let (ctx, semaphore) = (ctx.clone(), semaphore.clone());
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let outcome = environment(&ctx, &target, agents_done).await;
            ctx.progress.advance(1);
            outcome
        });
    }
    let mut first_fatal = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                // The store failed: stop starting new environments, let running ones end.
                first_fatal.get_or_insert(e);
                tasks.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => ctx.with_report(|r| {
                r.errors.push(SyncIssue {
                    scope: "environment worker".into(),
                    message: format!("an environment task failed unexpectedly: {e}"),
                    permission: false,
                })
            }),
        }
    }
    match first_fatal {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The listings of one environment. Each is independent: one failing (a 403 because admin
/// rights lapsed, say) is reported and the others still run and may still delete.
async fn environment(ctx: &Arc<Ctx>, env: &EnvironmentTarget, agents_done: bool) -> Result<(), SyncError> {
    ctx.with_report(|r| {
        r.per_environment
            .entry(env.id.clone())
            .or_insert_with(|| EnvironmentReport { display_name: env.display_name.clone(), ..Default::default() });
    });
    let tenant_id = ctx.tenant_id.clone();
    let resources_scope = |kinds: Vec<ResourceKind>| ListingScope::Resources { environment_id: env.id.clone(), kinds };

    let client = ctx.client.clone();
    let (name, t) = (env.name.clone(), tenant_id.clone());
    let walked = walk(
        ctx,
        &format!("env/{}/apps", env.id),
        Some(resources_scope(vec![ResourceKind::CanvasApp, ResourceKind::ModelDrivenApp, ResourceKind::CodeApp])),
        |next| {
            let (client, name, t) = (client.clone(), name.clone(), t.clone());
            async move {
                let page = client.apps_page(&name, next.as_deref()).await?;
                Ok((Records::Resources(page.items.into_iter().map(|a| normalize::app(a, &t)).collect()), page.next))
            }
        },
    )
    .await;
    book_environment(ctx, env, "apps", walked)?;

    let walked =
        walk(ctx, &format!("env/{}/flows", env.id), Some(resources_scope(vec![ResourceKind::CloudFlow])), |next| {
            let (client, name, t) = (client.clone(), name.clone(), t.clone());
            async move {
                let page = client.flows_page(&name, next.as_deref()).await?;
                Ok((Records::Resources(page.items.into_iter().map(|f| normalize::flow(f, &t)).collect()), page.next))
            }
        })
        .await;
    book_environment(ctx, env, "flows", walked)?;

    let walked = walk(ctx, &format!("env/{}/custom-connectors", env.id), None, |next| {
        let (client, name, t) = (client.clone(), name.clone(), t.clone());
        async move {
            let page = client.custom_connectors_page(&name, next.as_deref()).await?;
            Ok((Records::Connectors(page.items.into_iter().map(|a| normalize::connector(a, &t)).collect()), page.next))
        }
    })
    .await;
    match walked {
        Ok(Some(w)) => ctx.with_report(|r| r.connectors += w.counts),
        Ok(None) => {}
        Err(WalkError::Api(e)) => ctx.issue_in(env, "custom connectors", &e),
        Err(WalkError::Fatal(e)) => return Err(e),
    }

    // Environments without Dataverse have no agents or desktop flows to list: that is normal.
    let Some(api) = env.instance_api_url.clone() else { return Ok(()) };
    let env_id = env.id.clone();
    if !agents_done {
        let walked =
            walk(ctx, &format!("env/{}/agents", env.id), Some(resources_scope(vec![ResourceKind::Agent])), |next| {
                let (client, api, t, env_id) = (client.clone(), api.clone(), t.clone(), env_id.clone());
                async move {
                    let page = client.bots_page(&api, next.as_deref()).await?;
                    let items = page.items.into_iter().map(|b| normalize::bot(b, &t, &env_id)).collect();
                    Ok((Records::Resources(items), page.next))
                }
            })
            .await;
        book_environment(ctx, env, "agents", walked)?;
    }

    let walked = walk(
        ctx,
        &format!("env/{}/desktop-flows", env.id),
        Some(resources_scope(vec![ResourceKind::DesktopFlow])),
        |next| {
            let (client, api, t, env_id) = (client.clone(), api.clone(), t.clone(), env_id.clone());
            async move {
                let page = client.desktop_flows_page(&api, next.as_deref()).await?;
                let items = page.items.into_iter().map(|w| normalize::desktop_flow(w, &t, &env_id)).collect();
                Ok((Records::Resources(items), page.next))
            }
        },
    )
    .await;
    book_environment(ctx, env, "desktop flows", walked)
}

/// Book a tenant-wide agents walk under its own line of the per-environment table.
fn book_agents(ctx: &Ctx, w: &Walked) {
    ctx.with_report(|r| {
        r.agents_from_inventory_api = Some(w.counts);
        let e = r.per_environment.entry(String::new()).or_insert_with(|| EnvironmentReport {
            display_name: "(agents, tenant-wide, inventory API)".into(),
            ..Default::default()
        });
        e.resources += w.counts;
        e.deleted += w.deletions.resources;
    });
}

fn book_environment(
    ctx: &Ctx,
    env: &EnvironmentTarget,
    listing: &str,
    walked: Result<Option<Walked>, WalkError>,
) -> Result<(), SyncError> {
    match walked {
        Ok(Some(w)) => ctx.with_report(|r| {
            let e = r.per_environment.entry(env.id.clone()).or_default();
            e.resources += w.counts;
            e.deleted += w.deletions.resources;
        }),
        Ok(None) => {}
        Err(WalkError::Api(e)) => {
            ctx.with_report(|r| r.per_environment.entry(env.id.clone()).or_default().incomplete.push(listing.into()));
            ctx.issue_in(env, listing, &e);
        }
        Err(WalkError::Fatal(e)) => return Err(e),
    }
    Ok(())
}
