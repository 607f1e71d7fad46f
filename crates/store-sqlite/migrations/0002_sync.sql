-- Sync engines' checkpoints and watermarks, one JSON document per key (a source, usually).
CREATE TABLE sync_state (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Ids seen by listings in progress, written with each page so that a resumed walk still knows
-- what the pages before an interruption saw. Emptied when the listing completes or is abandoned.
CREATE TABLE sync_listing_seen (
    listing  TEXT NOT NULL,
    id       TEXT NOT NULL,
    PRIMARY KEY (listing, id)
) WITHOUT ROWID;
