-- Cost records (issue #7): price overrides, imported licence assignments, cost centres, budgets,
-- allocation rules, people costs and monthly consumption, one keyed JSON document each. They are
-- few and read whole per kind; steward-cost owns their typed form and checks what it reads back.
-- Keys order bytewise (COLLATE "C") as on SQLite.
CREATE TABLE cost_records (
    kind        text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    body        jsonb NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);
