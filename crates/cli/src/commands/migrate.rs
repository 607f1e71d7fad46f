use crate::db;

pub async fn run(db_url: &str) -> anyhow::Result<()> {
    let store = db::open(db_url).await?;
    println!("database {} ({}) is up to date", db::redact(db_url), store.backend());
    Ok(())
}
