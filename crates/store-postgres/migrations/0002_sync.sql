-- Sync engines' checkpoints and watermarks, one JSON document per key (a source, usually).
CREATE TABLE sync_state (
    key         text COLLATE "C" PRIMARY KEY,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Ids seen by listings in progress, written with each page so that a resumed walk still knows
-- what the pages before an interruption saw. Emptied when the listing completes or is abandoned.
CREATE TABLE sync_listing_seen (
    listing  text COLLATE "C" NOT NULL,
    id       text COLLATE "C" NOT NULL,
    PRIMARY KEY (listing, id)
);
