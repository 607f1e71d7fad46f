//! The app catalog on PostgreSQL: items, their stage and publication histories, ratings,
//! reviews and access requests.
//!
//! Replicas may write at once. Every write that changes an item takes the next change number
//! from `catalog_clock` first thing in its transaction: the row lock serialises catalog writes
//! (so checking an item's state and writing its step cannot interleave, and numbers become
//! visible in commit order) and, being always taken first, cannot deadlock with item row locks.
//! Access decisions lock their request row (`FOR UPDATE`).

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use deadpool_postgres::GenericClient;
use steward_model::{LifecycleStage, Page, Timestamp};
use steward_store::catalog::{
    AccessDecision, AccessQuery, AccessRequest, AccessState, CatalogEdit, CatalogItem, CatalogQuery, Check, ItemFields,
    NewAccessRequest, NewCatalogItem, NewReview, Outcome, PublicationAction, PublicationEvent, PublicationState,
    PublicationStep, Rating, RatingSummary, Review, StageEvent, StageMove, already_requested, check_access_request,
    check_decision, check_edit, check_move, check_new_item, check_rating, check_review, check_step, resource_taken,
};
use steward_store::{Cursor, Result, StoreError, clamp_limit};
use tokio_postgres::types::{Json, ToSql};

const ITEM_COLUMNS: &str = "id, seq, resource_id, kind, platform, title, summary, description, department, \
     business_area, category, tags, owner, backup_owner, support_tier, documentation_url, screenshots, criticality, \
     featured, hero, stage, state, created_at, created_by, updated_at, updated_by, rating_count, rating_sum, \
     review_count";

const ACCESS_COLUMNS: &str =
    "id, item_id, requester, reason, state, requested_at, decided_by, decided_at, decision_note";

/// The filters of a list, as SQL over `$1` (states) … `$5`.
const ITEM_FILTERS: &str = "($1::text[] IS NULL OR state = ANY($1)) \
     AND ($2::text IS NULL OR owner = $2 OR backup_owner = $2 OR created_by = $2) \
     AND ($3::text IS NULL OR resource_id = $3) AND ($4::text IS NULL OR kind = $4) \
     AND ($5::text IS NULL OR stage = $5)";

/// The 18 field columns as the insert and the update name them.
const FIELD_COLUMNS: &str = "resource_id, kind, platform, title, summary, description, department, business_area, \
     category, tags, owner, backup_owner, support_tier, documentation_url, screenshots, criticality, featured, hero";

/// An item's fields as column values, in [`FIELD_COLUMNS`] order.
struct FieldValues {
    resource_id: Option<String>,
    kind: &'static str,
    platform: String,
    title: String,
    summary: String,
    description: String,
    department: Option<String>,
    business_area: Option<String>,
    category: Option<String>,
    tags: Vec<String>,
    owner: Option<String>,
    backup_owner: Option<String>,
    support_tier: Option<&'static str>,
    documentation_url: Option<String>,
    screenshots: Vec<String>,
    criticality: Option<&'static str>,
    featured: bool,
    hero: bool,
}

impl FieldValues {
    fn new(f: ItemFields) -> FieldValues {
        FieldValues {
            resource_id: f.resource_id,
            kind: f.kind.as_str(),
            platform: f.platform,
            title: f.title,
            summary: f.summary,
            description: f.description,
            department: f.department,
            business_area: f.business_area,
            category: f.category,
            tags: f.tags,
            owner: f.owner,
            backup_owner: f.backup_owner,
            support_tier: f.support_tier.map(|t| t.as_str()),
            documentation_url: f.documentation_url,
            screenshots: f.screenshots,
            criticality: f.criticality.map(|c| c.as_str()),
            featured: f.featured,
            hero: f.hero,
        }
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &self.resource_id,
            &self.kind,
            &self.platform,
            &self.title,
            &self.summary,
            &self.description,
            &self.department,
            &self.business_area,
            &self.category,
            &self.tags,
            &self.owner,
            &self.backup_owner,
            &self.support_tier,
            &self.documentation_url,
            &self.screenshots,
            &self.criticality,
            &self.featured,
            &self.hero,
        ]
    }
}

pub(crate) async fn create(store: &PostgresStore, item: &NewCatalogItem) -> Result<CatalogItem> {
    let fields = check_new_item(item)?;
    let mut client = client(store.pool()).await?;
    let context = "creating a catalog item";
    let tx = client.transaction().await.map_err(db(context))?;
    let seq = next_seq(&tx).await?;
    check_resource_free(&tx, &fields, None).await?;
    let values = FieldValues::new(fields);
    let stage = item.stage.as_str();
    let mut params = values.params();
    params.extend([&seq as &(dyn ToSql + Sync), &stage, &item.created_at, &item.created_by]);
    let sql = format!(
        "INSERT INTO catalog_items ({FIELD_COLUMNS}, seq, stage, state, created_at, created_by, updated_at, \
         updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
         $20, 'draft', $21, $22, $21, $22) RETURNING id"
    );
    let row = tx.query_one(&sql, &params).await.map_err(db(context))?;
    let id: i64 = row.try_get(0).map_err(db(context))?;
    add_stage_event(&tx, id, None, item.stage, &item.created_by, item.created_at, item.note.as_deref()).await?;
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
    add_publication_event(&tx, &created).await?;
    let out = read_item(&tx, id).await?.ok_or_else(|| not_found("catalog item", id))?;
    tx.commit().await.map_err(db("committing a new catalog item"))?;
    Ok(out)
}

pub(crate) async fn get(store: &PostgresStore, id: i64) -> Result<Option<CatalogItem>> {
    let client = client(store.pool()).await?;
    read_item(&client, id).await
}

pub(crate) async fn list(store: &PostgresStore, q: &CatalogQuery) -> Result<Page<CatalogItem>> {
    let after = match &q.cursor {
        Some(text) => Cursor::decode(text)?.id.parse::<i64>().map_err(|_| StoreError::InvalidCursor(text.clone()))?,
        None => 0,
    };
    let limit = clamp_limit(q.limit);
    let fetch = i64::from(limit) + 1;
    let states: Option<Vec<&str>> = (!q.states.is_empty()).then(|| q.states.iter().map(|s| s.as_str()).collect());
    let kind = q.kind.map(|k| k.as_str());
    let stage = q.stage.map(|s| s.as_str());
    let filters: [&(dyn ToSql + Sync); 5] = [&states, &q.person, &q.resource_id, &kind, &stage];
    let mut client = client(store.pool()).await?;
    let context = "listing catalog items";
    // One snapshot for the page and its total.
    let tx = client.build_transaction().read_only(true).isolation_level(tokio_postgres::IsolationLevel::RepeatableRead);
    let tx = tx.start().await.map_err(db(context))?;
    let total: i64 = tx
        .query_one(&format!("SELECT count(*) FROM catalog_items WHERE {ITEM_FILTERS}"), &filters)
        .await
        .map_err(db(context))?
        .try_get(0)
        .map_err(db(context))?;
    let sql = format!("SELECT {ITEM_COLUMNS} FROM catalog_items WHERE {ITEM_FILTERS} AND id > $6 ORDER BY id LIMIT $7");
    let mut params = filters.to_vec();
    params.extend([&after as &(dyn ToSql + Sync), &fetch]);
    let rows = tx.query(&sql, &params).await.map_err(db(context))?;
    tx.commit().await.map_err(db(context))?;
    let mut items = rows.iter().map(item).collect::<Result<Vec<_>>>()?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|i| Cursor { key: None, id: i.id.to_string() }.encode())
    } else {
        None
    };
    Ok(Page { items, total: u64::try_from(total).unwrap_or(0), next })
}

pub(crate) async fn changes(store: &PostgresStore, since: i64, limit: u32) -> Result<Vec<CatalogItem>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {ITEM_COLUMNS} FROM catalog_items WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows = client.query(&sql, &[&since, &i64::from(limit)]).await.map_err(db("reading catalog changes"))?;
    rows.iter().map(item).collect()
}

pub(crate) async fn update(store: &PostgresStore, id: i64, edit: &CatalogEdit) -> Result<Outcome<CatalogItem>> {
    let fields = check_edit(edit)?;
    let mut client = client(store.pool()).await?;
    let context = "editing a catalog item";
    let tx = client.transaction().await.map_err(db(context))?;
    let seq = next_seq(&tx).await?;
    let current = read_item(&tx, id).await?.ok_or_else(|| not_found("catalog item", id))?;
    if edit.expected_seq.is_some_and(|s| s != current.seq) {
        return Ok(Outcome::Stale(current));
    }
    check_resource_free(&tx, &fields, Some(id)).await?;
    let values = FieldValues::new(fields);
    let mut params = values.params();
    params.extend([&seq as &(dyn ToSql + Sync), &edit.at, &edit.by, &id]);
    tx.execute(
        "UPDATE catalog_items SET resource_id = $1, kind = $2, platform = $3, title = $4, summary = $5, \
         description = $6, department = $7, business_area = $8, category = $9, tags = $10, owner = $11, \
         backup_owner = $12, support_tier = $13, documentation_url = $14, screenshots = $15, criticality = $16, \
         featured = $17, hero = $18, seq = $19, updated_at = $20, updated_by = $21 WHERE id = $22",
        &params,
    )
    .await
    .map_err(db(context))?;
    let out = read_item(&tx, id).await?.ok_or_else(|| not_found("catalog item", id))?;
    tx.commit().await.map_err(db("committing a catalog edit"))?;
    Ok(Outcome::Applied(out))
}

pub(crate) async fn apply_step(store: &PostgresStore, id: i64, step: &PublicationStep) -> Result<Outcome<CatalogItem>> {
    check_step(step)?;
    let mut client = client(store.pool()).await?;
    let context = "applying a publication step";
    let tx = client.transaction().await.map_err(db(context))?;
    let seq = next_seq(&tx).await?;
    let current = read_item(&tx, id).await?.ok_or_else(|| not_found("catalog item", id))?;
    if current.state != step.expected_state {
        return Ok(Outcome::Stale(current));
    }
    tx.execute(
        "UPDATE catalog_items SET state = $2, seq = $3, updated_at = $4, updated_by = $5 WHERE id = $1",
        &[&id, &step.state.as_str(), &seq, &step.at, &step.by],
    )
    .await
    .map_err(db(context))?;
    let event = PublicationEvent {
        item_id: id,
        from_state: Some(current.state),
        to_state: step.state,
        action: step.action,
        by: step.by.clone(),
        at: step.at,
        note: step.note.clone(),
        checklist: step.checklist.clone(),
    };
    add_publication_event(&tx, &event).await?;
    let out = read_item(&tx, id).await?.ok_or_else(|| not_found("catalog item", id))?;
    tx.commit().await.map_err(db("committing a publication step"))?;
    Ok(Outcome::Applied(out))
}

pub(crate) async fn publication_history(store: &PostgresStore, id: i64) -> Result<Vec<PublicationEvent>> {
    let client = client(store.pool()).await?;
    let context = "reading a catalog item's publication history";
    let rows = client
        .query(
            "SELECT from_state, to_state, action, actor, at, note, checklist FROM catalog_publication_events \
             WHERE item_id = $1 ORDER BY seq",
            &[&id],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            let from: Option<String> = r.try_get(0).map_err(db(context))?;
            let to: String = r.try_get(1).map_err(db(context))?;
            let action: String = r.try_get(2).map_err(db(context))?;
            let checklist: Json<Vec<Check>> = r.try_get(6).map_err(db(context))?;
            Ok(PublicationEvent {
                item_id: id,
                from_state: from.map(|s| parse(&s, "catalog_publication_events.from_state")).transpose()?,
                to_state: parse(&to, "catalog_publication_events.to_state")?,
                action: parse(&action, "catalog_publication_events.action")?,
                by: r.try_get(3).map_err(db(context))?,
                at: r.try_get(4).map_err(db(context))?,
                note: r.try_get(5).map_err(db(context))?,
                checklist: checklist.0,
            })
        })
        .collect()
}

pub(crate) async fn apply_move(store: &PostgresStore, id: i64, m: &StageMove) -> Result<Outcome<CatalogItem>> {
    check_move(m)?;
    let mut client = client(store.pool()).await?;
    let context = "moving a catalog item's stage";
    let tx = client.transaction().await.map_err(db(context))?;
    let seq = next_seq(&tx).await?;
    let current = read_item(&tx, id).await?.ok_or_else(|| not_found("catalog item", id))?;
    if current.stage != m.expected_stage {
        return Ok(Outcome::Stale(current));
    }
    tx.execute(
        "UPDATE catalog_items SET stage = $2, seq = $3, updated_at = $4, updated_by = $5 WHERE id = $1",
        &[&id, &m.stage.as_str(), &seq, &m.at, &m.by],
    )
    .await
    .map_err(db(context))?;
    add_stage_event(&tx, id, Some(current.stage), m.stage, &m.by, m.at, m.note.as_deref()).await?;
    let out = read_item(&tx, id).await?.ok_or_else(|| not_found("catalog item", id))?;
    tx.commit().await.map_err(db("committing a stage move"))?;
    Ok(Outcome::Applied(out))
}

pub(crate) async fn stage_history(store: &PostgresStore, id: i64) -> Result<Vec<StageEvent>> {
    let client = client(store.pool()).await?;
    let context = "reading a catalog item's stage history";
    let rows = client
        .query(
            "SELECT from_stage, to_stage, actor, at, note FROM catalog_stage_events WHERE item_id = $1 ORDER BY seq",
            &[&id],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            let from: Option<String> = r.try_get(0).map_err(db(context))?;
            let to: String = r.try_get(1).map_err(db(context))?;
            Ok(StageEvent {
                item_id: id,
                from_stage: from.map(|s| parse(&s, "catalog_stage_events.from_stage")).transpose()?,
                to_stage: parse(&to, "catalog_stage_events.to_stage")?,
                by: r.try_get(2).map_err(db(context))?,
                at: r.try_get(3).map_err(db(context))?,
                note: r.try_get(4).map_err(db(context))?,
            })
        })
        .collect()
}

pub(crate) async fn rate(
    store: &PostgresStore,
    item_id: i64,
    user: &str,
    stars: u8,
    at: Timestamp,
) -> Result<RatingSummary> {
    check_rating(user, stars)?;
    let mut client = client(store.pool()).await?;
    let context = "rating a catalog item";
    let tx = client.transaction().await.map_err(db(context))?;
    // The averages travel with the item into the search index, hence a new change number.
    let seq = next_seq(&tx).await?;
    require_item(&tx, item_id).await?;
    tx.execute(
        "INSERT INTO catalog_ratings (item_id, user_id, stars, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (item_id, user_id) DO UPDATE SET stars = excluded.stars, at = excluded.at",
        &[&item_id, &user, &i32::from(stars), &at],
    )
    .await
    .map_err(db(context))?;
    let row = tx
        .query_one(
            "UPDATE catalog_items SET seq = $2, \
             rating_count = (SELECT count(*) FROM catalog_ratings WHERE item_id = $1), \
             rating_sum = (SELECT coalesce(sum(stars), 0) FROM catalog_ratings WHERE item_id = $1) \
             WHERE id = $1 RETURNING rating_count, rating_sum",
            &[&item_id, &seq],
        )
        .await
        .map_err(db(context))?;
    let (count, sum): (i64, i64) = (row.try_get(0).map_err(db(context))?, row.try_get(1).map_err(db(context))?);
    tx.commit().await.map_err(db("committing a rating"))?;
    Ok(RatingSummary::from_sum(count, sum))
}

pub(crate) async fn ratings(store: &PostgresStore, item_id: i64) -> Result<Vec<Rating>> {
    let client = client(store.pool()).await?;
    let context = "reading a catalog item's ratings";
    let rows = client
        .query(
            "SELECT user_id, stars, at FROM catalog_ratings WHERE item_id = $1 ORDER BY user_id COLLATE \"C\"",
            &[&item_id],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            let stars: i32 = r.try_get(1).map_err(db(context))?;
            Ok(Rating {
                item_id,
                user: r.try_get(0).map_err(db(context))?,
                stars: u8::try_from(stars).map_err(|_| corrupt("catalog_ratings.stars", stars))?,
                at: r.try_get(2).map_err(db(context))?,
            })
        })
        .collect()
}

pub(crate) async fn add_review(store: &PostgresStore, r: &NewReview) -> Result<Review> {
    check_review(r)?;
    let mut client = client(store.pool()).await?;
    let context = "adding a review";
    let tx = client.transaction().await.map_err(db(context))?;
    require_item(&tx, r.item_id).await?;
    let text = r.text.trim();
    let row = tx
        .query_one(
            "INSERT INTO catalog_reviews (item_id, actor, text, at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&r.item_id, &r.by, &text, &r.at],
        )
        .await
        .map_err(db(context))?;
    let id: i64 = row.try_get(0).map_err(db(context))?;
    tx.execute("UPDATE catalog_items SET review_count = review_count + 1 WHERE id = $1", &[&r.item_id])
        .await
        .map_err(db(context))?;
    tx.commit().await.map_err(db("committing a review"))?;
    Ok(Review { id, item_id: r.item_id, by: r.by.clone(), text: text.to_string(), at: r.at })
}

pub(crate) async fn reviews(store: &PostgresStore, item_id: i64) -> Result<Vec<Review>> {
    let client = client(store.pool()).await?;
    let context = "reading a catalog item's reviews";
    let rows = client
        .query(
            "SELECT id, actor, text, at FROM catalog_reviews WHERE item_id = $1 ORDER BY at DESC, id DESC",
            &[&item_id],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            Ok(Review {
                id: r.try_get(0).map_err(db(context))?,
                item_id,
                by: r.try_get(1).map_err(db(context))?,
                text: r.try_get(2).map_err(db(context))?,
                at: r.try_get(3).map_err(db(context))?,
            })
        })
        .collect()
}

pub(crate) async fn request_access(store: &PostgresStore, r: &NewAccessRequest) -> Result<AccessRequest> {
    check_access_request(r)?;
    let mut client = client(store.pool()).await?;
    let context = "requesting access to a catalog item";
    let tx = client.transaction().await.map_err(db(context))?;
    require_item(&tx, r.item_id).await?;
    let reason = r.reason.trim();
    let row = tx
        .query_opt(
            "INSERT INTO catalog_access_requests (item_id, requester, reason, state, requested_at) \
             VALUES ($1, $2, $3, 'requested', $4) \
             ON CONFLICT (item_id, requester) WHERE state = 'requested' DO NOTHING RETURNING id",
            &[&r.item_id, &r.requester, &reason, &r.at],
        )
        .await
        .map_err(db(context))?;
    let Some(row) = row else {
        return Err(already_requested(r.item_id, &r.requester));
    };
    let id: i64 = row.try_get(0).map_err(db(context))?;
    let out = read_access(&tx, id, false).await?.ok_or_else(|| not_found("access request", id))?;
    tx.commit().await.map_err(db("committing an access request"))?;
    Ok(out)
}

pub(crate) async fn decide_access(
    store: &PostgresStore,
    id: i64,
    d: &AccessDecision,
) -> Result<Outcome<AccessRequest>> {
    check_decision(d)?;
    let mut client = client(store.pool()).await?;
    let context = "deciding an access request";
    let tx = client.transaction().await.map_err(db(context))?;
    let current = read_access(&tx, id, true).await?.ok_or_else(|| not_found("access request", id))?;
    if current.state != AccessState::Requested {
        return Ok(Outcome::Stale(current));
    }
    tx.execute(
        "UPDATE catalog_access_requests SET state = $2, decided_by = $3, decided_at = $4, decision_note = $5 \
         WHERE id = $1",
        &[&id, &d.state.as_str(), &d.by, &d.at, &d.note],
    )
    .await
    .map_err(db(context))?;
    let out = read_access(&tx, id, false).await?.ok_or_else(|| not_found("access request", id))?;
    tx.commit().await.map_err(db("committing an access decision"))?;
    Ok(Outcome::Applied(out))
}

pub(crate) async fn list_access(store: &PostgresStore, q: &AccessQuery) -> Result<Vec<AccessRequest>> {
    let client = client(store.pool()).await?;
    let sql = format!(
        "SELECT {ACCESS_COLUMNS} FROM catalog_access_requests WHERE ($1::bigint IS NULL OR item_id = $1) \
         AND ($2::text IS NULL OR requester = $2) AND ($3::text IS NULL OR state = $3) ORDER BY id"
    );
    let state = q.state.map(|s| s.as_str());
    let rows = client.query(&sql, &[&q.item_id, &q.requester, &state]).await.map_err(db("listing access requests"))?;
    rows.iter().map(access).collect()
}

/// Take the next change number, locking the counter until commit (see the module comment).
async fn next_seq<C: GenericClient>(client: &C) -> Result<i64> {
    let context = "taking a catalog change number";
    client
        .query_one("UPDATE catalog_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq", &[])
        .await
        .map_err(db(context))?
        .try_get(0)
        .map_err(db(context))
}

/// Refuse a resource that another item already describes.
async fn check_resource_free<C: GenericClient>(client: &C, fields: &ItemFields, this: Option<i64>) -> Result<()> {
    let Some(resource) = &fields.resource_id else { return Ok(()) };
    let context = "checking a catalog item's resource";
    let row = client
        .query_opt("SELECT id FROM catalog_items WHERE resource_id = $1 AND id IS DISTINCT FROM $2", &[resource, &this])
        .await
        .map_err(db(context))?;
    match row {
        Some(row) => Err(resource_taken(resource, row.try_get(0).map_err(db(context))?)),
        None => Ok(()),
    }
}

async fn require_item<C: GenericClient>(client: &C, id: i64) -> Result<()> {
    let row = client
        .query_opt("SELECT 1 FROM catalog_items WHERE id = $1", &[&id])
        .await
        .map_err(db("reading a catalog item"))?;
    row.map(|_| ()).ok_or_else(|| not_found("catalog item", id))
}

async fn add_stage_event<C: GenericClient>(
    client: &C,
    item_id: i64,
    from: Option<LifecycleStage>,
    to: LifecycleStage,
    by: &str,
    at: Timestamp,
    note: Option<&str>,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO catalog_stage_events (item_id, from_stage, to_stage, actor, at, note) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&item_id, &from.map(|s| s.as_str()), &to.as_str(), &by, &at, &note],
        )
        .await
        .map_err(db("recording a stage move"))?;
    Ok(())
}

async fn add_publication_event<C: GenericClient>(client: &C, e: &PublicationEvent) -> Result<()> {
    client
        .execute(
            "INSERT INTO catalog_publication_events (item_id, from_state, to_state, action, actor, at, note, \
             checklist) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &e.item_id,
                &e.from_state.map(|s| s.as_str()),
                &e.to_state.as_str(),
                &e.action.as_str(),
                &e.by,
                &e.at,
                &e.note,
                &Json(&e.checklist),
            ],
        )
        .await
        .map_err(db("recording a publication step"))?;
    Ok(())
}

async fn read_item<C: GenericClient>(client: &C, id: i64) -> Result<Option<CatalogItem>> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM catalog_items WHERE id = $1");
    let row = client.query_opt(&sql, &[&id]).await.map_err(db("reading a catalog item"))?;
    row.as_ref().map(item).transpose()
}

async fn read_access<C: GenericClient>(client: &C, id: i64, for_update: bool) -> Result<Option<AccessRequest>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {ACCESS_COLUMNS} FROM catalog_access_requests WHERE id = $1{lock}");
    let row = client.query_opt(&sql, &[&id]).await.map_err(db("reading an access request"))?;
    row.as_ref().map(access).transpose()
}

fn item(r: &tokio_postgres::Row) -> Result<CatalogItem> {
    let context = "reading a catalog item";
    let text = |i: usize| -> Result<String> { r.try_get(i).map_err(db(context)) };
    let opt = |i: usize| -> Result<Option<String>> { r.try_get(i).map_err(db(context)) };
    let count = |i: usize| -> Result<i64> { r.try_get(i).map_err(db(context)) };
    Ok(CatalogItem {
        id: r.try_get(0).map_err(db(context))?,
        seq: r.try_get(1).map_err(db(context))?,
        fields: ItemFields {
            resource_id: opt(2)?,
            kind: parse(&text(3)?, "catalog_items.kind")?,
            platform: text(4)?,
            title: text(5)?,
            summary: text(6)?,
            description: text(7)?,
            department: opt(8)?,
            business_area: opt(9)?,
            category: opt(10)?,
            tags: r.try_get(11).map_err(db(context))?,
            owner: opt(12)?,
            backup_owner: opt(13)?,
            support_tier: opt(14)?.map(|t| parse(&t, "catalog_items.support_tier")).transpose()?,
            documentation_url: opt(15)?,
            screenshots: r.try_get(16).map_err(db(context))?,
            criticality: opt(17)?.map(|c| parse(&c, "catalog_items.criticality")).transpose()?,
            featured: r.try_get(18).map_err(db(context))?,
            hero: r.try_get(19).map_err(db(context))?,
        },
        stage: parse(&text(20)?, "catalog_items.stage")?,
        state: parse(&text(21)?, "catalog_items.state")?,
        created_at: r.try_get(22).map_err(db(context))?,
        created_by: text(23)?,
        updated_at: r.try_get(24).map_err(db(context))?,
        updated_by: text(25)?,
        ratings: RatingSummary::from_sum(count(26)?, count(27)?),
        reviews: u64::try_from(count(28)?).unwrap_or(0),
    })
}

fn access(r: &tokio_postgres::Row) -> Result<AccessRequest> {
    let context = "reading an access request";
    let state: String = r.try_get(4).map_err(db(context))?;
    Ok(AccessRequest {
        id: r.try_get(0).map_err(db(context))?,
        item_id: r.try_get(1).map_err(db(context))?,
        requester: r.try_get(2).map_err(db(context))?,
        reason: r.try_get(3).map_err(db(context))?,
        state: parse(&state, "catalog_access_requests.state")?,
        requested_at: r.try_get(5).map_err(db(context))?,
        decided_by: r.try_get(6).map_err(db(context))?,
        decided_at: r.try_get(7).map_err(db(context))?,
        decision_note: r.try_get(8).map_err(db(context))?,
    })
}

fn parse<T>(text: &str, what: &str) -> Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e: T::Err| corrupt(what, e))
}

fn not_found(what: &'static str, id: i64) -> StoreError {
    StoreError::NotFound { what, id: id.to_string() }
}
