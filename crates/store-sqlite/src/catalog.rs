//! The app catalog on SQLite: items, their stage and publication histories, ratings, reviews
//! and access requests.
//!
//! Writes run on the writer thread, each in its own transaction, so checking an item's state
//! and writing its step cannot interleave with another writer, and change numbers (taken from
//! `catalog_clock` inside the write's transaction) commit in the order they were taken.

use crate::SqliteStore;
use crate::convert::{corrupt, opt_timestamp, timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use steward_model::{LifecycleStage, Page, Timestamp};
use steward_store::catalog::{
    AccessDecision, AccessQuery, AccessRequest, AccessState, CatalogEdit, CatalogItem, CatalogQuery, ItemFields,
    NewAccessRequest, NewCatalogItem, NewReview, Outcome, PublicationAction, PublicationEvent, PublicationState,
    PublicationStep, Rating, RatingSummary, Review, StageEvent, StageMove, already_requested, check_access_request,
    check_decision, check_edit, check_move, check_new_item, check_rating, check_review, check_step,
    checklist_from_json, resource_taken, strings_from_json, strings_to_json,
};
use steward_store::{Cursor, Result, StoreError, clamp_limit};

const ITEM_COLUMNS: &str = "id, seq, resource_id, kind, platform, title, summary, description, department, \
     business_area, category, tags, owner, backup_owner, support_tier, documentation_url, screenshots, criticality, \
     featured, hero, stage, state, created_at, created_by, updated_at, updated_by, rating_count, rating_sum, \
     review_count";

const ACCESS_COLUMNS: &str =
    "id, item_id, requester, reason, state, requested_at, decided_by, decided_at, decision_note";

/// The filters of a list, as SQL over `?1` (states as a JSON list) … `?5`.
const ITEM_FILTERS: &str = "(?1 IS NULL OR state IN (SELECT value FROM json_each(?1))) \
     AND (?2 IS NULL OR owner = ?2 OR backup_owner = ?2 OR created_by = ?2) \
     AND (?3 IS NULL OR resource_id = ?3) AND (?4 IS NULL OR kind = ?4) AND (?5 IS NULL OR stage = ?5)";

pub(crate) async fn create(store: &SqliteStore, item: &NewCatalogItem) -> Result<CatalogItem> {
    let fields = check_new_item(item)?;
    let item = item.clone();
    store
        .writer
        .run(move |conn| {
            let context = "creating a catalog item";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            check_resource_free(&tx, &fields, None)?;
            let seq = next_seq(&tx)?;
            let at = item.created_at.timestamp_millis();
            let mut values = field_values(&fields);
            values.extend([
                Value::Integer(seq),
                Value::Text(item.stage.as_str().to_string()),
                Value::Integer(at),
                Value::Text(item.created_by.clone()),
            ]);
            tx.execute(
                "INSERT INTO catalog_items (resource_id, kind, platform, title, summary, description, department, \
                 business_area, category, tags, owner, backup_owner, support_tier, documentation_url, screenshots, \
                 criticality, featured, hero, seq, stage, state, created_at, created_by, updated_at, updated_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
                 'draft', ?21, ?22, ?21, ?22)",
                params_from_iter(values),
            )
            .map_err(|e| StoreError::backend(context, e))?;
            let id = tx.last_insert_rowid();
            let note = item.note.as_deref();
            add_stage_event(&tx, id, None, item.stage, &item.created_by, at, note)?;
            let created = PublicationEvent {
                item_id: id,
                from_state: None,
                to_state: PublicationState::Draft,
                action: PublicationAction::Create,
                by: item.created_by.clone(),
                at: item.created_at,
                note: item.note.clone(),
                checklist: Vec::new(),
            };
            add_publication_event(&tx, &created)?;
            let out = read_item(&tx, id)?.ok_or_else(|| not_found("catalog item", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing a new catalog item", e))?;
            Ok(out)
        })
        .await
}

pub(crate) async fn get(store: &SqliteStore, id: i64) -> Result<Option<CatalogItem>> {
    store.read(move |conn| read_item(conn, id)).await
}

pub(crate) async fn list(store: &SqliteStore, query: &CatalogQuery) -> Result<Page<CatalogItem>> {
    let q = query.clone();
    let after = match &q.cursor {
        Some(text) => Cursor::decode(text)?.id.parse::<i64>().map_err(|_| StoreError::InvalidCursor(text.clone()))?,
        None => 0,
    };
    let limit = clamp_limit(q.limit);
    store
        .read(move |conn| {
            let context = "listing catalog items";
            let states = (!q.states.is_empty())
                .then(|| serde_json::to_string(&q.states.iter().map(|s| s.as_str()).collect::<Vec<_>>()))
                .transpose()
                .map_err(|e| corrupt("catalog query", e.to_string()))?;
            let filters = params![
                states,
                q.person,
                q.resource_id,
                q.kind.map(|k| k.as_str()),
                q.stage.map(|s| s.as_str()),
                after,
                i64::from(limit) + 1
            ];
            let total: i64 = conn
                .prepare_cached(&format!("SELECT count(*) FROM catalog_items WHERE {ITEM_FILTERS}"))
                .and_then(|mut stmt| stmt.query_row(&filters[..5], |r| r.get(0)))
                .map_err(|e| StoreError::backend(context, e))?;
            let sql = format!(
                "SELECT {ITEM_COLUMNS} FROM catalog_items WHERE {ITEM_FILTERS} AND id > ?6 ORDER BY id LIMIT ?7"
            );
            let mut items = query_items(conn, &sql, filters, context)?;
            let next = if items.len() > limit as usize {
                items.truncate(limit as usize);
                items.last().map(|i| Cursor { key: None, id: i.id.to_string() }.encode())
            } else {
                None
            };
            Ok(Page { items, total: u64::try_from(total).unwrap_or(0), next })
        })
        .await
}

pub(crate) async fn changes(store: &SqliteStore, since: i64, limit: u32) -> Result<Vec<CatalogItem>> {
    store
        .read(move |conn| {
            let sql = format!("SELECT {ITEM_COLUMNS} FROM catalog_items WHERE seq > ?1 ORDER BY seq LIMIT ?2");
            query_items(conn, &sql, params![since, i64::from(limit)], "reading catalog changes")
        })
        .await
}

pub(crate) async fn update(store: &SqliteStore, id: i64, edit: &CatalogEdit) -> Result<Outcome<CatalogItem>> {
    let fields = check_edit(edit)?;
    let edit = edit.clone();
    store
        .writer
        .run(move |conn| {
            let context = "editing a catalog item";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            let current = read_item(&tx, id)?.ok_or_else(|| not_found("catalog item", id))?;
            if edit.expected_seq.is_some_and(|s| s != current.seq) {
                return Ok(Outcome::Stale(current));
            }
            check_resource_free(&tx, &fields, Some(id))?;
            let seq = next_seq(&tx)?;
            let mut values = field_values(&fields);
            values.extend([
                Value::Integer(seq),
                Value::Integer(edit.at.timestamp_millis()),
                Value::Text(edit.by.clone()),
                Value::Integer(id),
            ]);
            tx.execute(
                "UPDATE catalog_items SET resource_id = ?1, kind = ?2, platform = ?3, title = ?4, summary = ?5, \
                 description = ?6, department = ?7, business_area = ?8, category = ?9, tags = ?10, owner = ?11, \
                 backup_owner = ?12, support_tier = ?13, documentation_url = ?14, screenshots = ?15, \
                 criticality = ?16, featured = ?17, hero = ?18, seq = ?19, updated_at = ?20, updated_by = ?21 \
                 WHERE id = ?22",
                params_from_iter(values),
            )
            .map_err(|e| StoreError::backend(context, e))?;
            let out = read_item(&tx, id)?.ok_or_else(|| not_found("catalog item", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing a catalog edit", e))?;
            Ok(Outcome::Applied(out))
        })
        .await
}

pub(crate) async fn apply_step(store: &SqliteStore, id: i64, step: &PublicationStep) -> Result<Outcome<CatalogItem>> {
    check_step(step)?;
    let step = step.clone();
    store
        .writer
        .run(move |conn| {
            let context = "applying a publication step";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            let current = read_item(&tx, id)?.ok_or_else(|| not_found("catalog item", id))?;
            if current.state != step.expected_state {
                return Ok(Outcome::Stale(current));
            }
            let seq = next_seq(&tx)?;
            tx.execute(
                "UPDATE catalog_items SET state = ?2, seq = ?3, updated_at = ?4, updated_by = ?5 WHERE id = ?1",
                params![id, step.state.as_str(), seq, step.at.timestamp_millis(), step.by],
            )
            .map_err(|e| StoreError::backend(context, e))?;
            add_publication_event(
                &tx,
                &PublicationEvent {
                    item_id: id,
                    from_state: Some(current.state),
                    to_state: step.state,
                    action: step.action,
                    by: step.by.clone(),
                    at: step.at,
                    note: step.note.clone(),
                    checklist: step.checklist.clone(),
                },
            )?;
            let out = read_item(&tx, id)?.ok_or_else(|| not_found("catalog item", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing a publication step", e))?;
            Ok(Outcome::Applied(out))
        })
        .await
}

pub(crate) async fn publication_history(store: &SqliteStore, id: i64) -> Result<Vec<PublicationEvent>> {
    store
        .read(move |conn| {
            let context = "reading a catalog item's publication history";
            let mut stmt = conn
                .prepare_cached(
                    "SELECT from_state, to_state, action, actor, at, note, checklist \
                     FROM catalog_publication_events WHERE item_id = ?1 ORDER BY seq",
                )
                .map_err(|e| StoreError::backend(context, e))?;
            let rows = stmt
                .query_map([id], |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            for row in rows {
                let (from, to, action, by, at, note, checklist) = row.map_err(|e| StoreError::backend(context, e))?;
                out.push(PublicationEvent {
                    item_id: id,
                    from_state: from.map(|s| parse(&s, "catalog_publication_events.from_state")).transpose()?,
                    to_state: parse(&to, "catalog_publication_events.to_state")?,
                    action: parse(&action, "catalog_publication_events.action")?,
                    by,
                    at: timestamp(at, "catalog_publication_events.at")?,
                    note,
                    checklist: checklist_from_json(&checklist)?,
                });
            }
            Ok(out)
        })
        .await
}

pub(crate) async fn apply_move(store: &SqliteStore, id: i64, stage_move: &StageMove) -> Result<Outcome<CatalogItem>> {
    check_move(stage_move)?;
    let m = stage_move.clone();
    store
        .writer
        .run(move |conn| {
            let context = "moving a catalog item's stage";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            let current = read_item(&tx, id)?.ok_or_else(|| not_found("catalog item", id))?;
            if current.stage != m.expected_stage {
                return Ok(Outcome::Stale(current));
            }
            let seq = next_seq(&tx)?;
            let at = m.at.timestamp_millis();
            tx.execute(
                "UPDATE catalog_items SET stage = ?2, seq = ?3, updated_at = ?4, updated_by = ?5 WHERE id = ?1",
                params![id, m.stage.as_str(), seq, at, m.by],
            )
            .map_err(|e| StoreError::backend(context, e))?;
            add_stage_event(&tx, id, Some(current.stage), m.stage, &m.by, at, m.note.as_deref())?;
            let out = read_item(&tx, id)?.ok_or_else(|| not_found("catalog item", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing a stage move", e))?;
            Ok(Outcome::Applied(out))
        })
        .await
}

pub(crate) async fn stage_history(store: &SqliteStore, id: i64) -> Result<Vec<StageEvent>> {
    store
        .read(move |conn| {
            let context = "reading a catalog item's stage history";
            let mut stmt = conn
                .prepare_cached(
                    "SELECT from_stage, to_stage, actor, at, note FROM catalog_stage_events \
                     WHERE item_id = ?1 ORDER BY seq",
                )
                .map_err(|e| StoreError::backend(context, e))?;
            let rows = stmt
                .query_map([id], |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            for row in rows {
                let (from, to, by, at, note) = row.map_err(|e| StoreError::backend(context, e))?;
                out.push(StageEvent {
                    item_id: id,
                    from_stage: from.map(|s| parse(&s, "catalog_stage_events.from_stage")).transpose()?,
                    to_stage: parse(&to, "catalog_stage_events.to_stage")?,
                    by,
                    at: timestamp(at, "catalog_stage_events.at")?,
                    note,
                });
            }
            Ok(out)
        })
        .await
}

pub(crate) async fn rate(
    store: &SqliteStore,
    item_id: i64,
    user: &str,
    stars: u8,
    at: Timestamp,
) -> Result<RatingSummary> {
    check_rating(user, stars)?;
    let user = user.to_string();
    store
        .writer
        .run(move |conn| {
            let context = "rating a catalog item";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            require_item(&tx, item_id)?;
            tx.execute(
                "INSERT INTO catalog_ratings (item_id, user_id, stars, at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (item_id, user_id) DO UPDATE SET stars = excluded.stars, at = excluded.at",
                params![item_id, user, i64::from(stars), at.timestamp_millis()],
            )
            .map_err(|e| StoreError::backend(context, e))?;
            // The averages travel with the item into the search index, hence a new change number.
            let seq = next_seq(&tx)?;
            let (count, sum): (i64, i64) = tx
                .query_row(
                    "UPDATE catalog_items SET seq = ?2, \
                     rating_count = (SELECT count(*) FROM catalog_ratings WHERE item_id = ?1), \
                     rating_sum = (SELECT coalesce(sum(stars), 0) FROM catalog_ratings WHERE item_id = ?1) \
                     WHERE id = ?1 RETURNING rating_count, rating_sum",
                    params![item_id, seq],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(|e| StoreError::backend(context, e))?;
            tx.commit().map_err(|e| StoreError::backend("committing a rating", e))?;
            Ok(RatingSummary::from_sum(count, sum))
        })
        .await
}

pub(crate) async fn ratings(store: &SqliteStore, item_id: i64) -> Result<Vec<Rating>> {
    store
        .read(move |conn| {
            let context = "reading a catalog item's ratings";
            let mut stmt = conn
                .prepare_cached("SELECT user_id, stars, at FROM catalog_ratings WHERE item_id = ?1 ORDER BY user_id")
                .map_err(|e| StoreError::backend(context, e))?;
            let rows = stmt
                .query_map([item_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            for row in rows {
                let (user, stars, at) = row.map_err(|e| StoreError::backend(context, e))?;
                out.push(Rating {
                    item_id,
                    user,
                    stars: u8::try_from(stars).map_err(|_| corrupt("catalog_ratings.stars", stars.to_string()))?,
                    at: timestamp(at, "catalog_ratings.at")?,
                });
            }
            Ok(out)
        })
        .await
}

pub(crate) async fn add_review(store: &SqliteStore, review: &NewReview) -> Result<Review> {
    check_review(review)?;
    let r = review.clone();
    store
        .writer
        .run(move |conn| {
            let context = "adding a review";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            require_item(&tx, r.item_id)?;
            tx.execute(
                "INSERT INTO catalog_reviews (item_id, actor, text, at) VALUES (?1, ?2, ?3, ?4)",
                params![r.item_id, r.by, r.text.trim(), r.at.timestamp_millis()],
            )
            .map_err(|e| StoreError::backend(context, e))?;
            let id = tx.last_insert_rowid();
            tx.execute("UPDATE catalog_items SET review_count = review_count + 1 WHERE id = ?1", [r.item_id])
                .map_err(|e| StoreError::backend(context, e))?;
            tx.commit().map_err(|e| StoreError::backend("committing a review", e))?;
            Ok(Review { id, item_id: r.item_id, by: r.by, text: r.text.trim().to_string(), at: r.at })
        })
        .await
}

pub(crate) async fn reviews(store: &SqliteStore, item_id: i64) -> Result<Vec<Review>> {
    store
        .read(move |conn| {
            let context = "reading a catalog item's reviews";
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, actor, text, at FROM catalog_reviews WHERE item_id = ?1 ORDER BY at DESC, id DESC",
                )
                .map_err(|e| StoreError::backend(context, e))?;
            let rows = stmt
                .query_map([item_id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
                })
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            for row in rows {
                let (id, by, text, at) = row.map_err(|e| StoreError::backend(context, e))?;
                out.push(Review { id, item_id, by, text, at: timestamp(at, "catalog_reviews.at")? });
            }
            Ok(out)
        })
        .await
}

pub(crate) async fn request_access(store: &SqliteStore, request: &NewAccessRequest) -> Result<AccessRequest> {
    check_access_request(request)?;
    let r = request.clone();
    store
        .writer
        .run(move |conn| {
            let context = "requesting access to a catalog item";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            require_item(&tx, r.item_id)?;
            let inserted = tx
                .execute(
                    "INSERT INTO catalog_access_requests (item_id, requester, reason, state, requested_at) \
                     VALUES (?1, ?2, ?3, 'requested', ?4) ON CONFLICT DO NOTHING",
                    params![r.item_id, r.requester, r.reason.trim(), r.at.timestamp_millis()],
                )
                .map_err(|e| StoreError::backend(context, e))?;
            if inserted == 0 {
                return Err(already_requested(r.item_id, &r.requester));
            }
            let id = tx.last_insert_rowid();
            let out = read_access(&tx, id)?.ok_or_else(|| not_found("access request", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing an access request", e))?;
            Ok(out)
        })
        .await
}

pub(crate) async fn decide_access(
    store: &SqliteStore,
    id: i64,
    decision: &AccessDecision,
) -> Result<Outcome<AccessRequest>> {
    check_decision(decision)?;
    let d = decision.clone();
    store
        .writer
        .run(move |conn| {
            let context = "deciding an access request";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            let current = read_access(&tx, id)?.ok_or_else(|| not_found("access request", id))?;
            if current.state != AccessState::Requested {
                return Ok(Outcome::Stale(current));
            }
            tx.execute(
                "UPDATE catalog_access_requests SET state = ?2, decided_by = ?3, decided_at = ?4, \
                 decision_note = ?5 WHERE id = ?1",
                params![id, d.state.as_str(), d.by, d.at.timestamp_millis(), d.note],
            )
            .map_err(|e| StoreError::backend(context, e))?;
            let out = read_access(&tx, id)?.ok_or_else(|| not_found("access request", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing an access decision", e))?;
            Ok(Outcome::Applied(out))
        })
        .await
}

pub(crate) async fn list_access(store: &SqliteStore, query: &AccessQuery) -> Result<Vec<AccessRequest>> {
    let q = query.clone();
    store
        .read(move |conn| {
            let context = "listing access requests";
            let sql = format!(
                "SELECT {ACCESS_COLUMNS} FROM catalog_access_requests WHERE (?1 IS NULL OR item_id = ?1) \
                 AND (?2 IS NULL OR requester = ?2) AND (?3 IS NULL OR state = ?3) ORDER BY id"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
            let rows = stmt
                .query_map(params![q.item_id, q.requester, q.state.map(|s| s.as_str())], raw_access)
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(access(row.map_err(|e| StoreError::backend(context, e))?)?);
            }
            Ok(out)
        })
        .await
}

/// Take the next change number; the caller's transaction holds the writer, so numbers commit in order.
fn next_seq(conn: &Connection) -> Result<i64> {
    conn.query_row("UPDATE catalog_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq", [], |r| r.get(0))
        .map_err(|e| StoreError::backend("taking a catalog change number", e))
}

/// Refuse a resource that another item already describes.
fn check_resource_free(conn: &Connection, fields: &ItemFields, this: Option<i64>) -> Result<()> {
    let Some(resource) = &fields.resource_id else { return Ok(()) };
    let other: Option<i64> = conn
        .query_row(
            "SELECT id FROM catalog_items WHERE resource_id = ?1 AND id IS NOT ?2",
            params![resource, this],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| StoreError::backend("checking a catalog item's resource", e))?;
    match other {
        Some(existing) => Err(resource_taken(resource, existing)),
        None => Ok(()),
    }
}

fn require_item(conn: &Connection, id: i64) -> Result<()> {
    let found: Option<i64> = conn
        .query_row("SELECT id FROM catalog_items WHERE id = ?1", [id], |r| r.get(0))
        .optional()
        .map_err(|e| StoreError::backend("reading a catalog item", e))?;
    found.map(|_| ()).ok_or_else(|| not_found("catalog item", id))
}

/// The 18 field columns, in the order the insert and the update name them.
fn field_values(f: &ItemFields) -> Vec<Value> {
    let text = |t: &Option<String>| t.clone().map_or(Value::Null, Value::Text);
    vec![
        text(&f.resource_id),
        Value::Text(f.kind.as_str().to_string()),
        Value::Text(f.platform.clone()),
        Value::Text(f.title.clone()),
        Value::Text(f.summary.clone()),
        Value::Text(f.description.clone()),
        text(&f.department),
        text(&f.business_area),
        text(&f.category),
        Value::Text(strings_to_json(&f.tags)),
        text(&f.owner),
        text(&f.backup_owner),
        f.support_tier.map_or(Value::Null, |t| Value::Text(t.as_str().to_string())),
        text(&f.documentation_url),
        Value::Text(strings_to_json(&f.screenshots)),
        f.criticality.map_or(Value::Null, |c| Value::Text(c.as_str().to_string())),
        Value::Integer(i64::from(f.featured)),
        Value::Integer(i64::from(f.hero)),
    ]
}

#[allow(clippy::too_many_arguments)]
fn add_stage_event(
    conn: &Connection,
    item_id: i64,
    from: Option<LifecycleStage>,
    to: LifecycleStage,
    by: &str,
    at: i64,
    note: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO catalog_stage_events (item_id, from_stage, to_stage, actor, at, note) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut stmt| stmt.execute(params![item_id, from.map(|s| s.as_str()), to.as_str(), by, at, note]))
    .map_err(|e| StoreError::backend("recording a stage move", e))?;
    Ok(())
}

fn add_publication_event(conn: &Connection, e: &PublicationEvent) -> Result<()> {
    let checklist = serde_json::to_string(&e.checklist).unwrap_or_else(|_| "[]".to_string());
    conn.prepare_cached(
        "INSERT INTO catalog_publication_events (item_id, from_state, to_state, action, actor, at, note, checklist) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            e.item_id,
            e.from_state.map(|s| s.as_str()),
            e.to_state.as_str(),
            e.action.as_str(),
            e.by,
            e.at.timestamp_millis(),
            e.note,
            checklist
        ])
    })
    .map_err(|err| StoreError::backend("recording a publication step", err))?;
    Ok(())
}

fn read_item(conn: &Connection, id: i64) -> Result<Option<CatalogItem>> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM catalog_items WHERE id = ?1");
    let raw = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([id], raw_item).optional())
        .map_err(|e| StoreError::backend("reading a catalog item", e))?;
    raw.map(item).transpose()
}

fn query_items(conn: &Connection, sql: &str, params: impl rusqlite::Params, context: &str) -> Result<Vec<CatalogItem>> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| StoreError::backend(context, e))?;
    let rows = stmt.query_map(params, raw_item).map_err(|e| StoreError::backend(context, e))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(item(row.map_err(|e| StoreError::backend(context, e))?)?);
    }
    Ok(out)
}

fn read_access(conn: &Connection, id: i64) -> Result<Option<AccessRequest>> {
    let sql = format!("SELECT {ACCESS_COLUMNS} FROM catalog_access_requests WHERE id = ?1");
    let raw = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([id], raw_access).optional())
        .map_err(|e| StoreError::backend("reading an access request", e))?;
    raw.map(access).transpose()
}

/// An item row as stored, converted outside the driver's closure so errors can say which column.
struct RawItem {
    id: i64,
    seq: i64,
    resource_id: Option<String>,
    kind: String,
    platform: String,
    title: String,
    summary: String,
    description: String,
    department: Option<String>,
    business_area: Option<String>,
    category: Option<String>,
    tags: String,
    owner: Option<String>,
    backup_owner: Option<String>,
    support_tier: Option<String>,
    documentation_url: Option<String>,
    screenshots: String,
    criticality: Option<String>,
    featured: i64,
    hero: i64,
    stage: String,
    state: String,
    created_at: i64,
    created_by: String,
    updated_at: i64,
    updated_by: String,
    rating_count: i64,
    rating_sum: i64,
    review_count: i64,
}

fn raw_item(r: &Row<'_>) -> rusqlite::Result<RawItem> {
    Ok(RawItem {
        id: r.get(0)?,
        seq: r.get(1)?,
        resource_id: r.get(2)?,
        kind: r.get(3)?,
        platform: r.get(4)?,
        title: r.get(5)?,
        summary: r.get(6)?,
        description: r.get(7)?,
        department: r.get(8)?,
        business_area: r.get(9)?,
        category: r.get(10)?,
        tags: r.get(11)?,
        owner: r.get(12)?,
        backup_owner: r.get(13)?,
        support_tier: r.get(14)?,
        documentation_url: r.get(15)?,
        screenshots: r.get(16)?,
        criticality: r.get(17)?,
        featured: r.get(18)?,
        hero: r.get(19)?,
        stage: r.get(20)?,
        state: r.get(21)?,
        created_at: r.get(22)?,
        created_by: r.get(23)?,
        updated_at: r.get(24)?,
        updated_by: r.get(25)?,
        rating_count: r.get(26)?,
        rating_sum: r.get(27)?,
        review_count: r.get(28)?,
    })
}

fn item(r: RawItem) -> Result<CatalogItem> {
    Ok(CatalogItem {
        id: r.id,
        seq: r.seq,
        fields: ItemFields {
            resource_id: r.resource_id,
            kind: parse(&r.kind, "catalog_items.kind")?,
            platform: r.platform,
            title: r.title,
            summary: r.summary,
            description: r.description,
            department: r.department,
            business_area: r.business_area,
            category: r.category,
            tags: strings_from_json(&r.tags, "catalog_items.tags")?,
            owner: r.owner,
            backup_owner: r.backup_owner,
            support_tier: r.support_tier.map(|t| parse(&t, "catalog_items.support_tier")).transpose()?,
            documentation_url: r.documentation_url,
            screenshots: strings_from_json(&r.screenshots, "catalog_items.screenshots")?,
            criticality: r.criticality.map(|c| parse(&c, "catalog_items.criticality")).transpose()?,
            featured: r.featured != 0,
            hero: r.hero != 0,
        },
        stage: parse(&r.stage, "catalog_items.stage")?,
        state: parse(&r.state, "catalog_items.state")?,
        created_at: timestamp(r.created_at, "catalog_items.created_at")?,
        created_by: r.created_by,
        updated_at: timestamp(r.updated_at, "catalog_items.updated_at")?,
        updated_by: r.updated_by,
        ratings: RatingSummary::from_sum(r.rating_count, r.rating_sum),
        reviews: u64::try_from(r.review_count).unwrap_or(0),
    })
}

struct RawAccess {
    id: i64,
    item_id: i64,
    requester: String,
    reason: String,
    state: String,
    requested_at: i64,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    decision_note: Option<String>,
}

fn raw_access(r: &Row<'_>) -> rusqlite::Result<RawAccess> {
    Ok(RawAccess {
        id: r.get(0)?,
        item_id: r.get(1)?,
        requester: r.get(2)?,
        reason: r.get(3)?,
        state: r.get(4)?,
        requested_at: r.get(5)?,
        decided_by: r.get(6)?,
        decided_at: r.get(7)?,
        decision_note: r.get(8)?,
    })
}

fn access(r: RawAccess) -> Result<AccessRequest> {
    Ok(AccessRequest {
        id: r.id,
        item_id: r.item_id,
        requester: r.requester,
        reason: r.reason,
        state: parse(&r.state, "catalog_access_requests.state")?,
        requested_at: timestamp(r.requested_at, "catalog_access_requests.requested_at")?,
        decided_by: r.decided_by,
        decided_at: opt_timestamp(r.decided_at, "catalog_access_requests.decided_at")?,
        decision_note: r.decision_note,
    })
}

fn parse<T>(text: &str, what: &str) -> Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e: T::Err| corrupt(what, e.to_string()))
}

fn not_found(what: &'static str, id: i64) -> StoreError {
    StoreError::NotFound { what, id: id.to_string() }
}
